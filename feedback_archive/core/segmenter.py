"""The one place that talks to jieba (its last release is from 2020, so it stays behind this module).

One tokenizer per process, its user dictionary made of an IM / real-time audio-video lexicon plus
the taxonomy's keywords (`set_user_words`, called when the taxonomy changes). Intake uses it for the
search tokens and duplicate fingerprints; the classifier uses it for rules and features.

It lives in `core` rather than `classification` because intake (the `feedback` layer) needs
tokens at ingest, and an app may only import from layers below it.
"""
from __future__ import annotations

import logging
import re
import threading

import jieba

jieba.setLogLevel(logging.WARNING)

# Words jieba's general dictionary splits or mis-joins in IM feedback. Frequencies are high enough
# to win over the general dictionary (卡顿 must not become 卡/顿, 群文件 must stay one word).
DOMAIN_LEXICON = [
    "卡顿", "掉线", "断线", "回声", "杂音", "噪音", "啸叫", "爆音", "黑屏", "花屏", "白屏", "闪退",
    "转圈", "发热", "耗电", "耗流量", "占内存", "延迟", "丢包", "弱网", "断断续续",
    "群文件", "群公告", "群成员", "群主", "群管理员", "群聊", "群视频", "群语音", "@所有人",
    "语音消息", "语音通话", "视频通话", "视频会议", "屏幕共享", "共享屏幕", "已读回执", "消息撤回",
    "免打扰", "消息免打扰", "聊天记录", "离线消息", "推送通知", "消息推送", "表情包", "红点",
    "文件传输", "断点续传", "云盘", "网盘", "会议纪要", "美颜", "虚拟背景", "降噪", "蓝牙耳机",
    "扬声器", "麦克风", "摄像头", "视频号", "直播", "连麦", "扫码登录", "验证码", "收不到",
    "发不出去", "打不开", "登不上", "连不上", "加载不出来", "不流畅", "很流畅", "不卡", "不卡顿",
    "不掉线", "没延迟", "没有延迟", "一点都不卡",
]

# Taiwan / Hong Kong words for the same IM things, applied only to text that was written in
# Traditional characters (a Simplified text keeps its own words: 档案 is a fine word there).
_TRADITIONAL_VOCAB = {"讯息": "消息", "视讯": "视频", "软体": "软件", "推播": "推送", "网路": "网络", "登入": "登录",
                      "当机": "死机", "影片": "视频", "档案": "文件", "帐号": "账号", "萤幕": "屏幕",
                      "荧幕": "屏幕", "连线": "连接", "程式": "程序", "资料": "数据", "简讯": "短信"}
_TRADITIONAL_VOCAB_RE = re.compile("|".join(_TRADITIONAL_VOCAB))
_CJK = re.compile(r"[\u3400-\u9fff]")
_opencc = None


def to_simplified(text: str) -> str:
    """Traditional Chinese → Simplified (OpenCC's character and phrase tables), plus the common
    Taiwan/Hong Kong IM words. Simplified, English and mixed text come back unchanged."""
    global _opencc
    if not text or not _CJK.search(text):
        return text or ""
    if _opencc is None:
        import opencc

        _opencc = opencc.OpenCC("t2s")
    converted = _opencc.convert(text)
    if converted == text:
        return text
    return _TRADITIONAL_VOCAB_RE.sub(lambda m: _TRADITIONAL_VOCAB[m.group(0)], converted)


_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_VERSION = re.compile(r"v?(\d+(?:\.\d+){1,3})", re.IGNORECASE)
_lock = threading.Lock()
_tokenizers: dict[str, jieba.Tokenizer] = {}
_user_words: set[str] = set()


