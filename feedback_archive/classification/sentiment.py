"""Polarity (−1…1) from a general-purpose lexicon composed clause by clause (negation scope,
double negation, degree words, adversatives, concessives, wishes, questions, waiting time, loyalty,
emoji), plus the intent decision (complaint / suggestion / question / praise). Pure.

Two lexicon layers: a hand-written core (general Chinese/English evaluative vocabulary, IM
symptoms, weighted phrases; word lists in data/sentiment/*.txt, one entry a line) over optional general word lists at a lower weight, read from the
directory in the SENTIMENT_LEXICON_DIR setting (e.g. HowNet's lists, which we do not ship: they were
released for research and non-commercial use). Neither is derived from any review corpus; docs/classification.md has how both are
evaluated on third-party reviews and what each rule contributes. The lexicon is built once per
process on first use.
"""
from __future__ import annotations

import bisect
import math
import os
import re
from pathlib import Path

from . import rules

_WORDS = Path(__file__).resolve().parent / "data" / "sentiment"


def _lines(name: str) -> list[str]:
    """The entries of a word list in data/sentiment/ (one per line, `#` lines are comments)."""
    text = (_WORDS / name).read_text(encoding="utf-8")
    return [s for s in (line.strip() for line in text.splitlines()) if s and not s.startswith("#")]


def _weights(name: str) -> dict[str, float]:
    """`entry weight` lines (the weight after the last space; an entry may contain spaces)."""
    out: dict[str, float] = {}
    for line in _lines(name):
        entry, _sep, weight = line.rpartition(" ")
        out[entry.strip()] = float(weight)
    return out


# The word lists are data (data/sentiment/*.txt, one entry a line): the hand-written core lexicon,
# degree words, emoji, and the clause markers the composition rules below read.
_POS = _lines("positive.txt")
_NEG = _lines("negative.txt")
# Words that show polarity only through negation or as a mild hint.
_DEGREE = _weights("degree.txt")
_EMOJI = _weights("emoji.txt")
_GLUED = _weights("glued_prefix.txt")
_EMOJI_RE = re.compile("|".join(re.escape(e) for e in sorted(_EMOJI, key=len, reverse=True)))

def _lexicon_dir() -> Path | None:
    from django.conf import settings

    if settings.configured:
        value = settings.SENTIMENT_LEXICON_DIR
    else:  # the bench scripts use this module without Django settings
        value = os.environ.get("SENTIMENT_LEXICON_DIR", "")
    return Path(value) if value else None


# General lists (HowNet's, say) are broad and unweighted (many words are only mildly
# evaluative): they count less than the hand-written core, which overrides them where both list a word.
_HOWNET_WEIGHT = 0.6

# Phrases scored with their own weight (not ±1): mild verdicts, loyalty, regret.
_WEIGHTED = _weights("weighted.txt")
# Words the HowNet lists mark as evaluative that are function words, degree adverbs or verbs of
# wishing/needing in everyday text (其实 / 根本 / 完全 / 希望 / 需要 / 东西 / 活动).
_NOT_SENTIMENT = frozenset(_lines("not_sentiment.txt"))

_NEGATORS = rules.NEGATORS | frozenset(_lines("negators.txt"))
# negators that soften rather than flip fully: 不太好 is milder than 不好
_SOFT_NEG = frozenset(_lines("soft_negators.txt"))
# Clause markers. Strong contrast: the clause after it usually carries the verdict.
_CONTRAST = frozenset(_lines("contrast.txt"))
# (weight of the clauses before, weight of the contrast clause)
_CONTRAST_W = (0.8, 1.2)
_CONTRAST_WEAK_W = (0.9, 1.1)
_CONTRAST_WEAK = frozenset(_lines("contrast_weak.txt"))   # only at clause start
_CONCESSIVE = frozenset(_lines("concessive.txt"))
_EXPECT = frozenset(_lines("expectation.txt"))
_RESULT = frozenset(_lines("result.txt"))
# a summing-up clause (总之 / 总的来说 / overall) is the writer's own verdict
_SUMMARY = frozenset(_lines("summary.txt"))
_SUMMARY_W = 1.5
_HYPO = frozenset(_lines("hypothetical.txt"))
_RHETORICAL = tuple(_lines("rhetorical.txt"))
_SENT_BREAK = frozenset("。.!！?？\n")
_CLAUSE_BREAK = frozenset("，,;；:：~～…、")
_BREAK_CHARS = _SENT_BREAK | _CLAUSE_BREAK

