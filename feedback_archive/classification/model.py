"""The learned side of the classifier: per dimension, a logistic regression (scikit-learn) over
TF-IDF of jieba words and of character n-grams, trained on labels agents confirmed (plus the
shipped seed set), blended into the rule scores under the honest gate (`training.py`).

Why this model: a linear model over word and character n-grams is the well-known strong baseline
for short text classification; logistic regression gives probabilities that are calibrated well
enough to add to rule scores (we check it: `bench/classification_quality.py --calibration`);
it trains on 100k labels in well under two minutes (bench) and predicts a 500-item chunk in one
sparse matrix product. Character n-grams survive segmentation differences, typos and Traditional
/ Simplified variants; words carry negation (`!卡顿` is evidence against performance).

Stored safely: a model is stored as plain arrays (`numpy.savez`, `allow_pickle=False`) and a JSON
header — never a pickle, which would run code from the database on load. `load_dimension` checks
the format, the versions and every shape, and raises `ModelError` with a reason the service logs;
the rules keep working without the model.

    blob = train_dimension(texts, labels)              # bytes
    dm = load_dimension("module", blob)                 # DimensionModel, or ModelError
    pipeline.classify_batch(items, taxonomy=…, model=Ensemble([dm], "lr-…"))
"""
from __future__ import annotations

import io
import json
import re
import hashlib

import numpy as np
import scipy.sparse as sp

from . import rules

ALGORITHM = "tfidf-logreg"
FORMAT = 1
DEFAULT_WEIGHT = 4.0
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_DROP = frozenset("的了吗呢吧啊呀是我你他她它们这那就也都在和")
CHAR_NGRAMS = (1, 3)
MAX_CHARS = 2000   # a 20k-character paste is classified on its first 2,000 characters (the report)


class ModelError(ValueError):
    """A stored model that cannot be used (corrupt, another format or library version)."""


# --- features ----------------------------------------------------------------------------------

def token_words(toks: rules.Tokens) -> list[str]:
    """The word features of a segmented text: jieba words, lower case, punctuation and particles
    dropped, a word right after a negator marked (`!卡顿`)."""
    out: list[str] = []
    negate = 0
    for w, _s, _e in toks.words:
        if _PUNCT.match(w):
            if w.strip():          # punctuation ends a negation's scope; a space does not
                negate = 0
            continue
        w = w.lower()
        if w in rules.NEGATORS:
            negate = 2
            out.append(w)
            continue
        if w in _DROP:
            continue
        out.append(("!" + w) if negate else w)
        negate = max(0, negate - 1)
    return out


def text_words(text: str) -> list[str]:
    return token_words(rules.tokenize(text[:MAX_CHARS]))


def _identity(doc):
    return doc


def _vectorizers(word_vocab=None, char_vocab=None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1 if word_vocab else 2,
                            vocabulary=word_vocab, dtype=np.float32)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                            min_df=1 if char_vocab else 2, max_features=None if char_vocab else 300_000,
                            vocabulary=char_vocab, dtype=np.float32, lowercase=False)
    return words, chars


class Features:
    """Fitted TF-IDF for words and character n-grams, shared by every dimension of one training
    run (the expensive part is the segmentation and the vocabulary, not the classifiers)."""

    def __init__(self, words, chars):
        self.words, self.chars = words, chars
        self.word_names = np.asarray(words.get_feature_names_out()) if words is not None else None

    @classmethod
    def fit(cls, norm_texts: list[str], word_lists: list[list[str]]) -> tuple["Features", sp.csr_matrix]:
        words, chars = _vectorizers()
        xw = words.fit_transform(word_lists)
        xc = chars.fit_transform(norm_texts)
        return cls(words, chars), sp.hstack([xw, xc], format="csr")

    def transform(self, norm_texts: list[str], word_lists: list[list[str]]) -> sp.csr_matrix:
        return sp.hstack([self.words.transform(word_lists), self.chars.transform(norm_texts)], format="csr")

    @property
    def n_words(self) -> int:
        return len(self.words.vocabulary_)

    def arrays(self) -> dict:
        wv = sorted(self.words.vocabulary_, key=self.words.vocabulary_.get)
        cv = sorted(self.chars.vocabulary_, key=self.chars.vocabulary_.get)
        return {"word_vocab": np.array(wv, dtype=str), "char_vocab": np.array(cv, dtype=str),
                "word_idf": self.words.idf_.astype(np.float32), "char_idf": self.chars.idf_.astype(np.float32)}

    @classmethod
    def from_arrays(cls, a) -> "Features":
        wv, cv = [str(x) for x in a["word_vocab"]], [str(x) for x in a["char_vocab"]]
        words, chars = _vectorizers({w: i for i, w in enumerate(wv)}, {c: i for i, c in enumerate(cv)})
        words.fit([[]] if not wv else [wv[:1]])   # sets the fixed vocabulary; idf_ replaced below
        chars.fit([cv[0] if cv else "x"])
        words.idf_ = np.asarray(a["word_idf"], dtype=np.float64)
        chars.idf_ = np.asarray(a["char_idf"], dtype=np.float64)
        return cls(words, chars)