def _get(kind: str = "classify") -> jieba.Tokenizer:
    """Two tokenizers per process. "classify" also knows the taxonomy's keywords (reloaded when
    the taxonomy changes); "search" knows only the fixed lexicon, so the tokens stored for search
    and duplicate fingerprints are the same whichever process stored them and whenever — a
    keyword added in the admin must not make old and new rows tokenise differently."""
    tok = _tokenizers.get(kind)
    if tok is None:
        with _lock:
            tok = _tokenizers.get(kind)
            if tok is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in DOMAIN_LEXICON:
                    tok.add_word(word)  # jieba suggests a frequency just high enough to keep it whole
                _tokenizers[kind] = tok
    return tok


def set_user_words(words) -> None:
    """Make the tokenizer know exactly these taxonomy words (plus the built-in lexicon)."""
    tok = _get()
    wanted = {w.strip() for w in words if w and w.strip()}
    with _lock:
        for word in _user_words - wanted - set(DOMAIN_LEXICON):
            tok.del_word(word)
        # sorted: jieba derives a new word's frequency from the dictionary as it stands, so the
        # order of additions must not depend on set iteration (PYTHONHASHSEED) or two workers
        # would segment — and classify — a few texts differently
        for word in sorted(wanted - _user_words):
            tok.add_word(word)
        _user_words.clear()
        _user_words.update(wanted)


def cut(text: str) -> list[str]:
    """Words in reading order, punctuation and spaces dropped, Latin lower-cased."""
    return [w.lower() for w in _get().lcut(text or "") if not _PUNCT.match(w)]


def _search_pieces(text: str) -> list[str]:
    return [w.lower() for w in _get("search").lcut_for_search(text or "") if not _PUNCT.match(w)]


def _search_cut(text: str) -> list[str]:
    return [w.lower() for w in _get("search").lcut(text or "") if not _PUNCT.match(w)]


def search_tokens(text: str) -> list[str]:
    """Distinct tokens to index: words, their dictionary sub-words (群文件传输 → 群, 文件, 传输,
    文件传输) and version numbers, so a query needs neither the whole sentence nor the exact word."""
    text = to_simplified(text)
    pieces = _search_pieces(text)
    pieces.extend(m.group(1) for m in _VERSION.finditer(text or ""))
    seen: dict[str, None] = {}
    for p in pieces:
        if p not in seen:
            seen[p] = None
    return list(seen)


_PARTICLES = frozenset("了 的 吗 呢 吧 啊 呀 哦 嘛 啦 哈 么 得 地 着 过".split())


def query_groups(query: str) -> list[list[list[str]]]:
    """For each query word, the ways it may appear in indexed text (any one will do), each a list
    of tokens that must all be present: the word itself; its finest dictionary pieces
    (文件传输 → 文件 + 传输); and the word with its first or last character peeled off
    (群文件 → 群 + 文件), because the indexed sentence may have been cut around a longer word
    (群文件传输 → 群 / 文件传输)."""
    groups = []
    query = to_simplified(query)
    words = _search_cut(query)
    # 太慢了 should find 太慢 wherever it is: a sentence particle narrows nothing, but requiring it
    # would drop texts that end differently (and makes the search cost two lookups instead of one)
    words = [w for w in words if w not in _PARTICLES] or words
    for word in words:
        options = [[word]]
        subs = [s for s in _search_pieces(word) if s != word and len(s) >= 2]
        if subs:
            options.append(subs)
        if len(word) >= 3:
            options.append([word[0], *_search_cut(word[1:])])
            options.append([*_search_cut(word[:-1]), word[-1]])
        unique = []
        for option in options:
            if option not in unique:
                unique.append(option)
        groups.append(unique)
    for m in _VERSION.finditer(query or ""):
        if [[m.group(1)]] not in groups:
            groups.append([[m.group(1)]])
    return groups


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for every token of `text`, punctuation and spaces included, in reading
    order, using the same tokenizer (and user words) as `cut`. The classifier uses the offsets to
    match keywords on token boundaries and to find clause breaks (punctuation) for negation scope."""
    return list(_get().tokenize(text or ""))


def is_word(word: str) -> bool:
    """Is `word` in the tokenizer's dictionary (general dictionary, lexicon or user words)?"""
    return bool(_get().FREQ.get(word))