_SKIP_IN_SCOPE = frozenset(_lines("skip_in_scope.txt"))

# waiting: 等了一个多小时 / 两个小时才到 / 50分钟才送到 are complaints; 半小时就到了 is praise
_NUM = r"(?:\d+|[一二两三四五六七八九十半几]+)"
_WAIT_RES = [
    (re.compile(r"(?:等|送|用|花)了?(?:快|将近|差不多|足足|整整|大概|近|有)?" + _NUM + r"个?多?(?:小时|钟头)"), -1.6, "wait:hours"),
    (re.compile(_NUM + r"个?多?(?:小时|钟头)(?:才|都没|还没|也没)"), -1.8, "wait:hours"),
    (re.compile(r"(?:\d{2,}|[四五六七八九]十|[四五六七八九]十多)分钟?(?:才|都没|还没)"), -1.5, "wait:minutes"),
    (re.compile(r"等了(?:好久|很久|半天|这么久|那么久|老半天|好长时间|很长时间|一个世纪)"), -1.6, "wait:long"),
    (re.compile(r"(?:\d{1,2}|[一二两三四五六七八九十半]+|二十|三十)多?分钟?(?:就|便)(?:到|送到|送来|送达|来了)"), 1.2, "wait:fast"),
    (re.compile(r"半(?:个)?小时(?:就|便)(?:到|送到|送来|送达|来了)"), 1.2, "wait:fast"),
    (re.compile(r"(?<![就都])才(?:送到|到|送来|送达|来|回复|处理|解决|收到)"), -1.0, "wait:late"),
    (re.compile(r"到现在(?:都|还|也)(?:没|不)"), -1.5, "wait:still"),
    (re.compile(r"(?:一|两|[三四五六七八九十]|\d+)个多?半?(?:小时|钟头)(?![就便内])"), -0.8, "wait:hours"),
]
_WAIT_HINT = re.compile(r"[时钟才久半没]")
_WISH_RE = re.compile(r"就更|会更|就好了")
_RHET_RE: tuple | None = None


def _rhetorical_re() -> re.Pattern:
    global _RHET_RE
    if _RHET_RE is None or _RHET_RE[0] is not _RHETORICAL:     # rebuilt if the tuple is swapped (bench ablation)
        pat = "|".join(re.escape(r) for r in _RHETORICAL) or "(?!x)x"
        _RHET_RE = (_RHETORICAL, re.compile(pat))
    return _RHET_RE[1]


_ELLIPSIS = re.compile(r"(?:。{2,}|\.{3,}|…+)")
_QQ = re.compile(r"[?？]{2,}")
_EMOTICON = _weights("emoticons.txt")

_CN_DIGITS = frozenset("一二两三四五六七八九十半几")
_CLAUSE_END = frozenset("，,。.!！?？;；~～…、 \n吧啊的了哦呀哈啦") | {""}
_LEX: dict[str, float] | None = None
_DEG: dict[str, float] = {}
_MARKERS: frozenset[str] = frozenset()   # every clause marker, to skip plain clauses fast
_FIRST: dict[str, int] = {}      # first character → longest lexicon word starting with it