def norm_text(text: str) -> str:
    return rules.normalize((text or "")[:MAX_CHARS])


# --- training ----------------------------------------------------------------------------------

def fit_classifier(x, labels: list[str], *, c: float = 4.0):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=300, class_weight="balanced", solver="lbfgs")
    clf.fit(x, labels)
    return clf


def featurize(texts: list[str]) -> tuple[list[str], list[list[str]]]:
    norms, words = [], []
    for t in texts:
        toks = rules.tokenize((t or "")[:MAX_CHARS])
        norms.append(toks.text)
        words.append(token_words(toks))
    return norms, words


class DimensionModel:
    """One dimension's classifier with its features; blends probabilities into rule scores."""

    def __init__(self, dimension: str, features: Features, coef: np.ndarray, intercept: np.ndarray,
                 classes: list[str], weight: float = DEFAULT_WEIGHT, meta: dict | None = None):
        self.dimension, self.features, self.weight = dimension, features, float(weight)
        self.coef, self.intercept, self.classes = coef.astype(np.float32), intercept.astype(np.float32), list(classes)
        self.meta = meta or {}

    @classmethod
    def from_sklearn(cls, dimension, features, clf, weight=DEFAULT_WEIGHT, meta=None):
        coef, intercept = clf.coef_, clf.intercept_
        if len(clf.classes_) == 2:  # binary LR stores one row: make it one row per class
            coef = np.vstack([-coef[0], coef[0]]) / 2
            intercept = np.array([-intercept[0], intercept[0]]) / 2
        return cls(dimension, features, coef, intercept, [str(c) for c in clf.classes_], weight, meta)

    def proba_matrix(self, x: sp.csr_matrix) -> np.ndarray:
        z = x @ self.coef.T + self.intercept
        z = np.asarray(z, dtype=np.float64)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def posterior(self, text: str) -> dict[str, float]:
        norms, words = featurize([text])
        p = self.proba_matrix(self.features.transform(norms, words))[0]
        return dict(zip(self.classes, p.tolist()))

    def predict(self, text: str) -> str:
        post = self.posterior(text)
        return max(post, key=post.get)

    def top_words(self, xrow: sp.csr_matrix, label: str, k: int = 3) -> list[str]:
        """Words of the text (not character n-grams, not negated words) that most favour
        `label`: the evidence a person can find in the text."""
        if label not in self.classes:
            return []
        row = self.coef[self.classes.index(label)]
        nw = self.features.n_words
        idx, vals = xrow.indices, xrow.data
        mask = idx < nw
        contrib = vals[mask] * row[idx[mask]]
        order = np.argsort(-contrib)[:k * 2]
        names = self.features.word_names
        out = [str(names[idx[mask][i]]) for i in order if contrib[i] > 0]
        return [w for w in out if not w.startswith("!")][:k]

    def blend_row(self, probs: np.ndarray, xrow, scores: dict, evidence: dict, allowed=None) -> None:
        sc = scores.get(self.dimension)
        if sc is None:
            return
        post = {c: float(p) for c, p in zip(self.classes, probs) if c in sc}
        if not post:
            return
        z = sum(post.values()) or 1.0
        best = max(post, key=post.get)
        for lab, p in post.items():
            sc[lab] = sc.get(lab, 0.0) + self.weight * p / z
        ev = evidence.setdefault(self.dimension, {}).setdefault(best, [])
        # the words of the text that most favour the label: plain words a person can find
        ev.extend(self.top_words(xrow, best))


class _Row:
    """One row of a CSR matrix as the two arrays `top_words` reads (column indices, values)."""

    __slots__ = ("indices", "data")

    def __init__(self, indices, data):
        self.indices, self.data = indices, data


