"""Problem matching, the pure part (no database): what two reports say, what they are about, where
and when, turned into one score with the words a person can check (docs/duplicates.md, "Matching").

Text. A report is reduced to *concepts*: the domain synonym layer (data/synonyms.yaml) first maps
every wording it knows to its concept (画面是黑的 → 黑屏, 闪退 → 崩溃, 别人 → 对方), then the rest is
taken from the report's stored search tokens (`Feedback.search_text`, jieba's search-mode cut made
once by the pipeline's tokens stage), stop words dropped: matching itself never cuts a stored text.
Character bigrams of the normalised text cover what the word cut misses (rare compounds, typos, English). Both are hashed by scikit-learn's HashingVectorizer
and weighted by a TfidfTransformer fitted on a sample of stored reports (`Vectoriser.fit`): a
feature never seen in the sample gets the highest weight, so a new incident's own word counts most.
The text similarity is the cosine of the two weighted vectors (sklearn's `cosine_similarity`).

Context moves the score a little: same module/type (when both are known) up, different ones down;
same release/platform up; far apart in time down; a negation on one side only (能 / 不能) down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfTransformer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.utils import murmurhash3_32

from feedback_archive.core import segmenter

from . import duplicates

SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.yaml"
N_FEATURES = 2 ** 20  # hashed feature space: the fitted weights are one float64 per feature (8 MB)

CONCEPT_WEIGHT = 2

# thresholds tuned on the dev split of the real pairs (bench/problem_matching_quality.py)
AUTO_THRESHOLD = 0.55
PROPOSE_THRESHOLD = 0.10

# context adjustments (same tuning)
SAME_MODULE, OTHER_MODULE = 0.05, -0.15
OTHER_TYPE = -0.10
SAME_RELEASE, SAME_PLATFORM = 0.03, 0.02
OTHER_PRODUCT = -0.25
FAR_DAYS, FAR_PENALTY = 60, -0.05
VERY_FAR_DAYS, VERY_FAR_PENALTY = 180, -0.10
NEGATION_PENALTY = -0.20

_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff]+")


@lru_cache(maxsize=1)
def _synonyms() -> tuple[re.Pattern, dict[str, str]]:
    groups = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8")) or {}
    to_concept: dict[str, str] = {}
    for concept, wordings in groups.items():
        concept = str(concept).lower()
        to_concept[concept] = concept
        for w in wordings or []:
            to_concept.setdefault(str(w).lower(), concept)
    # longest first: the regex alternation takes the first that matches at a position
    pattern = re.compile("|".join(re.escape(w) for w in sorted(to_concept, key=len, reverse=True)))
    return pattern, to_concept


def normalise(text: str) -> str:
    return segmenter.to_simplified(text or "").lower()


def tokens_of(text: str) -> str:
    """The search tokens of a text the way the pipeline's tokens stage stores them in
    `Feedback.search_text` (intake.search_tokens_for: jieba's search-mode cut, sub-words kept).
    Only for a text whose stored tokens are missing (an item matched before its tokens stage)."""
    return " ".join(segmenter.search_tokens(text or ""))


def _whole_words(tokens: str) -> list[str]:
    """The stored search tokens without the dictionary sub-words search mode emits right before
    their word (输入, 入法, 输入法 → 输入法): the word cut matching was tuned on. The character
    bigrams already see a word's parts; as concepts they blurred it (dev pairs: fewer hits)."""
    words = [w.lower() for w in tokens.split()]
    sub = [False] * len(words)
    for j, word in enumerate(words):
        if len(word) > 2:
            k = j - 1
            while k >= 0 and words[k] != word and words[k] in word:
                sub[k] = True
                k -= 1
    return [w for w, s in zip(words, sub) if not s]


@lru_cache(maxsize=20_000)
def concepts(text: str, tokens: str | None = None) -> tuple[str, ...]:
    """The report's concepts: synonym wordings mapped (a regex over the text, no word cut), then
    the stored search tokens of the rest — stop words and punctuation dropped, single characters
    kept only if CJK negations, a token lying only inside a synonym wording dropped (its concept
    stands for it). Matching never segments a stored report again: `tokens` is its
    `search_text`; only when it is missing (None) is the text cut here."""
    pattern, to_concept = _synonyms()
    if tokens is None:
        tokens = tokens_of(text)
    text = normalise(text)
    out: list[str] = []
    rest = []
    last = 0
    for m in pattern.finditer(text):
        rest.append(text[last:m.start()])
        out.append(to_concept[m.group(0)])
        last = m.end()
    rest.append(text[last:])
    rest_text = " ".join(rest)
    for word in _whole_words(tokens):
        if word in duplicates.STOPWORDS or not _KEEP.fullmatch(word):
            continue
        if len(word) == 1 and word not in duplicates.NEGATIONS:
            continue
        if word not in rest_text:
            continue
        out.append(to_concept.get(word, word))
    return tuple(out)


def _char_grams(text: str) -> list[str]:
    """Characters and character bigrams of the text, wordings of the synonym layer replaced by
    their concept first (so 画面是黑的 and 黑屏 share 黑屏's grams)."""
    pattern, to_concept = _synonyms()
    text = pattern.sub(lambda m: " " + to_concept[m.group(0)] + " ", normalise(text))
    grams = []
    for run in _KEEP.findall(text):
        grams.extend(run)
        grams.extend(run[k:k + 2] for k in range(len(run) - 1))
    return grams


@lru_cache(maxsize=20_000)
def features(text: str, tokens: str | None = None) -> tuple[str, ...]:
    # concepts count twice: a shared word says more than a shared character (tuned on dev pairs)
    words = ["w:" + c for c in concepts(text, tokens) if c not in ENGLISH_STOP_WORDS]
    return tuple(words * CONCEPT_WEIGHT + ["c:" + g for g in _char_grams(text)])


def _analyzer(doc):
    # a document is a text, or (text, stored search tokens) when the tokens are known
    return features(*doc) if isinstance(doc, tuple) else features(doc)


def term_hashes(text: str, tokens: str | None = None) -> list[int]:
    """The concepts of a text as signed 63-bit integers: the keys of the candidate index."""
    import hashlib

    out = []
    for c in dict.fromkeys(concepts(text, tokens)):
        out.append(int.from_bytes(hashlib.blake2b(c.encode(), digest_size=8).digest(), "little", signed=True) >> 1)
    return out


class Vectoriser:
    """Hashed concept + bigram features, weighted by inverse document frequency over a sample."""

    def __init__(self):
        self.hasher = HashingVectorizer(analyzer=_analyzer, n_features=N_FEATURES, alternate_sign=False, norm=None)
        self.tfidf = TfidfTransformer(sublinear_tf=True)
        self.fitted = False

    def fit(self, texts) -> "Vectoriser":
        """`texts`: texts, or (text, search tokens) pairs."""
        texts = list(texts) or [""]
        self.tfidf.fit(self.hasher.transform(texts))
        self.fitted = True
        return self

    def transform(self, texts):
        if not self.fitted:
            self.fit(texts)
        return self.tfidf.transform(self.hasher.transform(list(texts)))

    def weight(self, feature: str) -> float:
        """The inverse document frequency of one feature (unseen in the sample: the largest)."""
        return float(self.tfidf.idf_[_feature_index(feature)]) if self.fitted else 1.0


@lru_cache(maxsize=50_000)
def _feature_index(feature: str) -> int:
    # the column HashingVectorizer(alternate_sign=False) puts a feature in: sklearn's murmurhash3
    # of the string, modulo the width (tests/feedback/test_problem_matching.py checks it against
    # the vectoriser itself); calling transform per feature cost 6 ms each under load
    return abs(murmurhash3_32(feature, seed=0)) % N_FEATURES


@dataclass
class Report:
    """What matching knows of one report (or one member of a candidate problem)."""

    text: str
    product: int | str | None = None
    module: int | str | None = None
    type: int | str | None = None
    release: int | str | None = None
    platform: str = ""
    at: datetime | None = None
    key: object = None  # the caller's id
    tokens: str | None = None  # the stored search tokens (Feedback.search_text), if known
    concept_set: frozenset = field(default=frozenset(), init=False)

    def __post_init__(self):
        if self.tokens is not None and not self.tokens.strip():
            self.tokens = None  # not indexed yet: cut once here
        self.concept_set = frozenset(concepts(self.text, self.tokens))

    @property
    def doc(self):
        return (self.text, self.tokens) if self.tokens is not None else self.text


def context_adjustment(a: Report, b: Report) -> tuple[float, list[str]]:
    delta, notes = 0.0, []
    if a.product and b.product and a.product != b.product:
        delta += OTHER_PRODUCT
        notes.append("other product")
    if a.module and b.module:
        if a.module == b.module:
            delta += SAME_MODULE
            notes.append("same module")
        else:
            delta += OTHER_MODULE
            notes.append("other module")
    if a.type and b.type and a.type != b.type:
        delta += OTHER_TYPE
        notes.append("other type")
    if a.release and b.release and a.release == b.release:
        delta += SAME_RELEASE
        notes.append("same release")
    if a.platform and b.platform and a.platform == b.platform:
        delta += SAME_PLATFORM
    if a.at and b.at:
        days = abs((a.at - b.at).total_seconds()) / 86400
        if days > VERY_FAR_DAYS:
            delta += VERY_FAR_PENALTY
        elif days > FAR_DAYS:
            delta += FAR_PENALTY
    if duplicates.negation_differs(a.concept_set, b.concept_set):
        delta += NEGATION_PENALTY
        notes.append("negation differs")
    return delta, notes


@dataclass
class Match:
    key: object
    score: float
    text_similarity: float
    evidence: list[str]


def score_many(vectoriser: Vectoriser, query: Report, candidates: list[Report]) -> list[Match]:
    """Score a report against candidate reports, best first. Evidence: the shared concepts, the
    rarest first (what a person checks), then the context notes."""
    if not candidates:
        return []
    matrix = vectoriser.transform([query.doc] + [c.doc for c in candidates])
    sims = cosine_similarity(matrix[0], matrix[1:])[0]
    out = []
    for cand, sim in zip(candidates, sims):
        delta, notes = context_adjustment(query, cand)
        shared = sorted(query.concept_set & cand.concept_set,
                        key=lambda c: (-vectoriser.weight("w:" + c), c))
        score = float(np.clip(sim + delta, 0.0, 1.0))
        if "negation differs" in notes:
            # "能发大文件" and "不能发大文件" share every other word: a person decides, never the matcher
            score = min(score, AUTO_THRESHOLD - 0.01)
        out.append(Match(key=cand.key, score=round(score, 4),
                         text_similarity=round(float(sim), 4), evidence=shared[:8] + notes))
    out.sort(key=lambda m: -m.score)
    return out


def decide(score: float) -> str:
    """"join" at or above the automatic threshold, "propose" between the two, else "new"."""
    if score >= AUTO_THRESHOLD:
        return "join"
    if score >= PROPOSE_THRESHOLD:
        return "propose"
    return "new"