def _load_lexicon() -> dict[str, float]:
    global _LEX, _DEG, _MARKERS, _FIRST
    if _LEX is not None:
        return _LEX
    lex: dict[str, float] = {}
    # general public lexicon first (weaker), then the hand-written one overrides it
    extra = _lexicon_dir()
    lists = [(p, 1.0) for p in sorted(extra.glob("*pos.txt"))] + [(p, -1.0) for p in sorted(extra.glob("*neg.txt"))] if extra else []
    for path, sign in lists:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                w = rules.normalize(line).strip()
                if w and not line.startswith("#"):
                    lex[w] = _HOWNET_WEIGHT * sign
    for w in _POS:
        lex[rules.normalize(w)] = 1.0
    for w in _NEG:
        lex[rules.normalize(w)] = -1.0
    for w, v in _WEIGHTED.items():
        lex[rules.normalize(w)] = v
    deg = {rules.normalize(w): m for w, m in _DEGREE.items()}
    for w in (_NEGATORS | _NOT_SENTIMENT | _HYPO | _CONTRAST | _CONCESSIVE | _EXPECT | _RESULT
              | set(_DEGREE)) - set(_WEIGHTED) - {"好", "超", "真", "可惜", "牛", "强"}:
        lex.pop(w, None)
    _DEG = deg
    _MARKERS = _HYPO | _EXPECT | _RESULT | _SUMMARY | _CONCESSIVE | _CONTRAST
    first: dict[str, int] = {}
    for w in lex:
        first[w[0]] = max(first.get(w[0], 0), len(w))
    _FIRST = first
    _LEX = lex                                   # last: another thread sees a complete lexicon or none
    return lex


def _clauses(toks: rules.Tokens) -> list[tuple[int, int, int]]:
    """(first token, last token + 1, sentence number) for each clause."""
    out, start, sent = [], 0, 0
    words = toks.words
    for i, (w, _s, _e) in enumerate(words):
        c0 = w[0]
        if c0 not in _BREAK_CHARS and not c0.isspace():
            continue                                  # an ordinary word: no break
        ws = w.strip()
        is_sent = ws != "" and all(c in _SENT_BREAK for c in ws)
        # a space separates clauses in Chinese (很快 好吃) but only words in English
        is_clause = (ws == "" and i > 0 and not words[i - 1][0][-1:].isascii()) or (
            ws != "" and all(c in _CLAUSE_BREAK or c in _SENT_BREAK for c in ws))
        if ws == "" and not is_clause:
            continue
        if is_clause or is_sent:
            if i > start:
                out.append((start, i, sent))
            start = i + 1
            if is_sent:
                sent += 1
    if start < len(words):
        out.append((start, len(words), sent))
    return out


def _match(toks: rules.Tokens, lex: dict[str, float]) -> list[tuple[int, int, str, float]]:
    """Longest lexicon words on token boundaries, no overlaps: (start, end, word, weight)."""
    text = toks.text
    ends = sorted(toks.ends)
    out, taken_to = [], -1
    first = _FIRST
    for s in sorted(toks.starts):
        if s < taken_to:
            continue
        maxlen = first.get(text[s])
        if maxlen is None:
            continue
        lo = bisect.bisect_right(ends, s)
        hi = bisect.bisect_right(ends, s + maxlen)
        for k in range(hi - 1, lo - 1, -1):
            e = ends[k]
            w = text[s:e]
            v = lex.get(w)
            if v is not None:
                nxt = text[e:e + 1]
                if w == "好" and nxt in "几多久像些长":
                    break                      # 好几次 / 好久: quantity, not praise
                if w in ("快", "很快") and (nxt.isdigit() or nxt in _CN_DIGITS):
                    break                      # 等了快一个小时: 快 is "almost"
                if w == "快" and nxt not in _CLAUSE_END and nxt not in "速捷递":
                    break                      # 快饿死了 / 都快焦了: "about to", not "fast"
                if w in ("可以", "还可以") and nxt not in _CLAUSE_END:
                    break                      # 可以理解 / 可以试试: a modal verb, not a verdict
                if w == "一般" and text[max(0, s - 2):s] == "不是":
                    break                      # 不是一般的慢: an intensifier (handled in _scope)
                out.append((s, e, w, v))
                taken_to = e
                break
    if _GLUE:
        out = _glued(toks, lex, out)
    # 好吃 after 好 / 真: the first is a degree word here, not a second verdict
    return [m for k, m in enumerate(out)
            if not (m[2] in _DEG and k + 1 < len(out) and out[k + 1][0] == m[1])]


_GLUE = True


