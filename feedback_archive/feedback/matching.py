"""Problem matching, the pure part (no database): what two reports say, what they are about, where
and when, turned into one score with the words a person can check (docs/duplicates.md, "Matching").

Text. A report is reduced to *concepts*: the domain synonym layer (data/synonyms.yaml) first maps
every wording it knows to its concept (画面是黑的 → 黑屏, 闪退 → 崩溃, 别人 → 对方), then the rest is
taken from the report's stored search tokens (`Feedback.search_text`, jieba's search-mode cut made
once by the pipeline's tokens stage), stop words dropped: matching itself never cuts a stored text.
Three feature blocks — the concepts, the characters + character bigrams, the character trigrams
(what the word cut misses: rare compounds, typos, English) — are hashed by scikit-learn's
HashingVectorizer into one space and weighted by a TfidfTransformer fitted on a sample of stored
reports (`Vectoriser.fit`): a feature never seen in the sample gets the highest weight, so a new
incident's own word counts most. Each block is l2-normalised on its own.

Score. A learned pair scorer (`pair_features` → `probability`): logistic regression over the block
cosines, concept overlap and rarity, negation on one side, shared/conflicting version numbers,
shared/conflicting symptoms and product parts (data/concept_kinds.yaml), language; plain JSON
coefficients (data/match_model.json) fitted on the dev split of the real pairs by
bench/problem_matching_quality.py --fit. Its probability is the text score.

Context then moves the score (not learned — the pairs share product and module): other product
down a lot; same module/type (when both are known) up, different ones down; same release/platform
up; far apart in time down.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfTransformer
from sklearn.utils import murmurhash3_32

from feedback_archive.core import segmenter

from . import duplicates

SYNONYMS_FILE = Path(__file__).with_name("data") / "synonyms.yaml"
MODEL_FILE = Path(__file__).with_name("data") / "match_model.json"
KINDS_FILE = Path(__file__).with_name("data") / "concept_kinds.yaml"
N_FEATURES = 2 ** 20  # hashed feature space: the fitted weights are one float64 per feature (8 MB)
BLOCKS = ("w", "c", "t")  # concepts, character uni+bigrams, character trigrams

# the pair scorer's inputs, in the order of MODEL_FILE's coefficients (pair_features)
FEATURES = ("cos_words", "cos_chars", "cos_trigrams", "overlap", "shared_idf", "shared_rare", "len_ratio",
            "negation_differs", "version_shared", "version_conflict", "english",
            "english_x_cos_words", "english_x_cos_chars", "wjaccard", "own_rare", "symptom_shared",
            "symptom_conflict", "part_shared", "part_conflict")
RARE_IDF = 0.8  # a concept is rare when its idf is at least this share of the largest
NEGATION_CAP_OVERLAP = 0.8  # negation on one side and nearly every other concept shared: never automatic

# thresholds tuned on the dev split of the real pairs (bench/problem_matching_quality.py)
AUTO_THRESHOLD = 0.90
PROPOSE_THRESHOLD = 0.05
# An automatic join also needs what the pair is about in common: a shared symptom or product part
# (concept_kinds.yaml), none named on both sides that differs, and this much word cosine. The pair
# scorer learned from pairs that are half same-thread posts; on a stream of many problems in one
# product (templates, greetings, version strings in common) it alone joined far too much
# (bench/demo_grouping.py: pairwise precision 0.30 without the gate, 0.89 with it; dev pairs:
# 23 links at precision 0.96 → 8 at 0.88 — docs/duplicates.md). A pair the gate stops is still
# proposed to a person.
AUTO_MIN_WORD_COSINE = 0.4
# ... unless the words are nearly all the same (a re-post in other punctuation, a short report
# repeated): then no symptom or part needs naming
AUTO_NEAR_COPY_WORD_COSINE = 0.85

# context adjustments (same tuning)
SAME_MODULE, OTHER_MODULE = 0.05, -0.15
OTHER_TYPE = -0.10
SAME_RELEASE, SAME_PLATFORM = 0.03, 0.02
OTHER_PRODUCT = -0.5
FAR_DAYS, FAR_PENALTY = 60, -0.05
VERY_FAR_DAYS, VERY_FAR_PENALTY = 180, -0.10

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


def _char_runs(text: str) -> list[str]:
    # the text with its synonym wordings replaced by their concept (画面是黑的 and 黑屏 share 黑屏's
    # grams), cut into runs of letters/digits/CJK
    pattern, to_concept = _synonyms()
    return _KEEP.findall(pattern.sub(lambda m: " " + to_concept[m.group(0)] + " ", normalise(text)))


def _char_grams(text: str) -> list[str]:
    """Characters and character bigrams of the text (synonym wordings replaced first)."""
    grams = []
    for run in _char_runs(text):
        grams.extend(run)
        grams.extend(run[k:k + 2] for k in range(len(run) - 1))
    return grams


@lru_cache(maxsize=20_000)
def features(text: str, tokens: str | None = None) -> tuple[tuple[str, ...], ...]:
    """The features of each block (BLOCKS): concepts, characters + bigrams, trigrams."""
    words = tuple("w:" + c for c in concepts(text, tokens) if c not in ENGLISH_STOP_WORDS)
    grams = tuple("c:" + g for g in _char_grams(text))
    tri = tuple("t:" + run[k:k + 3] for run in _char_runs(text) for k in range(len(run) - 2))
    return words, grams, tri


def _doc_features(doc) -> tuple[tuple[str, ...], ...]:
    # a document is a text, or (text, stored search tokens) when the tokens are known
    return features(*doc) if isinstance(doc, tuple) else features(doc)


def _analyzer(doc) -> list[str]:
    # the three blocks hashed into one space: their prefixes keep them apart (a collision across
    # blocks among 2^20 columns is rare and only blurs a weight)
    return [f for block in _doc_features(doc) for f in block]


def _as_is(features):
    return features


def term_hashes(text: str, tokens: str | None = None) -> list[int]:
    """The concepts of a text as signed 63-bit integers: the keys of the candidate index."""
    import hashlib

    out = []
    for c in dict.fromkeys(concepts(text, tokens)):
        out.append(int.from_bytes(hashlib.blake2b(c.encode(), digest_size=8).digest(), "little", signed=True) >> 1)
    return out


class Vectoriser:
    """Hashed features of three blocks (concepts, character uni+bigrams, character trigrams) in one
    hashed space, weighted by inverse document frequency over a sample of stored reports
    (scikit-learn's HashingVectorizer + TfidfTransformer). Each block is compared on its own (one
    cosine per block, the pair scorer weighs them: MODEL_FILE)."""

    # transformed documents kept (candidates recur: a problem's lead and newest members; a matching
    # job of 200 items reads up to 12,000); about 2 KB each for a report of a hundred characters,
    # so ~40 MB when full
    ROW_CACHE = 20_000

    def __init__(self):
        self.hasher = HashingVectorizer(analyzer=_analyzer, n_features=N_FEATURES, alternate_sign=False, norm=None)
        # one block's features (already analysed) into the same columns: which columns are whose
        self.block_hasher = HashingVectorizer(analyzer=_as_is, n_features=N_FEATURES, alternate_sign=False, norm=None)
        self.tfidf = TfidfTransformer(sublinear_tf=True, norm=None)
        self.fitted = False
        self.top_idf = 1.0
        self._rows: dict = {}
        self._weights: dict[str, float] = {}

    def fit(self, texts) -> "Vectoriser":
        """`texts`: texts, or (text, search tokens) pairs."""
        texts = list(texts) or [""]
        self.tfidf.fit(self.hasher.transform(texts))
        self.fitted = True
        self.top_idf = float(self.tfidf.idf_.max())
        self._rows = {}
        self._weights = {}
        return self

    def _block_rows(self, docs: list) -> dict:
        """Each document's blocks as l2-normalised (columns, weights), from the row cache or, for
        the documents not cached yet, one sklearn call for all of them. Which of a row's columns
        belong to which block is found for all new documents at once (each block's features hashed
        by the same hasher, one `np.isin` over (row, column) keys), not feature by feature."""
        rows = self._rows  # one dict for this call: another thread may start a fresh one meanwhile
        found = {d: rows[d] for d in docs if d in rows}
        new = [d for d in dict.fromkeys(docs) if d not in found]
        if not new:
            return found
        if len(rows) + len(new) > self.ROW_CACHE:
            # keep the newer half (a matching job warms its candidates in one call, then reads
            # them item by item: dropping everything here would transform them again per item)
            keep = list(rows.items())[-(self.ROW_CACHE // 2):]
            self._rows = rows = dict(keep)
        m = self.tfidf.transform(self.hasher.transform(new)).tocsr()
        feats = [_doc_features(d) for d in new]
        width = np.int64(N_FEATURES)
        row_of = np.repeat(np.arange(len(new), dtype=np.int64), np.diff(m.indptr))
        keys = row_of * width + m.indices
        masks = []
        for b in range(len(BLOCKS)):
            block = self.block_hasher.transform([f[b] for f in feats]).tocsr()
            block_keys = np.repeat(np.arange(len(new), dtype=np.int64), np.diff(block.indptr)) * width + block.indices
            masks.append(np.isin(keys, block_keys))
        for k, doc in enumerate(new):
            lo, hi = m.indptr[k], m.indptr[k + 1]
            cols, vals = m.indices[lo:hi], m.data[lo:hi]
            blocks = []
            for mask in masks:
                c, v = cols[mask[lo:hi]], vals[mask[lo:hi]]
                norm = float(np.sqrt((v * v).sum()))
                # 4-byte columns and weights: the cache holds thousands of rows
                blocks.append((c.astype(np.int32), (v / norm if norm else v).astype(np.float32)))
            rows[doc] = found[doc] = blocks
        return found

    def transform_blocks(self, docs) -> list:
        """One l2-normalised tf-idf matrix per block, rows in the order of `docs`. A document seen
        before is read from the row cache: sklearn's per-call checks cost more than hashing a few
        dozen short texts, so only new ones go through it, in one call."""
        docs = list(docs)
        if not self.fitted:
            self.fit(docs)
        rows = self._block_rows(docs)
        out = []
        for b in range(len(BLOCKS)):
            parts = [rows[d][b] for d in docs]
            indptr = np.concatenate([[0], np.cumsum([len(c) for c, _v in parts])])
            indices = np.concatenate([c for c, _v in parts]) if parts else np.zeros(0, dtype=np.int32)
            data = np.concatenate([v for _c, v in parts]).astype(np.float64) if parts else np.zeros(0)
            # the columns these documents use, renumbered: products of 2^20-wide matrices spend
            # their time on the empty columns (scipy transposes through a full-width index)
            used, compact = np.unique(indices, return_inverse=True)
            out.append(sparse.csr_matrix((data, compact.reshape(-1), indptr), shape=(len(docs), max(len(used), 1))))
        return out

    def transform(self, texts):
        """The concept block (the part a person reads as shared words), its columns renumbered
        to those the texts use."""
        return self.transform_blocks(texts)[0]

    def weight(self, feature: str) -> float:
        """The inverse document frequency of one feature (unseen in the sample: the largest)."""
        if not self.fitted:
            return 1.0
        weights = self._weights  # kept per fitting: matching asks for the same concepts over and over
        w = weights.get(feature)
        if w is None:
            w = weights[feature] = float(self.tfidf.idf_[_feature_index(feature)])
        return w


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
    """What the reports are about, where and when, as a shift of the score. Not learned: the
    labelled pairs share product and module by construction, so they cannot teach these."""
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
        notes.append("negation differs")  # weighed by the pair scorer (feature `negation_differs`)
    return delta, notes


@dataclass
class Match:
    key: object
    score: float
    text_similarity: float
    evidence: list[str]


# ---- the learned pair scorer -------------------------------------------------------------------

_VERSION = re.compile(r"\d+(?:\.\d+){1,3}")
_ASCII_WORD = re.compile(r"[a-z]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=20_000)
def _versions(text: str) -> frozenset[str]:
    """Version numbers (3.9.2.23, 2.3.22): one build on both sides says a lot, two different ones
    too."""
    # the first three parts: "2.3.22 (11880)" and "2.3.22.17" are one release line, 3.9.2 and 3.9.12 not
    return frozenset(".".join(v.split(".")[:3]) for v in _VERSION.findall(text or ""))


@lru_cache(maxsize=20_000)
def _negations(concept_set: frozenset) -> frozenset:
    return frozenset(t for t in concept_set
                     if t in duplicates.NEGATIONS or (t.startswith(("不", "没")) and len(t) > 1))


@lru_cache(maxsize=20_000)
def _is_english(text: str) -> bool:
    text = text or ""
    return len(_CJK.findall(text)) * 3 < len(_ASCII_WORD.findall(text.lower())) + 1


@lru_cache(maxsize=1)
def _kinds() -> dict[str, frozenset]:
    data = yaml.safe_load(KINDS_FILE.read_text(encoding="utf-8")) or {}
    return {kind: frozenset(str(c).lower() for c in concepts or []) for kind, concepts in data.items()}


@lru_cache(maxsize=1)
def _model() -> dict:
    return json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def pair_features(vectoriser: Vectoriser, queries: list[Report], candidates: list[Report]) -> np.ndarray:
    """The pair features (FEATURES, in that order) of every query × candidate: an array of shape
    (len(queries), len(candidates), len(FEATURES)). Matrix products throughout, so one query
    against its candidates and the bench's all-against-all are the same code."""
    nq, nc = len(queries), len(candidates)
    blocks = vectoriser.transform_blocks([r.doc for r in queries] + [r.doc for r in candidates])
    # rows are l2-normalised (TfidfTransformer's default), so the product is the cosine; sklearn's
    # cosine_similarity gives the same but re-validates and re-normalises (most of the time per item)
    cos = [(m[:nq] @ m[nq:].T).toarray() for m in blocks]

    # concepts as sets: shared counts, rarity of what is shared, negations on one side only
    vocab: dict[str, int] = {}
    sets = [r.concept_set - ENGLISH_STOP_WORDS for r in queries + candidates]
    for s in sets:
        for c in s:
            vocab.setdefault(c, len(vocab))
    idf = np.array([vectoriser.weight("w:" + c) for c in vocab] or [0.0])
    top = vectoriser.top_idf
    rare = (idf >= RARE_IDF * top).astype(float)
    member = np.zeros((nq + nc, max(len(vocab), 1)))
    at = [(i, vocab[c]) for i, s in enumerate(sets) for c in s]
    if at:
        member[tuple(np.array(at).T)] = 1.0
    q, c = member[:nq], member[nq:]
    shared = q @ c.T
    sizes_q, sizes_c = q.sum(1)[:, None], c.sum(1)[None, :]
    smaller = np.maximum(np.minimum(sizes_q, sizes_c), 1.0)
    overlap = shared / smaller
    shared_idf = np.log1p((q * idf) @ c.T)
    shared_rare = np.minimum((q * rare) @ c.T, 3.0)
    q_idf, c_idf = (q * idf).sum(1)[:, None], (c * idf).sum(1)[None, :]
    shared_w = (q * idf) @ c.T
    wjaccard = shared_w / np.maximum(q_idf + c_idf - shared_w, 1e-9)
    q_rare, c_rare = (q * rare).sum(1)[:, None], (c * rare).sum(1)[None, :]
    own_rare = np.minimum(np.minimum(q_rare, c_rare) - (q * rare) @ c.T, 5.0)
    # symptoms and product parts (KINDS_FILE): both sides name one, do they share one?
    kinds = _kinds()
    kind_cols = {}
    for kind in ("symptom", "part"):
        mask = np.array([1.0 if term in kinds.get(kind, ()) else 0.0 for term in vocab] or [0.0])
        both = ((q * mask).sum(1)[:, None] > 0) & ((c * mask).sum(1)[None, :] > 0)
        kind_shared = ((q * mask) @ c.T) > 0
        kind_cols[kind + "_shared"] = kind_shared.astype(float)
        kind_cols[kind + "_conflict"] = (both & ~kind_shared).astype(float)
    len_ratio = np.minimum(sizes_q, sizes_c) / np.maximum(np.maximum(sizes_q, sizes_c), 1.0)

    neg = [_negations(r.concept_set) for r in queries + candidates]
    neg_differs = np.array([[float(neg[i] != neg[nq + j]) for j in range(nc)] for i in range(nq)]).reshape(nq, nc)

    vers = [_versions(r.text) for r in queries + candidates]
    has_v = np.array([bool(v) for v in vers], dtype=float)
    v_shared = np.array([[float(bool(vers[i] & vers[nq + j])) for j in range(nc)] for i in range(nq)]).reshape(nq, nc)
    both_v = has_v[:nq, None] * has_v[None, nq:]
    v_conflict = both_v * (1.0 - v_shared)

    en = np.array([_is_english(r.text) for r in queries + candidates], dtype=float)
    both_en = en[:nq, None] * en[None, nq:]

    columns = {
        "cos_words": cos[0], "cos_chars": cos[1], "cos_trigrams": cos[2],
        "overlap": overlap, "shared_idf": shared_idf, "shared_rare": shared_rare,
        "len_ratio": len_ratio, "wjaccard": wjaccard, "own_rare": own_rare, **kind_cols, "negation_differs": neg_differs,
        "version_shared": v_shared, "version_conflict": v_conflict, "english": both_en,
        "english_x_cos_words": both_en * cos[0], "english_x_cos_chars": both_en * cos[1],
    }
    return np.stack([columns[name] for name in FEATURES], axis=-1)


