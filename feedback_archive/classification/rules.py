"""Keyword rules on jieba tokens: the taxonomy's keywords (the database — the one vocabulary; no
copy lives in code), matched on token boundaries, with negation scope, plus phrase patterns from
classification/data/phrases.yaml. Pure (no database, no Django).

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
from pathlib import Path

import yaml

from feedback_archive.core import segmenter
from feedback_archive.core.segmenter import is_word

_DATA = Path(__file__).resolve().parent / "data"

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


_LATIN = re.compile(r"[a-z0-9_]+\Z")


def _join_latin(words: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Glue back Latin words that jieba cut inside: with English user words in its dictionary
    (file, hot, send) jieba splits profile → pro|file and screenshot → screens|hot, so a keyword
    would match inside another English word. An English word's boundaries are its spaces and
    punctuation, so adjacent Latin pieces are one token again."""
    out: list[tuple[str, int, int]] = []
    for w, s, e in words:
        if out and out[-1][2] == s and _LATIN.match(w) and _LATIN.match(out[-1][0]) and w.isascii() \
                and out[-1][0].isascii():
            pw, ps, _pe = out[-1]
            out[-1] = (pw + w, ps, e)
        else:
            out.append((w, s, e))
    return out


def tokenize(text: str) -> Tokens:
    norm = normalize(text)
    words = _join_latin(segmenter.tokenize(norm))
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
# Phrase patterns and praise topics: data (classification/data/phrases.yaml), compiled here.
# Keywords are NOT here: they live in the taxonomy (the database), the one vocabulary.
# ---------------------------------------------------------------------------------------------

def _kw(spec: str) -> list[tuple[str, float]]:
    out = []
    for item in spec.split():
        word, w = parse_keyword(item)
        out.append((word.replace("_", " "), w))
    return out


def _load_phrases(path: Path = _DATA / "phrases.yaml"):
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    phrases = [(p["dimension"], p["label"], re.compile(p["pattern"]), float(p["weight"]), p["name"])
               for p in data["phrases"]]
    topics = {lab: _kw(spec) for lab, spec in data["praise_topics"].items()}
    working = data.get("working") or {}
    return phrases, topics, (re.compile(working["pattern"]) if working.get("pattern") else None,
                             frozenset(working.get("negators", "")))


# (dim, label, regex, weight, name) — the name is internal; evidence shows the matched text
PHRASES: list[tuple[str, str, re.Pattern, float, str]]
# What a *praise* is about, for the type dimension (流畅 praise → performance, not function).
PRAISE_TOPIC: dict[str, list[tuple[str, float]]]
PHRASES, PRAISE_TOPIC, (_WORKING, _WORKING_NEG) = _load_phrases()
_CLAUSE_SPLIT = re.compile(r"[，,。.!！?？;；:：\n~～…]|但是|可是|不过|然而|只是|\bbut\b|\bhowever\b")


def clause_breaks(text: str) -> list[int]:
    """Offsets where a clause ends (punctuation, contrast words), sorted: the clause of offset x
    is bisect_right(breaks, x)."""
    return [b.start() for b in _CLAUSE_SPLIT.finditer(text)]


def working_spans(text: str) -> list[tuple[int, int]]:
    """Clauses of `text` that say something works (phrases.yaml `working`: 聊天里面显示正常,
    calls are fine), as (start, end) offsets. The module decision ignores keywords inside them:
    the failing capability decides the module, not one the user mentions as working."""
    if _WORKING is None:
        return []
    spans: list[tuple[int, int]] = []
    for m in _WORKING.finditer(text):
        if not _WORKING_NEG.isdisjoint(text[max(0, m.start() - 3):m.start()]):
            continue  # 无法正常 / 不能正常使用: a failure, not a working capability
        start = 0
        for b in _CLAUSE_SPLIT.finditer(text, 0, m.start()):
            start = b.end()
        nxt = _CLAUSE_SPLIT.search(text, m.end())
        spans.append((start, nxt.start() if nxt else len(text)))
    return spans


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
