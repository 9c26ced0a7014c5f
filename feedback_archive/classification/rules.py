"""Keyword rules on jieba tokens: taxonomy keywords + a built-in IM lexicon, matched on token
boundaries, with negation scope and phrase patterns. Pure (no database, no Django).

How matching works
------------------
The text is normalised (lower case, ``n't`` → `` not``, full-width spaces) and cut by the shared
tokenizer (`segmenter.tokenize`, offsets and punctuation included). A keyword matches where its
characters occur *and* both ends fall on token boundaries — so 卡 matches in 有点卡 / 卡了 but not
in 卡片 or 双卡, 慢 matches in 很慢 but not in 慢慢. Tokens that glue a negator or degree word to
a symptom (不卡顿, 一点都不卡, 太卡, 卡成, 卡死) get an internal "soft" boundary after the prefix
/ before the suffix, so the symptom inside is still found — and marked negated when the prefix
is a negator. A match is also negated when a negator (不, 没有, 不再, 一点都不, never, not …)
precedes it in the same clause within three tokens with no contrast word (但是, 就是 …) between.

Within one dimension overlapping matches are resolved longest-first (语音消息 → voice, not
message; 不卡顿 (a negative keyword) swallows 卡顿).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from feedback_archive.core import segmenter
from feedback_archive.core.segmenter import is_word

# ---------------------------------------------------------------------------------------------
# Normalisation and token boundaries
# ---------------------------------------------------------------------------------------------

_NT = re.compile(r"n['’]t\b")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def normalize(text: str) -> str:
    # Traditional Chinese (Hong Kong / Taiwan users) is read as Simplified: keywords, lexicons and
    # jieba's dictionary are Simplified
    text = segmenter.to_simplified((text or "").lower().replace("’", "'"))
    text = text.replace("can't", "can not").replace("won't", "will not").replace("cannot", "can not")
    text = _NT.sub(" not", text)
    return _SPACES.sub(" ", text)


NEGATORS = frozenset({
    "不", "没", "没有", "没再", "不再", "不会", "别", "无", "并不", "从不", "从来不", "从没", "从没有",
    "从来没", "从来没有", "一点都不", "一点也不", "一点儿都不", "一点儿也不", "毫无", "未", "并没有", "并没",
    "也不", "都不", "也没", "都没", "也没有", "都没有", "再也没", "再也没有", "再也不", "不是", "绝不",
    "完全没有", "完全不", "基本没有", "基本不", "几乎没有", "几乎不", "不怎么", "没怎么", "根本没", "根本没有",
    "no", "not", "never", "without", "nothing", "hardly", "zero",
})
# Prefixes glued to a following word inside one jieba token (不卡顿 → 不|卡顿).
_NEG_PREFIXES = tuple(sorted({
    "一点都不", "一点也不", "从来没有", "从来没", "从来不", "再也没有", "再也没", "再也不", "完全没有",
    "没有", "没再", "不再", "并不", "从不", "从没", "毫无", "不", "没", "无",
}, key=len, reverse=True))
_DEG_PREFIXES = tuple(sorted({
    "太", "很", "好", "超", "超级", "特别", "非常", "有点", "有些", "巨", "贼", "老", "又", "真", "挺", "更",
    "越来越", "比较", "这么", "那么", "一直", "总", "经常", "老是", "总是", "好像",
}, key=len, reverse=True))
_SUFFIXES = ("了", "得", "成", "死", "住", "到", "着", "过", "的", "啊", "呀", "吧", "爆", "炸", "半天", "一下")
CONTRAST = frozenset({"但", "但是", "可是", "就是", "却", "而是", "只是", "不过", "然而", "反而", "but", "however", "though"})
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_CLAUSE_BREAK = frozenset("，,。.!！?？;；:：\n~～…、")


@dataclass
class Tokens:
    text: str                      # normalised text
    words: list[tuple[str, int, int]]
    starts: dict[int, int] = field(default_factory=dict)   # char offset → token index
    ends: set[int] = field(default_factory=set)
    soft_neg: dict[int, int] = field(default_factory=dict)  # soft start offset → token index (negated)
    _order: list[tuple[int, str]] | None = field(default=None, repr=False, compare=False)
    _word_starts: list[int] | None = field(default=None, repr=False, compare=False)

    def ordered_starts(self) -> list[tuple[int, str]]:
        """(offset, character) for sorted(starts), computed once: every keyword index (rules,
        praise topics, sentiment) walks the same offsets."""
        if self._order is None:
            text = self.text
            self._order = [(s, text[s]) for s in sorted(self.starts)]
        return self._order

    def word_starts(self) -> list[int]:
        if self._word_starts is None:
            self._word_starts = [s for _w, s, _e in self.words]
        return self._word_starts


_affix_cache: dict[str, tuple[int, bool, int]] = {}


def _affixes(w: str) -> tuple[int, bool, int]:
    """(length of a negator / degree prefix, is it a negator, length of a suffix) of a token —
    a function of the word alone, so computed once per distinct word instead of scanning ~60
    affixes for every token of every item."""
    hit = _affix_cache.get(w)
    if hit is None:
        pre, neg, suf = 0, False, 0
        for p in _NEG_PREFIXES:
            if len(w) > len(p) and w.startswith(p):
                pre, neg = len(p), True
                break
        else:
            for p in _DEG_PREFIXES:
                if len(w) > len(p) and w.startswith(p):
                    pre = len(p)
                    break
        for x in _SUFFIXES:
            if len(w) > len(x) and w.endswith(x):
                suf = len(x)
                break
        if len(_affix_cache) >= 200_000:  # bounded: words seen once in a long run don't pile up
            _affix_cache.clear()
        hit = _affix_cache[w] = (pre, neg, suf)
    return hit


def tokenize(text: str) -> Tokens:
    norm = normalize(text)
    words = segmenter.tokenize(norm)
    toks = Tokens(norm, words)
    starts, ends, soft_neg = toks.starts, toks.ends, toks.soft_neg
    for i, (w, s, e) in enumerate(words):
        starts[s] = i
        ends.add(e)
        n = len(w)
        if n < 2 or not ("\u4e00" <= w[0] <= "\u9fff"):
            continue
        if n > 2:
            # dictionary sub-words (what jieba's search mode yields): 消息推送 → 消息|推送,
            # 记录全没了 → 记录|全没了, so a longer user word never hides a keyword inside it
            # (not cached per word: it depends on the dictionary, which taxonomy edits change)
            for m in (2, 3):
                for k in range(n - m + 1):
                    if is_word(w[k:k + m]):
                        starts.setdefault(s + k, i)
                        ends.add(s + k + m)
        # tokens that glue a negator / degree word before, or a particle after, the word:
        # 不卡顿 → soft start at 卡 (negated), 太卡 → at 卡, 卡死 → soft end before 死
        pre, neg, suf = _affix_cache.get(w) or _affixes(w)
        if pre:
            starts.setdefault(s + pre, i)
            if neg:
                soft_neg[s + pre] = i
        if suf:
            ends.add(e - suf)
    return toks


_POST_NEG = frozenset({"没有", "没", "没有了", "没了", "全无", "都没有", "也没有", "都没", "也没"})
_POST_SKIP = frozenset({"都", "也", "了", "过", "一点", "一次", "一丁点"})


def _post_negated(toks: Tokens, end: int) -> bool:
    """一点延迟都没有 / 卡顿也没有了: a negator right after the word, closing the clause."""
    k = bisect_left(toks.word_starts(), end)  # the first token starting at or after `end`
    if k == len(toks.words):
        return False
    for n in range(k, min(k + 3, len(toks.words))):
        w = toks.words[n][0]
        if w in _POST_SKIP:
            continue
        if w in _POST_NEG:
            nxt = toks.words[n + 1][0] if n + 1 < len(toks.words) else "。"
            return nxt in _POST_SKIP or nxt in ("啊", "呀", "哦", "啦") or bool(_PUNCT.match(nxt))
        return False
    return False


def is_negated(toks: Tokens, start: int, end: int | None = None) -> bool:
    """Is the word starting at char offset `start` in the scope of a negator?"""
    if start in toks.soft_neg:
        return True
    if end is not None and _post_negated(toks, end):
        return True
    i = toks.starts.get(start)
    if i is None:
        return False
    if toks.words[i][1] != start:          # soft boundary inside a degree-prefixed token: look before it
        pass
    seen = 0
    j = i - 1
    while j >= 0 and seen < 3:
        w = toks.words[j][0]
        if w.strip() == "":
            j -= 1
            continue
        if w in CONTRAST or (len(w) == 1 and w in _CLAUSE_BREAK) or (_PUNCT.match(w) and w != "'"):
            return False
        if w in NEGATORS:
            return True
        seen += 1
        j -= 1
    return False


# ---------------------------------------------------------------------------------------------
# Keyword index
# ---------------------------------------------------------------------------------------------

def parse_keyword(item: str) -> tuple[str, float]:
    item = (item or "").strip()
    word, sep, weight = item.rpartition(":")
    if sep and word:
        try:
            return word.strip(), float(weight)
        except ValueError:
            pass
    return item, 1.0


@dataclass(frozen=True)
class Entry:
    dim: str
    label: str
    weight: float
    negative: bool = False    # a negative keyword: cancels the label
    source: str = "kw"        # "kw" taxonomy keyword, "builtin"


@dataclass
class Match:
    start: int
    end: int
    word: str
    negated: bool
    entries: list[Entry]
    by_dim: dict[str, list[Entry]] | None = None  # entries split by dimension (set by find)


class KeywordIndex:
    """Keywords by text, with the lengths that occur per first character; built once per taxonomy."""

    def __init__(self) -> None:
        self._by_word: dict[str, list[Entry]] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}
        self._by_dim: dict[str, dict[str, list[Entry]]] = {}

    def add(self, word: str, entry: Entry) -> None:
        word = normalize(word).strip()
        if not word:
            return
        entries = self._by_word.setdefault(word, [])
        # one entry per (dim, label, negative): keep the highest weight
        for k, old in enumerate(entries):
            if (old.dim, old.label, old.negative) == (entry.dim, entry.label, entry.negative):
                if entry.weight > old.weight or (entry.source == "kw" and old.source != "kw" and entry.weight >= old.weight):
                    entries[k] = entry
                return
        entries.append(entry)

    def freeze(self) -> None:
        # what find() walks: per first character, the keyword lengths that occur, longest first
        lengths: dict[str, set[int]] = {}
        for word in self._by_word:
            lengths.setdefault(word[0], set()).add(len(word))
        self._lengths = {ch: tuple(sorted(ns, reverse=True)) for ch, ns in lengths.items()}
        # resolve() asks each match for one dimension's entries, several times per item
        self._by_dim: dict[str, dict[str, list[Entry]]] = {}
        for word, entries in self._by_word.items():
            split: dict[str, list[Entry]] = {}
            for en in entries:
                split.setdefault(en.dim, []).append(en)
            self._by_dim[word] = split

    def find(self, toks: Tokens) -> list[Match]:
        """Keywords that start on a token start and end on a token end, longest first per start.
        Per start, one probe per keyword length (a handful) rather than one per keyword sharing
        the first character (dozens for 不, 没, 太 …)."""
        text, ends, by_word, by_dim, out = toks.text, toks.ends, self._by_word, self._by_dim, []
        first = self._lengths
        for s, ch in toks.ordered_starts():
            lengths = first.get(ch)
            if lengths is None:
                continue
            for n in lengths:
                e = s + n
                if e in ends:
                    word = text[s:e]
                    entries = by_word.get(word)
                    if entries is not None:
                        out.append(Match(s, e, word, is_negated(toks, s, e), entries, by_dim.get(word)))
        return out


def resolve(matches: list[Match], dim: str) -> list[tuple[Match, list[Entry]]]:
    """Matches carrying entries for `dim`, overlaps removed longest-first. The entry lists may be
    shared with the index: read them, don't change them."""
    cands = []
    for m in matches:
        ents = m.by_dim.get(dim) if m.by_dim is not None else [en for en in m.entries if en.dim == dim]
        if ents:
            cands.append((m, ents))
    if len(cands) < 2:
        return cands
    cands.sort(key=lambda c: (-(c[0].end - c[0].start), c[0].start))
    taken: list[tuple[int, int]] = []
    out = []
    for m, ents in cands:
        if any(m.start < e and s < m.end for s, e in taken):
            continue
        taken.append((m.start, m.end))
        out.append((m, ents))
    out.sort(key=lambda c: c[0].start)
    return out