def _glued(toks: rules.Tokens, lex: dict[str, float], out: list) -> list:
    """One-character sentiment words jieba glued to a degree character (奇慢, 巨慢, 极差, 棒棒):
    the token is not in the lexicon, so _match never sees the word inside; it counts as the word
    times the degree (data/sentiment/glued_prefix.txt and the one-character degree words)."""
    taken = {s for s, _e, _w, _v in out}
    extra = []
    for w, s, e in toks.words:
        if len(w) != 2 or s in taken or w in lex:
            continue
        v = lex.get(w[1])
        if v is None:
            continue
        mult = 1.3 if w[0] == w[1] else _GLUED.get(w[0]) or (_DEG.get(w[0]) if w[0] in _DEG else None)
        if mult:
            extra.append((s + 1, e, w[1], v * mult))
    return sorted(out + extra) if extra else out


def _scope(toks: rules.Tokens, tok_i: int, first: int, start: int) -> tuple[int, bool, float]:
    """Negators and degree in front of a sentiment word inside its clause:
    (number of negators, softened, degree multiplier)."""
    negs, soft, mult, seen = 0, False, 1.0, 0
    words = toks.words
    w0, s0, _ = words[tok_i]
    if s0 < start:                      # prefix glued inside one jieba token: 不卡顿, 太慢了, 不太好
        pre = toks.text[s0:start]
        if pre in _NEGATORS or start in toks.soft_neg:
            negs += 1
            soft = soft or pre in _SOFT_NEG
        elif pre in _DEG:
            mult = _DEG[pre]
        elif pre[-1:] in _DEG:
            mult = _DEG[pre[-1:]]
    j = tok_i - 1
    window = 3
    while j >= first and seen < window:
        w = words[j][0]
        if not w.strip():
            j -= 1
            continue
        if w in ("一般", "一般的") and j - 1 >= first and words[j - 1][0] == "不是":
            mult = max(mult, 1.8)            # 不是一般(的)慢: "unusually", not a negation
            j -= 2
            continue
        if w in ("那么", "这么") and seen == 0:
            window = 5                       # 没有上次那么好吃: the negator sits before the comparison
        if window == 5 and seen >= 1:
            if w in ("没有", "没", "不如", "不像", "比不上"):
                negs += 1
                break
            seen += 1
            j -= 1
            continue
        if w in _NEGATORS and not (j - 1 >= first and words[j - 1][0] in ("差点", "差一点", "差点儿")):
            negs += 1                        # (差点没饿死 means "almost starved": no negation)
            soft = soft or w in _SOFT_NEG
            if seen == 0 and mult != 1.0:   # 不太好: degree after the negator softens, not strengthens
                soft, mult = True, 1.0
        elif w in _DEG:
            if negs == 0 and mult == 1.0:
                mult = _DEG[w]
            elif negs:                     # 很不好: degree before the negator strengthens the flip
                mult = max(mult, _DEG[w])
        elif w in _SKIP_IN_SCOPE:
            pass
        else:
            seen += 1
            if seen >= 2 and negs == 0 and window == 3:
                break
        j -= 1
    return negs, soft, mult


def _post_negated(toks: rules.Tokens, tok_i: int, last: int) -> bool:
    """一点延迟都没有 / 卡顿也没有了: a negator right after the word closes the clause."""
    words = toks.words
    k = tok_i + 1
    while k < last and words[k][0] in ("都", "也", "了", "过", "一点", "一次", "一丁点"):
        k += 1
    if k < last and words[k][0] in ("没有", "没", "没有了", "没了", "全无", "都没有", "也没有", "都没", "也没"):
        return k + 1 >= last or words[k + 1][0] in ("了", "啊", "呀", "哦", "啦")
    return False