class Ensemble:
    """What pipeline.classify(model=…) expects: `model_id`, `prepare(texts, toks)` for a batch
    and `blend_prepared(i, scores, evidence)` per item. Models of one training run share their
    features (one transform per batch); models from different runs are transformed separately."""

    def __init__(self, models: list[DimensionModel], model_id: str):
        self.models = models
        self.model_id = model_id
        self._batch: list | None = None

    @property
    def dimensions(self) -> list[str]:
        return [m.dimension for m in self.models]

    def prepare(self, toks_list: list[rules.Tokens]) -> list:
        norms = [t.text[:MAX_CHARS] for t in toks_list]
        words = [token_words(t) for t in toks_list]
        out, by_features = [], {}
        for m in self.models:
            key = id(m.features)
            if key not in by_features:
                by_features[key] = m.features.transform(norms, words)
            x = by_features[key]
            out.append((m, x, m.proba_matrix(x)))
        return out

    def blend_prepared(self, prepared: list, i: int, scores: dict, evidence: dict) -> None:
        for m, x, probs in prepared:
            # the row's non-zeros read straight from the CSR arrays: `x[i]` builds a new sparse
            # matrix per call, which cost more than the whole batch's transform (profiled)
            lo, hi = x.indptr[i], x.indptr[i + 1]
            m.blend_row(probs[i], _Row(x.indices[lo:hi], x.data[lo:hi]), scores, evidence)

    def blend_tokens(self, raw: str, toks: rules.Tokens, scores: dict, evidence: dict) -> None:
        self.blend_prepared(self.prepare([toks]), 0, scores, evidence)


# --- storage: arrays + JSON, never pickle ----------------------------------------------------

def _versions() -> dict:
    import sklearn

    return {"format": FORMAT, "algorithm": ALGORITHM, "sklearn": sklearn.__version__, "numpy": np.__version__,
            "char_ngrams": list(CHAR_NGRAMS)}


def dump_dimension(dm: DimensionModel) -> bytes:
    buf = io.BytesIO()
    header = {**_versions(), "dimension": dm.dimension, "weight": dm.weight, "classes": dm.classes, "meta": dm.meta}
    np.savez_compressed(buf, header=np.array(json.dumps(header, ensure_ascii=False)), coef=dm.coef,
                        intercept=dm.intercept, **dm.features.arrays())
    return buf.getvalue()


def load_dimension(dimension: str, blob: bytes, *, shared: dict | None = None) -> DimensionModel:
    """Load a stored model or raise ModelError with the reason (never run code from the blob).
    `shared`: a dict kept across the dimensions of one load, so models of one training run share
    one copy of their features (memory, and one transform per batch)."""
    try:
        with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
    except Exception as exc:  # zip / npy damage of any kind
        raise ModelError(f"unreadable model data ({type(exc).__name__}: {exc})") from None
    try:
        header = json.loads(str(a["header"]))
    except (KeyError, ValueError) as exc:
        raise ModelError(f"model header missing or damaged ({exc})") from None
    if header.get("format") != FORMAT or header.get("algorithm") != ALGORITHM:
        raise ModelError(f"incompatible model format {header.get('algorithm')}/{header.get('format')} "
                         f"(this version reads {ALGORITHM}/{FORMAT})")
    if list(header.get("char_ngrams", [])) != list(CHAR_NGRAMS):
        raise ModelError("model built with other character n-grams")
    need = ("coef", "intercept", "word_vocab", "char_vocab", "word_idf", "char_idf")
    missing = [k for k in need if k not in a]
    if missing:
        raise ModelError(f"model arrays missing: {', '.join(missing)}")
    classes = header.get("classes") or []
    coef, intercept = a["coef"], a["intercept"]
    n_feat = len(a["word_vocab"]) + len(a["char_vocab"])
    if (coef.ndim != 2 or coef.shape != (len(classes), n_feat) or intercept.shape != (len(classes),)
            or len(a["word_idf"]) != len(a["word_vocab"]) or len(a["char_idf"]) != len(a["char_vocab"])
            or len(classes) < 2):
        raise ModelError(f"model shapes do not match (classes {len(classes)}, coef {coef.shape}, features {n_feat})")
    if not (np.isfinite(coef).all() and np.isfinite(intercept).all() and np.isfinite(a["word_idf"]).all()
            and np.isfinite(a["char_idf"]).all()):
        raise ModelError("model contains non-finite numbers")
    if header.get("dimension") not in (None, dimension):
        raise ModelError(f"model is for dimension {header.get('dimension')}, not {dimension}")
    key = hashlib.blake2b(b"".join(np.ascontiguousarray(a[k]).tobytes()
                                   for k in ("word_vocab", "char_vocab", "word_idf", "char_idf")), digest_size=16).digest()
    try:
        features = shared.get(key) if shared is not None else None
        if features is None:
            features = Features.from_arrays(a)
            if shared is not None:
                shared[key] = features
    except Exception as exc:
        raise ModelError(f"model features could not be rebuilt ({type(exc).__name__}: {exc})") from None
    return DimensionModel(dimension, features, coef, intercept, classes, float(header.get("weight", DEFAULT_WEIGHT)),
                          header.get("meta") or {})