# ---------------------------------------------------------------------------------------------
# Built-in lexicon (applies only to label codes present in the passed taxonomy)
# ---------------------------------------------------------------------------------------------

def _kw(spec: str) -> list[tuple[str, float]]:
    out = []
    for item in spec.split():
        word, w = parse_keyword(item)
        out.append((word.replace("_", " "), w))
    return out


BUILTIN: dict[tuple[str, str], list[tuple[str, float]]] = {
    ("type", "performance"): _kw("""
        断:2 中断:2 很久:2 晚:2 烫:2 loading:2 体积:2 占了:2 音质:2 正在连接:2 秒到:1 instantly:1
        卡:2 卡卡:2 卡顿:3 卡住:2 卡死:2 卡成:3 卡成ppt:3 掉帧:3 慢:2 很慢:2 缓慢:2 龟速:3 加载:1 加载慢:3
        半天:2 好久:1 转圈:2 转圈圈:2 一直转圈:3 延迟:3 延时:3 滞后:2 晚到:3 才收到:3 才到:2 才显示:2 才能收到:2
        掉线:3 断线:3 断连:3 断开:1 断断续续:3 不稳定:3 不流畅:3 发热:2 发烫:2 烫手:3 耗电:3 费电:3 掉电:3
        内存:2 占内存:3 占用:2 cpu:2 流量:1 耗流量:3 排队:2 响应慢:3 反应慢:3 几十秒:2 几分钟:1 速度:1 网速:1
        风扇:2 丢包:3 对不上:1 声画不同步:3 连不上:2 加载不出来:2 刷不出来:2 慢吞吞:3 慢得:2 一卡一卡:3
        lag:3 lags:3 laggy:3 lagging:3 slow:2 slowly:2 freeze:2 freezes:2 latency:3 delay:2 delayed:3 battery:2
        drain:2 drains:2 overheat:2 overheats:2 hot:1 memory:2 ram:2 cpu:2 disconnect:2 disconnects:3 drops:2
        dropping:2 unstable:3 forever:2 takes_forever:3 loading:1 stutter:3 stutters:3 choppy:3 sluggish:3
        keeps_dropping:3 minutes_to:2 seconds_late:3 spinning:2 late:2 minutes_late:3 hours_late:3
    """),
    ("type", "function"): _kw("""
        不行:1 依然可以:2 还是可以:2 仍然可以:2 仍然能:2 也能:1 泄露:2 不兼容:3 不存在:2 空白页:2
        闪退:3 崩溃:3 崩了:3 挂了:2 打不开:2 用不了:3 没法用:2 不能用:3 无法使用:3 失败:2 报错:2 错误:2 出错:2
        错误码:3 没反应:2 无响应:2 没声音:2 没有声音:2 听不到:2 听不见:2 看不到:2 看不见:2 黑屏:2 白屏:2 花屏:2
        收不到:3 发不出去:3 发不出:3 发送失败:3 不显示:2 显示不出来:2 显示不全:2 显示错误:3 乱码:3 丢了:2
        丢失:2 没了:2 不见了:2 消失:2 不生效:3 没生效:3 失效:3 不起作用:3 不支持:2 登不上:2 登录不了:2
        无法登录:2 点不了:2 下载不了:2 上传不了:2 传不上去:2 打不通:2 拨不通:2 识别不了:2 搜不到:2 找不回:2
        错乱:2 串了:2 不提醒:2 没提醒:2 没有提醒:2 还能看到:2 新功能:2 加功能:2 bug:2 异常:2 不准:2 不对:1
        没法:1 无法:1 不能:1 不了:1 不到:1 不出:1 自动退出:3 重复:1 空白:2 还在:1 没有收到:2 没收到:2 提示:1
        自动挂断:3 被挂断:2 全黑:2 黑了:1 绿屏:2
        crash:3 crashes:3 crashed:3 crashing:3 broken:3 does_not_work:3 not_working:3 fail:2 fails:2 failed:2
        failure:2 error:2 can_not:1 unable:2 missing:2 no_sound:2 black_screen:2 disappeared:2 lost:2 bug:2
        never_arrive:3 never_arrives:3 not_delivered:3 no_option:2 add_a:1 doesn't:1
    """),
    ("type", "experience"): _kw("""
        找半天:3 找了半天:3 太隐蔽:3 隐蔽:2 看不过来:2 选项太多:3 太多了:1 心烦:1 眼花:2 淹没:2 排序:2 放前面:3 顺序:2 太难了:1 太复杂:3 复杂:2 不知道从哪:3 搞不清楚:2 摸不着头脑:3 长得太像:3 太像:2 weird:2 icons:2 invisible:1 took_me_ages:3 by_accident:3
        找不到:2 难找:3 不好找:3 藏:2 藏得:3 太深:2 入口:2 按钮:2 误点:3 误触:3 点错:2 太近:2 太小:2 字太小:3
        看不清:2 步骤:2 太绕:3 绕:2 繁琐:3 麻烦:1 太麻烦:2 不直观:3 难用:3 不好用:2 丑:2 难看:2 配色:2 刺眼:2
        布局:2 乱七八糟:1 不习惯:2 别扭:3 怪怪的:3 反人类:3 反直觉:3 看不懂:3 文案:2 图标:2 错别字:2 弹窗:2
        广告:2 花里胡哨:3 点好几下:3 好几下:2 翻好久:3 翻半天:3 交互:2 设计:1 界面:2 字体:2 字号:2 对齐:2
        不一致:2 强迫症:2 挡住:2 遮住:2 太挤:2 拥挤:2 不顺手:3 顺手:1 容易点错:3 位置:1 每次都要:2 来回切:2
        confusing:3 hard_to_find:3 not_intuitive:3 cluttered:3 ugly:2 hidden:2 buried:3 too_many_steps:3
        clunky:3 awkward:2 font:2 button:2 layout:2 design:1 ui:2 menu:1 tiny:2 unintuitive:3
    """),
    ("type", "consultation"): _kw("""
        请问:3 如何:2 怎么设置:3 在哪:2 在哪里:2 哪里:1 是不是:1 是否:2 能否:2 多少钱:3 价格:3 收费:2 计费:3
        发票:3 退款:2 续费:2 套餐:2 试用:2 私有化:3 部署:2 报价:3 合同:2 采购:2 怎么办:1 求助:2 教程:2
        我以为:3 原来是:3 有没有:1 支持吗:2 可以吗:2 能吗:2 吗:1 区别:2 开通:2 授权:2 专票:3 对公:2
        how_do_i:3 how_to:2 how_can_i:3 is_there:2 where_is:2 where_can:2 does_it_support:3 pricing:3
        price:3 cost:2 invoice:3 refund:3 subscription:2 license:2 trial:2 is_it_possible:2 can_i:2
    """),
    ("module", "message"): _kw("""
        打字:2 输入:2 输入框:3 消息推送:3 scheduled_send:3 send:1 阅后即焚:3
        消息:2 文字:2 文字消息:3 发消息:3 聊天:1 聊天记录:3 记录:1 已读:3 未读:2 撤回:3 转发:2 引用:2 推送:3
        通知:2 提醒:1 红点:2 表情:2 表情包:3 贴纸:2 置顶:2 草稿:2 搜索:1 单聊:2 私聊:2 同步:1 漫游:2 免打扰:2
        定时发送:3 合并转发:3 回复:1 气泡:2 新消息:3 对话框:1 会话:2 会话列表:3 消息列表:3 聊天窗口:1
        message:2 messages:2 chat:2 chats:2 read_receipt:3 read_receipts:3 notification:3 notifications:3
        push:2 unread:2 emoji:3 sticker:3 stickers:3 recall:2 unsend:3 typing:1 texts:2 text:1
    """),
    ("module", "voice"): _kw("""
        通话录音:3
        语音:2 语音通话:3 语音消息:3 语音条:3 打电话:2 电话:2 通话:1 回声:3 杂音:3 噪音:3 电流声:3 降噪:3 麦克风:3
        麦:2 闭麦:3 开麦:3 听不到:2 听不见:2 听不清:3 声音:2 没声音:3 静音:2 外放:2 听筒:3 扬声器:2 耳机:2
        音量:2 音质:3 爆音:3 啸叫:3 转文字:3 录音:2 说话:2 吞字:3 断音:3 音频:3 声音卡:3 嗡嗡:2
        voice:2 voice_call:3 audio:3 echo:3 mic:3 microphone:3 sound:2 hear:2 noise:3 headset:2 speaker:2
        headphones:2 muted:2 mute:2 calls:1 call:1
    """),
    ("module", "video"): _kw("""
        结束会议:3 主持人:2 会议列表:3 入会:3 举手:2 one_window:2 whole_screen:3
        视频:2 视频通话:3 视频会议:3 会议:1 开会:1 入会:3 进会:2 屏幕共享:3 共享屏幕:3 共享:1 投屏:3 摄像头:3
        镜头:2 黑屏:2 花屏:3 画面:2 画质:3 清晰度:2 分辨率:2 美颜:3 滤镜:2 虚拟背景:3 背景虚化:3 直播:3 推流:3
        录屏:2 会议录制:3 录制:2 白板:2 掉帧:2 马赛克:3 卡成ppt:2 前置:2 后置:2 连麦:2 会议室:2 模糊:1
        video:2 camera:3 webcam:3 screen_share:3 screen_sharing:3 share_my_screen:3 sharing_my_screen:3
        meeting:2 meetings:2 livestream:3 stream:2 streaming:2 picture:1 blurry:2 frozen:1 video_call:3
        video_calls:3
    """),
    ("module", "group"): _kw("""
        群满:3 扩容:2 外部联系人:1 群待办:3 投票:2 群投票:3
        群组:3 建群:3 解散:2 群成员:3 成员:1 群主:3 管理员:2 @:2 @所有人:3 艾特:3 全体成员:2 群公告:3 公告:3
        入群:3 进群:3 加群:3 退群:3 踢人:3 踢出:3 移出:2 拉人:3 拉群:3 拉进群:3 邀请:2 禁言:3 群二维码:3 二维码:1
        群设置:3 群昵称:3 群名:3 群名称:3 人数上限:3 上限:1 审批:1 群权限:3 权限:1 转让:2 群管理:3
        group:2 groups:2 group_admin:3 members:2 member:2 announcement:3 @all:3 mention:2 mentions:2
        kick:3 invite:2 remove_members:3 admin:2
    """),
    ("module", "file"): _kw("""
        文件:2 群文件:3 发文件:3 传文件:3 上传:3 下载:2 传输:2 附件:3 云盘:3 网盘:3 云文档:2 文档:1 预览:3 大文件:3
        断点续传:3 存储空间:2 空间:1 图片:2 照片:2 原图:3 压缩包:3 pdf:2 excel:2 word:1 ppt:1 mp4:2 视频文件:3
        过期:2 另存为:2 转存:2 解压:2 表格:1 截图:1
        file:2 files:2 upload:3 uploads:3 uploading:3 download:2 downloads:2 attachment:3 attachments:3 pdf:2
        document:2 documents:2 cloud_drive:3 preview:2 photo:2 photos:2 image:2 images:2
    """),
    ("module", "other"): _kw("""
        头像:3 证书:2 后台管理:3 资质:3 等保:3 自动回复:2 卡通头像:3 通知铃声:2 铃声:2 ram:2 settings:2 settings_menu:3
        登录:3 登陆:3 注册:2 账号:2 帐号:2 密码:2 验证码:3 短信:2 手机号:2 绑定:2 换绑:3 实名:2 设置:1 头像:2
        昵称:2 个人资料:3 会员:2 发票:3 续费:3 付费:2 收费:2 价格:2 报价:2 退款:2 安装:3 安装包:3 卸载:2 更新:1
        启动:2 开机:2 通讯录:2 组织架构:3 考勤:3 打卡:2 日程:2 日历:2 待办:2 邮箱:2 ai:2 ai助手:3 机器人:2
        ai总结:3 翻译:2 智能客服:3 客服:1 私有化:3 部署:3 授权:2 扫码登录:3 启动慢:3 耗电:1 发热:1 内存:1
        版本号:1 试用:2 套餐:2 专票:3 合同:2 采购:2 离职:2 工作台:2 审批流:3
        login:3 log_in:3 sign_in:3 password:2 account:2 install:2 installer:3 billing:3 invoice:3
        subscription:2 pricing:3 price:2 ai_assistant:3 chatbot:3 translation:2 translate:2 license:2 sso:3
    """),
    ("severity", "critical"): _kw("""
        启动就闪退:3 一打开就闪退:3 打开就闪退:3 一打开就崩溃:3 登录不了:3 无法登录:3 登不上:3 登录不上:3 登陆不了:3
        数据丢失:3 聊天记录没了:3 聊天记录丢失:3 记录全没了:3 全没了:3 都没了:2 消息丢失:3 泄露:3 隐私:2 安全漏洞:3
        全公司:3 所有人都:2 全部用户:3 所有用户:3 大面积:3 瘫痪:3 宕机:3 服务挂了:3 服务器挂了:3 丢单:3
        完全用不了:2 都用不了:2 永久:2 找不回来:3 找不回:2 清空了:3 陌生人:2 被别人看到:3
        data_loss:3 can_not_log_in:3 can_not_login:3 outage:3 everyone:2 all_users:3 lost_all:3 wiped:3
        leak:3 leaked:3 privacy:2 on_launch:3 on_startup:3 whole_company:3 never_received:3
    """),
    ("severity", "major"): _kw("""
        闪退:2 崩溃:2 经常:2 频繁:2 每次:2 每次都:2 总是:1 老是:1 一直:1 用不了:2 没法用:2 都不行:2 都没用:2 不管用:2
        开不下去:3 严重影响:3 影响工作:2 耽误:2 很多人:2 好几个同事:2 整个部门:2 大家都:2 客户:1 完全:1 根本:1
        一整天:2 好几天:2 几天了:2 每天:1 必现:3 100%:2 一天好几次:3 影响:1
        every_time:2 always:1 constantly:2 keeps:1 whole_team:2 all_the_time:2 unusable:3 no_workaround:3
        every_single:2 crashes:2 crash:2
    """),
    ("severity", "normal"): _kw("""
        偶尔:2 有时候:2 有时:1 时不时:2 偶发:2 重启:1 重启就好:3 重启后就好了:3 重试:2 能恢复:2 绕过:2 凑合:2
        先用:1 再试:1 重新进:2 就恢复:3 恢复了:2 就好了:1
        sometimes:2 occasionally:2 workaround:2 restart_fixes:3 restarting:2 once_in_a_while:2
    """),
    ("severity", "minor"): _kw("""
        错别字:3 文案:2 图标:2 颜色:2 配色:2 对齐:2 不美观:2 丑:2 小问题:3 小建议:3 不影响使用:3 不急:2 有点:1
        稍微:1 强迫症:2 字体:1 小细节:3 细节:1 好看:1 顺便:1
        typo:3 cosmetic:3 minor:2 small:1 nitpick:3 tiny:1
    """),
    ("scope", "release"): _kw("""
        升级后:3 升级之后:3 更新后:3 更新之后:3 更新完:3 升级完:3 升到:3 升级到:3 更新到:3 新版本:3 新版:2
        最新版:2 这个版本:3 这版:2 这一版:3 上一版:2 旧版:2 老版本:2 上个版本:2 回退:2 降级:2 版本:1 自从更新:3
        更新以后:3 升级以后:3 改版:3 改版后:3
        after_update:3 after_the_update:3 after_updating:3 since_the_update:3 since_updating:3 latest_update:3
        new_version:3 latest_version:2 updated:2 update:1 since_the_last_update:3 downgrade:2
    """),
    ("scope", "scenario"): _kw("""
        弱网:3 网络不好:2 网络差:2 信号差:2 信号不好:2 没信号:2 切换网络:3 4g:2 5g:2 地铁:2 电梯:2 高铁:2 地下室:2
        大群:3 人多:2 人一多:3 蓝牙耳机:3 蓝牙:2 耳机:1 外接:2 外接摄像头:3 投影:2 高峰期:3 高峰:2 锁屏:2
        后台:2 息屏:2 熄屏:2 只有在:2 安卓:1 ios:1 mac:1 windows:1 鸿蒙:2 平板:2 ipad:2 网页版:2 浏览器:1
        海外:2 国外:2 横屏:2 分屏:2 双屏:2 省电模式:2 低电量:2 大会议:2 早上九点:2 上班高峰:3 开会时:1
        热点:2 vpn:2 内网:2 代理:2 副屏:2 扩展屏:2 模拟器:2
        weak_network:3 bad_network:2 poor_connection:2 cellular:2 bluetooth:3 airpods:3 peak_hours:3
        large_group:3 locked:2 background:2 only_when:2 ipad:2 tablet:2 vpn:2 hotspot:2
    """),
    ("scope", "individual"): _kw("""
        只有我:3 就我:2 就我一个:3 我的账号:2 我这个账号:3 我这台:2 我这边:1 同事都正常:3 别人都正常:3
        别人都好好的:3 其他人没问题:3 同事都没问题:3 换个手机就好:2 换台电脑就好:2 别人都没事:3 其他人都正常:3
        only_me:3 only_my:3 my_account:2 others_are_fine:3 just_me:3 colleagues_are_fine:3
    """),
    ("intent", "complaint"): _kw("""
        投诉:3 太差了:3 垃圾:3 差评:3 无语:2 受不了:3 失望:3 烦死了:3 气死:3 坑爹:3 什么破:3 怎么又:3 到底能不能:3
        还让不让人:3 尽快处理:2 赶紧修:3 卸载:2 怎么回事:2 怎么搞的:3 搞什么:3 到底:2 一星:3 辣鸡:3 恶心:3
        离谱:3 服了:2 醉了:2 抓狂:3 换软件:2 换别的:2 请尽快:2 修一下:2 赶紧:2 还不修:3 烦:2 吐了:2 崩溃了:1
        太烂:3 无法忍受:3 忍不了:3 什么时候能修:3 什么时候修:3 什么时候能解决:3 能不能修:3 能不能解决:3
        又:1 还是:1 影响:1 耽误:2 急:1 着急:2 坑:2 差劲:3 太差:3 很差:2
        terrible:3 worst:3 useless:3 annoying:2 frustrating:3 disappointed:3 fix_this:2 fix_it:2 please_fix:3
        awful:3 horrible:3 garbage:3 uninstall:2 unacceptable:3 ridiculous:3 still:1 again:1 why_does:2
    """),
    ("intent", "suggestion"): _kw("""
        建议:3 希望:3 能不能:2 可不可以:2 就好了:1 如果能:3 要是能:3 加个:3 加一个:3 增加:2 支持一下:2 期待:2
        最好能:3 最好:1 提议:3 需求:2 新增:2 加上:2 可否:2 想要:2 求加:3 出个:2 做个:2 改成:2 改为:2
        优化一下:2 麻烦加:3 能否增加:3 能否支持:3 要是:1 如果:1 建议加:3 希望能:3 期望:2
        suggest:3 suggestion:3 would_be_nice:3 please_add:3 feature_request:3 wish:2 would_be_great:3
        could_you_add:3 it_would_help:2 hope:2 should_have:2 consider_adding:3 add_an_option:3 would_love:3
        please_make:2 it_would_be_nice:3 allow:1
    """),
    ("intent", "question"): _kw("""
        请问:3 如何:3 怎么:2 怎样:2 是不是:2 在哪里:2 在哪:1 有没有:1 怎么设置:3 怎么操作:3 能否告诉:3
        吗:1 呢:1 多少钱:3 求助:2 怎么办:2 哪里:1 是否:2 能否:1 支持吗:2 可以吗:2
        how_do_i:3 how_to:3 how_can_i:3 where_is:2 is_there_a_way:3 can_i:2 does_it:2 is_it_possible:2
        do_you:1 is_there:2 what_is:2
    """),
    ("intent", "praise"): _kw("""
        点赞:3 好评:3 五星:3 太棒了:3 给力:3 满意:3 贴心:3 好用:2 喜欢:2 流畅:2 赞:2 谢谢:1 感谢:2 不错:2 很好:2
        好多了:3 清楚多了:3 快多了:3 稳定多了:3 厉害:2 牛:2 完美:3 推荐:2 方便:2 实用:2 省心:3 靠谱:2 优秀:3
        爱了:3 舒服:2 惊喜:3 辛苦了:2 很棒:3 真棒:3 挺好:2 好评如潮:3 表扬:3 顺滑:3 丝滑:3 清晰:2
        love:3 great:2 awesome:3 excellent:3 thanks:1 thank_you:2 smooth:2 amazing:3 perfect:3 fantastic:3
        well_done:3 good_job:3 recommend:2 nice:2 happy:2 reliable:2 solid:2 best:2
    """),
}

