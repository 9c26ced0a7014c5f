"""Polarity (−1…1) from a hand-written general-purpose lexicon with negation, degree words and
emoji, plus the intent decision (complaint / suggestion / question / praise). Pure.

The lexicon was written by hand from general Chinese/English evaluative vocabulary and IM
symptoms; it is *not* derived from any review corpus (see docs/classification.md for how it is
evaluated on third-party reviews).
"""
from __future__ import annotations

import math
import re

from . import rules

_POS = """
好 很好 挺好 真好 太好了 好好 不错 挺不错 满意 很满意 喜欢 爱 爱了 棒 很棒 真棒 赞 点赞 优秀 完美 方便 便捷 快捷 及时 准时
流畅 顺畅 丝滑 顺滑 稳定 清楚 清晰 干净 整洁 舒服 舒适 热情 周到 耐心 专业 贴心 实惠 划算 值 值得 推荐 好用 实用 给力
靠谱 省心 感谢 谢谢 辛苦了 惊喜 开心 高兴 漂亮 好看 精致 美观 简洁 友好 安静 新鲜 好吃 美味 可口 香 地道 大方 合理
快 很快 迅速 高效 便宜 优惠 温馨 亲切 礼貌 到位 细心 用心 放心 安心 好评 五星 厉害 牛 强 良心 神器 完善 进步 改善
提升 喜欢上 满分 超赞 不愧 期待 支持 还行 可以 ok 挺快 干脆 利落 称心 愉快 享受 舒心 顺利 成功 解决了 好多了 快多了
清楚多了 稳定多了 流畅多了 优雅 直观 易用 上手 人性化 体贴 速度快 性价比 实在 丰富 齐全 宽敞 明亮 便利 热心
good great nice love like excellent awesome amazing perfect fantastic smooth fast reliable stable clean helpful
happy thanks thank recommend best wonderful easy convenient intuitive solid useful beautiful brilliant
"""
_NEG = """
差 很差 太差 不好 糟糕 烂 垃圾 失望 后悔 难受 难用 难吃 难看 慢 很慢 太慢 贵 太贵 脏 吵 臭 坑 骗 骗子 恶心 生气 愤怒
讨厌 烦 无语 郁闷 麻烦 问题 故障 错误 毛病 投诉 差评 不满 一般般 凑合 勉强 简陋 破旧 不行 不值 浪费 忽悠 敷衍 超时
迟到 太久 半天 拖 差劲 离谱 过分 可恶 崩溃 卡 卡顿 闪退 失败 掉线 延迟 吐槽 不爽 心塞 气人 服了 醉了 不靠谱 不推荐
再也不 一星 呵呵 折腾 糟心 闹心 失灵 报错 bug 死机 黑屏 花屏 白屏 乱码 丢失 丢 收不到 打不开 用不了 发不出去 登不上
连不上 听不到 听不清 看不清 杂音 噪音 回声 发烫 耗电 费电 卡死 转圈 崩 挂了 破 辣鸡 坑爹 抓狂 受不了 吃亏 上当 冷漠
态度差 不耐烦 拒绝 退款 退货 欺骗 虚假 霸王 恶劣 不满意 遗憾 可惜 缺点 不足 不便 不方便 别扭 难找 繁琐 误导 无法 不能
没法 失效 消失 没了 怪怪的 反人类 一般 不如 还不如 退步 倒退 越来越差 最差 最烂 错 脏乱 异味 潮湿 陈旧 狭小 嘈杂
bad terrible awful worst horrible useless annoying frustrating disappointed disappointing slow laggy lag crash
crashes broken bug buggy fail fails failed error garbage hate poor unstable unusable ridiculous unacceptable
"""
# Words that show polarity only through negation or as a mild hint.
_DEGREE = {
    "太": 1.5, "非常": 1.6, "特别": 1.5, "超": 1.5, "超级": 1.6, "极其": 1.8, "十分": 1.5, "相当": 1.4, "很": 1.2,
    "真": 1.3, "真的": 1.3, "好": 1.2, "挺": 1.1, "蛮": 1.1, "比较": 0.9, "有点": 0.6, "有些": 0.6, "稍微": 0.5,
    "略": 0.5, "一点": 0.6, "巨": 1.6, "贼": 1.5, "最": 1.6, "越来越": 1.4, "实在": 1.4, "简直": 1.6, "完全": 1.4,
    "very": 1.4, "so": 1.3, "really": 1.3, "too": 1.3, "extremely": 1.8, "super": 1.5, "quite": 1.1,
    "pretty": 1.1, "slightly": 0.5, "bit": 0.6, "little": 0.6, "totally": 1.5,
}
_EMOJI = {
    "😡": -2.0, "🤬": -2.5, "😠": -2.0, "😭": -1.5, "😢": -1.2, "😤": -1.5, "💩": -2.0, "👎": -2.0, "😞": -1.2,
    "😫": -1.4, "🙄": -1.0, "😒": -1.0, "💔": -1.5, "😩": -1.4, "🤮": -2.0,
    "👍": 2.0, "❤️": 2.0, "❤": 2.0, "💯": 2.0, "🎉": 1.5, "😊": 1.2, "😄": 1.2, "😁": 1.2, "🥰": 1.8, "😍": 1.8,
    "👏": 1.8, "🙏": 0.8, "💪": 1.0, "🌟": 1.2, "⭐": 1.2, "🤝": 1.0, "😀": 1.0, "🥳": 1.5,
}
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in sorted(_EMOJI, key=len, reverse=True)))