def polarity(toks: rules.Tokens, raw: str, extra: float = 0.0) -> tuple[float, list[str]]:
    """Lexicon score squashed to −1…1, with the words that moved it. `extra` lets the caller add
    signal (e.g. symptom counts from the type rules).

    Composition, clause by clause: negation scope (odd number of negators in front flips, two
    cancel: 不是不好吃), degree words, adversatives (但是 / 不过 / 可惜: the clause after counts
    more, the ones before it less), concessives (虽然 …), expectation (本以为 … 结果 …),
    wishes and questions (a positive word inside 希望 / 如果 / ？ is not a verdict), rhetorical
    questions, waiting time, loyalty (还会再来), emoji and punctuation."""
    lex = _load_lexicon()
    words = toks.words
    text = toks.text
    matches = _match(toks, lex)
    clauses = _clauses(toks) if matches else []
    tok_starts = [s for _w, s, _e in words]
    clause_of = {}
    for ci, (a, b, _sent) in enumerate(clauses):
        for i in range(a, b):
            clause_of[i] = ci

    # per-clause markers and weights
    n = len(clauses)
    cw = [1.0] * n
    hypo = [False] * n
    question = [False] * n
    for ci, (a, b, _sent) in enumerate(clauses):
        ws = [words[i][0] for i in range(a, b)]
        wset = set(ws)
        nxt = words[b][0] if b < len(words) else ""
        question[ci] = "?" in nxt or "？" in nxt or (ws[-1] in ("吗", "么") if ws else False)
        if not (wset & _MARKERS) and ws[0] not in _CONTRAST_WEAK:
            if _WISH_RE.search(text, words[a][1], words[b - 1][2]):
                hypo[ci] = True
            continue
        if wset & _HYPO or _WISH_RE.search(text, words[a][1], words[b - 1][2]):
            hypo[ci] = True
        if wset & _EXPECT:
            cw[ci] *= 0.2
        if wset & _RESULT:
            cw[ci] *= 1.4
        if wset & _SUMMARY:
            cw[ci] *= _SUMMARY_W
        if wset & _CONCESSIVE:
            cw[ci] *= 0.5
            if ci + 1 < n:
                cw[ci + 1] *= 1.2
        strong = bool(wset & _CONTRAST)
        weak = not strong and bool(ws) and ws[0] in _CONTRAST_WEAK
        if strong or weak:
            back, boost = _CONTRAST_W if strong else _CONTRAST_WEAK_W
            k = ci - 1
            while k >= 0 and k >= ci - 3:
                cw[k] *= back
                k -= 1
            cw[ci] *= boost
    # a contrast clause with no sentiment of its own (但是，…) passes its boost on
    score, evidence = extra, []
    for s, e, word, w in matches:
        ti = bisect.bisect_right(tok_starts, s) - 1
        if ti < 0:
            continue
        ci = clause_of.get(ti)
        if ci is None:
            continue
        a, b, _sent = clauses[ci]
        negs, soft, mult = _scope(toks, ti, a, s)
        end_ti = bisect.bisect_right(tok_starts, e - 1) - 1
        if _post_negated(toks, end_ti, b):
            negs += 1
        if negs % 2 == 1:
            # 不好 → negative; 不差 / 没问题 → mildly positive; 不太好 → milder negative
            w = -w * (0.8 if w > 0 else 0.6) * (0.7 if soft else 1.0)
            evidence.append(f"neg:{word}")
        elif negs:
            w = w * 0.8                      # 不是不好吃 / 没有不满意: double negation affirms, a bit weaker
            evidence.append(f"negneg:{word}")
        else:
            evidence.append(("+" if w > 0 else "-") + word)
        w *= mult * cw[ci]
        if w > 0 and (hypo[ci] or question[ci]):
            w *= 0.3                          # 希望能快点 / 好吃吗？ wish or question, not a verdict
        score += w
    if _WAIT_HINT.search(text):
        spans: list[tuple[int, int]] = []
        for rx, v, tag in _WAIT_RES:          # most specific first; one wait counts once
            for m in rx.finditer(text):
                if any(m.start() < e2 and s2 < m.end() for s2, e2 in spans):
                    continue
                spans.append(m.span())
                score += v
                evidence.append(tag)
    for r in _rhetorical_re().findall(text):
        score -= 1.2
        evidence.append("rhetorical:" + r)
    if _QQ.search(raw):
        score -= 0.6
        evidence.append("??")
    if _ELLIPSIS.search(raw):
        score -= 0.4
        evidence.append("…")
    for em in _EMOJI_RE.findall(raw):
        score += _EMOJI[em]
        evidence.append(em)
    for em, v in _EMOTICON.items():
        if em in raw:
            score += v
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