# Phrase patterns on the normalised text: (dim, label, regex, weight, evidence name).
PHRASES: list[tuple[str, str, re.Pattern, float, str]] = [
    ("intent", "suggestion", re.compile(r"要是.{0,24}?就好了"), 4, "phrase:要是…就好了"),
    ("intent", "suggestion", re.compile(r"如果.{0,24}?(就好了|就更好了|会更好|就方便了)"), 4, "phrase:如果…就好了"),
    ("intent", "suggestion", re.compile(r"(能不能|可不可以|能否|可否|是否可以|可以不可以)\s*(加|增加|新增|支持|做|出|提供|改|优化|把|给|让|允许|记住|默认|自动|设置成|搞)"), 3, "phrase:能不能…"),
    ("intent", "suggestion", re.compile(r"(建议|希望|期待|盼望)"), 1, "phrase:建议/希望"),
    ("intent", "suggestion", re.compile(r"\b(could|can|would) you (please )?(add|make|support|allow|let)"), 3, "phrase:could you add"),
    ("intent", "question", re.compile(r"(吗|么|呢)\s*[?？]"), 2, "phrase:…吗？"),
    ("intent", "question", re.compile(r"[?？]"), 1, "phrase:？"),
    ("intent", "question", re.compile(r"(吗|么)\s*($|[。.!！~，,])"), 2, "phrase:…吗"),
    ("intent", "question", re.compile(r"^(how|where|what|is|are|can|does|do|why)\b[^.!]*\?"), 2, "phrase:en question"),
    ("intent", "complaint", re.compile(r"(怎么|为什么|为啥|凭什么)(又|还|老是|总是|一直|天天)"), 3, "phrase:怎么又…"),
    ("intent", "complaint", re.compile(r"(到底|究竟)(还|能不能|要|什么时候|有没有)"), 3, "phrase:到底…"),
    ("intent", "complaint", re.compile(r"(什么时候|啥时候|何时)(能|才能|可以)?(修|解决|处理|好|恢复)"), 3, "phrase:什么时候修"),
    ("intent", "complaint", re.compile(r"[!！]{2,}|[?？]{2,}|[?？][!！]|[!！][?？]"), 2, "phrase:!!"),
    ("intent", "complaint", re.compile(r"(都|已经).{0,6}(天|周|星期|个月|次)了"), 2, "phrase:都…了"),
    ("type", "function", re.compile(r"(没有|没|缺少|缺)(这个|这种|一个|个)?.{0,8}?(功能|选项|按钮|开关)"), 3, "phrase:没有…功能"),
    ("type", "function", re.compile(r"(能不能|可不可以|能否|希望|建议|求)\s*(加|增加|新增|支持|出)"), 3, "phrase:新增能力"),
    ("type", "function", re.compile(r"(不能|无法|没法|不可以)\s*(暂停|拖|选择|撤回|编辑|修改|删除|设置|关闭|导出|同步|保存|回放|倍速|批量)"), 2, "phrase:不能…"),
    ("type", "function", re.compile(r"[\u4e00-\u9fff](不了|不上|不出来|不进去|不下来|不到)"), 1, "phrase:X不了"),
    ("type", "performance", re.compile(r"(才|要|得|需要|等|等了|花了|用了|晚了?个?)\s*(好|快)?(几|一|两|三|四|五|十|半|\d+)[十百个多]*\s*(秒|分钟|小时|个小时)"), 2, "phrase:等…秒"),
    ("type", "performance", re.compile(r"一(卡|顿)一(卡|顿)"), 3, "phrase:一卡一卡"),
    ("type", "consultation", re.compile(r"^(请问|想问|问一下|咨询一下|想咨询)"), 3, "phrase:请问"),
    ("type", "consultation", re.compile(r"(怎么|如何|怎样)(设置|开启|关闭|打开|操作|弄|用|导出|迁移|把|才能|开|关|找回|修改|取消|申请|开通|添加|切换|恢复|绑定|解绑)"), 2, "phrase:怎么…"),
    ("scope", "release", re.compile(r"\bv?\d+\.\d+\.\d+\b|\bv\d+\.\d+\b|\d+\.\d+\s*(版|版本)|(版本|version)\s*v?\d+(\.\d+)*"), 3, "phrase:版本号"),
    ("scope", "scenario", re.compile(r"(早上|上午|中午|下午|晚上|每天|每周.)\s*(\d+|[一二三四五六七八九十]+)\s*点"), 2, "phrase:时段"),
    ("scope", "scenario", re.compile(r"\d{3,}\s*(人|多人)|(\d{2,}|几十|上百|几百|上千)个?人(以上)?的?(群|会议|大群)"), 2, "phrase:N人以上"),
    ("scope", "scenario", re.compile(r"(只要|每次|一)(连|用|戴|开|切|插|到|在|进)\S{0,8}就"), 1, "phrase:只要…就"),
    ("module", "file", re.compile(r"\d+\s*(m|mb|g|gb|k|kb|兆)\b|\d+\s*(m|g|兆)的"), 2, "phrase:文件大小"),
    ("severity", "critical", re.compile(r"(一|刚|每次)?(打开|启动|点开|进入|开机)(app|软件|客户端)?就(闪退|崩溃|崩)"), 3, "phrase:启动即闪退"),
    ("severity", "critical", re.compile(r"(记录|消息|文件|数据|资料|群聊)\S{0,6}(全没了|都没了|全部丢失|丢了|丢失|清空|不见了|没了)"), 3, "phrase:数据丢失"),
    ("severity", "normal", re.compile(r"(重新|再|重)\S{0,8}(就好|就可以|就行|能恢复|就恢复|又好了|就正常)"), 3, "phrase:重试可恢复"),
]