def probability(x: np.ndarray, model: dict | None = None) -> np.ndarray:
    """The pair scorer: logistic regression over the standardised pair features, coefficients
    from MODEL_FILE (plain JSON, fitted on the dev pairs by bench/problem_matching_quality.py --fit)."""
    model = model or _model()
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1.0 / (1.0 + np.exp(-(z @ np.array(model["coef"]) + model["intercept"])))


def no_text_in_common(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Pairs that share not one character (every block cosine 0) score 0: the intercept alone
    would give two empty or unrelated texts a small probability, enough for a proposal."""
    cols = [FEATURES.index(name) for name in ("cos_words", "cos_chars", "cos_trigrams")]
    return np.where(x[..., cols].sum(-1) > 0, probs, 0.0)


def auto_allowed(x: np.ndarray) -> np.ndarray:
    """Which pairs (rows of pair features) may be joined without a person: see AUTO_MIN_WORD_COSINE."""
    col = {name: x[..., FEATURES.index(name)] for name in
           ("symptom_shared", "part_shared", "symptom_conflict", "part_conflict", "cos_words")}
    anchored = (col["symptom_shared"] + col["part_shared"]) > 0
    conflict = (col["symptom_conflict"] + col["part_conflict"]) > 0
    near_copy = col["cos_words"] >= AUTO_NEAR_COPY_WORD_COSINE
    return ~conflict & ((anchored & (col["cos_words"] >= AUTO_MIN_WORD_COSINE)) | near_copy)


def final_scores(probs: np.ndarray, delta: np.ndarray, negation_differs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The pair scorer's probability shifted by the context, clipped to [0, 1], and kept below the
    automatic threshold where a person must decide: the automatic gate (auto_allowed) says no, or
    a negation on one side only with nearly every other concept shared ("能发大文件" / "不能发大文件").
    Element-wise over any shape of pairs (score_many, and the bench's all-against-all)."""
    score = np.clip(probs + delta, 0.0, 1.0)
    overlap = x[..., FEATURES.index("overlap")]
    capped = (negation_differs & (overlap >= NEGATION_CAP_OVERLAP)) | ~auto_allowed(x)
    return np.where(capped, np.minimum(score, AUTO_THRESHOLD - 0.01), score)


def score_many(vectoriser: Vectoriser, query: Report, candidates: list[Report]) -> list[Match]:
    """Score a report against candidate reports, best first. The score is the pair scorer's
    probability that both report one problem, shifted by the context. Evidence: the shared
    concepts, the rarest first (what a person checks), then the context notes."""
    if not candidates:
        return []
    x = pair_features(vectoriser, [query], candidates)[0]
    probs = no_text_in_common(x, probability(x))
    context = [context_adjustment(query, cand) for cand in candidates]
    scores = final_scores(probs, np.array([d for d, _n in context]),
                          np.array(["negation differs" in n for _d, n in context]), x)
    out = []
    for k, cand in enumerate(candidates):
        shared = sorted(query.concept_set & cand.concept_set,
                        key=lambda c: (-vectoriser.weight("w:" + c), c))
        out.append(Match(key=cand.key, score=round(float(scores[k]), 4),
                         text_similarity=round(float(probs[k]), 4), evidence=shared[:8] + context[k][1]))
    out.sort(key=lambda m: -m.score)
    return out


def decide(score: float) -> str:
    """"join" at or above the automatic threshold, "propose" between the two, else "new"."""
    if score >= AUTO_THRESHOLD:
        return "join"
    if score >= PROPOSE_THRESHOLD:
        return "propose"
    return "new"