_INDEX: rules.KeywordIndex | None = None


def _index() -> rules.KeywordIndex:
    global _INDEX
    if _INDEX is None:
        idx = rules.KeywordIndex()
        for w in _POS.split():
            idx.add(w, rules.Entry("pol", "pos", 1.0))
        for w in _NEG.split():
            idx.add(w, rules.Entry("pol", "neg", -1.0))
        for w, m in _DEGREE.items():
            idx.add(w, rules.Entry("deg", "deg", m))
        idx.freeze()
        _INDEX = idx
    return _INDEX


def polarity(toks: rules.Tokens, raw: str, extra: float = 0.0) -> tuple[float, list[str]]:
    """Lexicon score squashed to −1…1, with the words that moved it. `extra` lets the caller add
    signal (e.g. symptom counts from the type rules)."""
    matches = _index().find(toks)
    pol = rules.resolve(matches, "pol")
    degs = {m.end: m.entries[0].weight for m, _ in rules.resolve(matches, "deg")}
    # degree word directly before a sentiment word (allowing one gap token)
    score, evidence = extra, []
    for m, ents in pol:
        w = ents[0].weight
        mult = degs.get(m.start, 1.0)
        if mult == 1.0:
            i = toks.starts.get(m.start)
            if i is not None and i >= 1:
                prev = toks.words[i - 1]
                mult = degs.get(prev[1], 1.0) if prev[0] in ("得", "的") else 1.0
        if m.negated:
            # 不好 → negative; 不差 / 没问题 → mildly positive; 不太好 → negative
            w = -w * (0.8 if w > 0 else 0.6)
            evidence.append(f"neg:{m.word}")
        else:
            evidence.append(("+" if w > 0 else "-") + m.word)
        score += w * mult
    for em in _EMOJI_RE.findall(raw):
        score += _EMOJI[em]
        evidence.append(em)
    bangs = raw.count("!") + raw.count("！")
    if bangs and score:
        score *= 1.0 + min(bangs, 3) * 0.1
    return math.tanh(score / 2.5), evidence


def decide_intent(scores: dict[str, float], pol: float, *, defect: float, has_question_mark: bool) -> str:
    """Final intent. `scores`: rule scores for complaint/suggestion/question/praise; `defect`:
    strength of symptom evidence (function/performance/experience keywords)."""
    c = scores.get("complaint", 0.0)
    s = scores.get("suggestion", 0.0)
    q = scores.get("question", 0.0)
    p = scores.get("praise", 0.0)
    # strong complaint markers (rhetorical 怎么又 / 到底 / !!) beat everything
    if c >= 3 and c >= s and pol < 0.2:
        return "complaint"
    if s >= 3 and s >= q:
        return "suggestion"
    if p >= 2 and pol > 0.25 and defect < 3 and c < 2:
        return "praise"
    if q >= 2 and c < 3 and (pol > -0.6 or q >= 4):
        return "question"
    if s >= 2 and c < 3:
        return "suggestion"
    if pol > 0.45 and defect < 2 and c < 2:
        return "praise"
    return "complaint"