def required_chars(rx: re.Pattern) -> frozenset[str] | None:
    """A small set of characters of which every match of `rx` contains at least one, read off
    the parsed pattern (None when there is no such set, e.g. only `.` / `\\d` are mandatory).
    Phrase patterns are tried on every item; most items contain none of a pattern's required
    characters, and a set test is ~20× cheaper than a failing regex search."""
    if rx.flags & re.IGNORECASE:
        return None
    try:
        from re import _constants as C, _parser as P  # Python ≥ 3.11
    except ImportError:  # pragma: no cover
        import sre_constants as C
        import sre_parse as P

    def seq(items):
        best = None
        for op, av in items:
            got = node(op, av)
            if got is not None and (best is None or len(got) < len(best)):
                best = got
        return best

    def node(op, av):
        if op is C.LITERAL:
            return frozenset(chr(av))
        if op is C.IN:
            chars = set()
            for o, a in av:
                if o is C.LITERAL:
                    chars.add(chr(a))
                elif o is C.RANGE and a[1] - a[0] < 64:
                    chars.update(chr(c) for c in range(a[0], a[1] + 1))
                else:  # NEGATE, CATEGORY, wide ranges
                    return None
            return frozenset(chars)
        if op is C.SUBPATTERN:
            return seq(av[-1])
        if op is C.BRANCH:
            alts = [seq(b) for b in av[1]]
            return None if any(a is None for a in alts) else frozenset().union(*alts)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            return seq(av[2]) if av[0] >= 1 else None
        return None  # AT (^ $ \\b), ANY, CATEGORY, …: nothing required

    try:
        return seq(P.parse(rx.pattern, rx.flags))
    except Exception:  # an internal-API change must not break classification: just don't filter
        return None


# What a *praise* is about, for the type dimension (流畅 praise → performance, not function).
PRAISE_TOPIC: dict[str, list[tuple[str, float]]] = {
    "performance": _kw("""
        流畅 顺畅 丝滑 顺滑 稳定 秒到 秒开 快多了 很快 速度快 省电 不卡 不卡顿 一点都不卡 不掉线 没延迟 没有延迟
        不发热 不耗电 不烫 smooth fast instantly quick stable lag-free 流畅多了 稳定多了 掉电
    """) + [("rule:negated-performance", 2.0)],
    "experience": _kw("""
        界面 排版 好看 清爽 简洁 美观 布局 分类清楚 设计 ui 直观 顺手 舒服多了 design layout clean
    """),
    "consultation": _kw("""
        客服 服务 顾问 实施 响应很快 效率很高 解决了 修好了 support service
    """),
}
