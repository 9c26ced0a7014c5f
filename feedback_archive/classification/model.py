"""The learned side of the classifier: per dimension, a logistic regression (scikit-learn) over
TF-IDF of jieba words and of character n-grams, trained on labels agents confirmed (plus the
shipped seed set), blended into the rule scores under the honest gate (`training.py`).

Why this model: a linear model over word and character n-grams is the well-known strong baseline
for short text classification; logistic regression gives probabilities that are calibrated well
enough to add to rule scores (we check it: `bench/classification_quality.py --calibration`);
its training time is measured by bench/classification_training.py (docs/classification.md) and it
predicts a 500-item chunk in one sparse matrix product. Character n-grams survive segmentation differences, typos and Traditional
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
from collections import Counter
from itertools import repeat

import numpy as np
import scipy.sparse as sp

from feedback_archive.core import segmenter

from . import rules

ALGORITHM = "tfidf-logreg"
FORMAT = 1
DEFAULT_WEIGHT = 4.0
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_DROP = frozenset("的了吗呢吧啊呀是我你他她它们这那就也都在和")
CHAR_NGRAMS = (1, 3)
CHAR_MAX_FEATURES = 300_000
MAX_CHARS = 2000   # a 20k-character paste is classified on its first 2,000 characters (the report)


class ModelError(ValueError):
    """A stored model that cannot be used (corrupt, another format or library version)."""


# --- features ----------------------------------------------------------------------------------

# per distinct token: (kind, lower-cased word); kinds below. A cache, because the same few
# thousand words recur in every text and the regex + lower per token was ~3% of a batch.
_BREAK, _SPACE, _NEG, _SKIP, _WORD = range(5)
_kind_cache: dict[str, tuple[int, str]] = {}


def _kind(w: str) -> tuple[int, str]:
    hit = _kind_cache.get(w)
    if hit is None:
        if _PUNCT.match(w):
            hit = (_BREAK if w.strip() else _SPACE, w)
        else:
            lw = w.lower()
            hit = (_NEG if lw in rules.NEGATORS else _SKIP if lw in _DROP else _WORD, lw)
        if len(_kind_cache) > 200_000:
            _kind_cache.clear()
        _kind_cache[w] = hit
    return hit


def token_words(toks: rules.Tokens) -> list[str]:
    """The word features of a segmented text: jieba words, lower case, punctuation and particles
    dropped, a word right after a negator marked (`!卡顿`)."""
    out: list[str] = []
    negate = 0
    for w, _s, _e in toks.words:
        kind, w = _kind_cache.get(w) or _kind(w)
        if kind == _WORD:
            out.append(("!" + w) if negate else w)
            if negate:
                negate -= 1
        elif kind == _BREAK:       # punctuation ends a negation's scope; a space does not
            negate = 0
        elif kind == _NEG:
            negate = 2
            out.append(w)
        # _SPACE and _SKIP (particles): dropped, the negation's scope unchanged
    return out


def text_words(text: str) -> list[str]:
    return token_words(rules.tokenize(text[:MAX_CHARS]))


def _identity(doc):
    return doc


# --- TF-IDF in numpy ---------------------------------------------------------------------------
# The same numbers scikit-learn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")
# computes (tf → 1 + log tf, × idf = log((1 + n) / (1 + df)) + 1, rows scaled to unit length), but
# without its per-feature Python loop: its character n-gram analyzer and vocabulary lookup were
# ~15% of a classified batch and of a training run (profiles in docs/classification.md "Speed").
# Character n-grams are integer keys (the code points of up to three characters packed into 63
# bits) looked up with one `searchsorted` per batch; words go through one C-level `map(dict.get)`.

_CP_BITS = 21                      # every Unicode code point + 1 fits in 21 bits
_CP_MASK = (1 << _CP_BITS) - 1
_CHUNK = 5000                      # documents per numpy pass (bounds the temporary arrays)


def _char_keys(docs: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(document index, n-gram key) of every character 1–3-gram of every document, exactly the
    n-grams of scikit-learn's `char_wb` analyzer: per whitespace-separated word padded with one
    space on each side, every substring of length 1, 2 and 3 (a padded word has ≥ 3 characters)."""
    words, doc_of_word = [], []
    for d, doc in enumerate(docs):
        ws = doc.split()
        words += ws
        doc_of_word += [d] * len(ws)
    if not words:
        return np.zeros(0, np.int32), np.zeros(0, np.uint64)
    padded = " " + "  ".join(words) + " "
    cp = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + 1
    lens = np.fromiter((len(w) + 2 for w in words), dtype=np.int64, count=len(words))
    seg = np.repeat(np.arange(len(words), dtype=np.int32), lens)
    doc_of_pos = np.asarray(doc_of_word, dtype=np.int32)[seg]
    n = len(cp)
    docs_out, keys_out = [doc_of_pos], [cp]
    k2 = (cp[:-1] << np.uint64(_CP_BITS)) | cp[1:]
    ok2 = seg[:-1] == seg[1:]
    docs_out.append(doc_of_pos[:-1][ok2])
    keys_out.append(k2[ok2])
    if n > 2:
        k3 = (k2[:-1] << np.uint64(_CP_BITS)) | cp[2:]
        ok3 = seg[:-2] == seg[2:]
        docs_out.append(doc_of_pos[:-2][ok3])
        keys_out.append(k3[ok3])
    return np.concatenate(docs_out), np.concatenate(keys_out)


def _key_of(gram: str) -> int:
    key = 0
    for ch in gram:
        key = (key << _CP_BITS) | (ord(ch) + 1)
    return key


def _gram_of(key: int) -> str:
    out = []
    while key:
        out.append(chr((key & _CP_MASK) - 1))
        key >>= _CP_BITS
    return "".join(reversed(out))


def _tfidf(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> sp.csr_matrix:
    """Counts of (row, column) pairs → sublinear TF-IDF, rows of unit length (float32)."""
    from sklearn.preprocessing import normalize

    x = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n_rows, len(idf)))
    x.sum_duplicates()
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return normalize(x, norm="l2", copy=False)


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


class CharNgrams:
    """Character 1–3-grams (`char_wb`) with a fixed vocabulary and idf."""

    def __init__(self, vocab: list[str], idf: np.ndarray):
        self.vocab = list(vocab)
        self.idf = np.asarray(idf, dtype=np.float32)
        keys = np.fromiter((_key_of(g) for g in self.vocab), dtype=np.uint64, count=len(self.vocab))
        self._order = np.argsort(keys, kind="stable").astype(np.int64)
        self._keys = keys[self._order]

    def columns(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of keys in the vocabulary, their columns)."""
        if not len(self._keys):
            return np.zeros(len(keys), bool), np.zeros(0, np.int64)
        pos = np.searchsorted(self._keys, keys)
        pos[pos == len(self._keys)] = 0
        hit = self._keys[pos] == keys
        return hit, self._order[pos[hit]]

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        parts = []
        for lo in range(0, len(docs), _CHUNK) or [0]:
            chunk = docs[lo:lo + _CHUNK]
            d, k = _char_keys(chunk)
            hit, cols = self.columns(k)
            parts.append(_tfidf(d[hit], cols, len(chunk), self.idf))
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    @classmethod
    def fit(cls, docs: list[str], *, min_df: int = 2, max_features: int | None = CHAR_MAX_FEATURES) -> "CharNgrams":
        uniq, tf, df = [], [], []
        for lo in range(0, len(docs), _CHUNK):
            d, k = _char_keys(docs[lo:lo + _CHUNK])
            u, inv, cnt = np.unique(k, return_inverse=True, return_counts=True)
            pair = np.unique(inv.astype(np.int64) * (len(docs) + 1) + d)      # distinct (n-gram, document)
            uniq.append(u)
            tf.append(cnt)
            df.append(np.bincount(pair // (len(docs) + 1), minlength=len(u)))
        if not uniq:
            return cls([], np.zeros(0, np.float32))
        u, inv = np.unique(np.concatenate(uniq), return_inverse=True)
        tf = np.bincount(inv, weights=np.concatenate(tf), minlength=len(u))
        df = np.bincount(inv, weights=np.concatenate(df), minlength=len(u))
        keep = df >= min_df
        u, tf, df = u[keep], tf[keep], df[keep]
        grams = [_gram_of(int(x)) for x in u]
        order = sorted(range(len(grams)), key=grams.__getitem__)      # scikit-learn's column order
        if max_features is not None and len(order) > max_features:
            # the most frequent n-grams (as scikit-learn's max_features), kept in string order
            top = np.argsort(-tf[order], kind="stable")[:max_features]
            order = [order[i] for i in sorted(top)]
        return cls([grams[i] for i in order], _idf(df[order], len(docs)))


class WordTfidf:
    """The word features: TF-IDF of word lists with a fixed vocabulary and idf."""

    def __init__(self, vocab: list[str], idf: np.ndarray):
        self.vocab = list(vocab)
        self.idf = np.asarray(idf, dtype=np.float32)
        self.index = {w: i for i, w in enumerate(self.vocab)}

    def transform(self, word_lists: list[list[str]]) -> sp.csr_matrix:
        get = self.index.get
        cols = np.fromiter((c for ws in word_lists for c in map(get, ws, repeat(-1))), dtype=np.int64)
        rows = np.repeat(np.arange(len(word_lists), dtype=np.int64),
                         np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists)))
        hit = cols >= 0
        return _tfidf(rows[hit], cols[hit], len(word_lists), self.idf)

    @classmethod
    def fit(cls, word_lists: list[list[str]], *, min_df: int = 2) -> "WordTfidf":
        df = Counter()
        for ws in word_lists:
            df.update(set(ws))
        vocab = sorted(w for w, c in df.items() if c >= min_df)
        return cls(vocab, _idf(np.array([df[w] for w in vocab], dtype=np.float64), len(word_lists)))


class Features:
    """Fitted TF-IDF for words and character n-grams, shared by every dimension of one training
    run (the expensive part is the segmentation and the vocabulary, not the classifiers)."""

    def __init__(self, words: WordTfidf, chars: CharNgrams):
        self.words, self.chars = words, chars
        self.word_names = np.asarray(words.vocab, dtype=object)

    @classmethod
    def fit(cls, norm_texts: list[str], word_lists: list[list[str]]) -> tuple["Features", sp.csr_matrix]:
        feats = cls(WordTfidf.fit(word_lists), CharNgrams.fit(norm_texts))
        return feats, feats.transform(norm_texts, word_lists)

    def transform(self, norm_texts: list[str], word_lists: list[list[str]]) -> sp.csr_matrix:
        return sp.hstack([self.words.transform(word_lists), self.chars.transform(norm_texts)], format="csr")

    @property
    def n_words(self) -> int:
        return len(self.words.vocab)

    def arrays(self) -> dict:
        return {"word_vocab": np.array(self.words.vocab, dtype=str), "char_vocab": np.array(self.chars.vocab, dtype=str),
                "word_idf": self.words.idf.astype(np.float32), "char_idf": self.chars.idf.astype(np.float32)}

    @classmethod
    def from_arrays(cls, a) -> "Features":
        return cls(WordTfidf([str(x) for x in a["word_vocab"]], a["word_idf"]),
                   CharNgrams([str(x) for x in a["char_vocab"]], a["char_idf"]))


def norm_text(text: str) -> str:
    return rules.normalize((text or "")[:MAX_CHARS])


# --- training ----------------------------------------------------------------------------------

def fit_classifier(x, labels: list[str], *, c: float = 4.0):
    """Multinomial logistic regression, solved by Newton-CG: the same objective as lbfgs, but
    6–7 Newton steps instead of ~55 quasi-Newton ones, and no per-iteration cost in the number of
    weights (lbfgs' own update was ~70% of a training run at 10k labels under cProfile). On 8,000
    replayed reviews 6–14× less CPU, argmax identical on 99.85% of held-out items, probabilities
    within 0.04 (bench/classification_training.py --solvers; docs/classification.md "Learned model")."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=100, class_weight="balanced", solver="newton-cg")
    clf.fit(x, labels)
    return clf


def featurize(texts: list[str]) -> tuple[list[str], list[list[str]]]:
    """(normalised text, word features) per text — what the classifier computes from
    `rules.tokenize`, without the rules' boundary and affix tables the features do not read
    (training segments every confirmed text: ~10% less per text)."""
    norms, words = [], []
    for t in texts:
        norm = rules.normalize((t or "")[:MAX_CHARS])
        norms.append(norm)
        words.append(token_words(rules.Tokens(norm, segmenter.tokenize(norm))))
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

    def top_words_batch(self, x: sp.csr_matrix, best: np.ndarray, k: int = 3) -> list[list[str]]:
        """`top_words` for every row of a batch at once (row i for class index best[i]): one numpy
        pass instead of an argsort and a Python list per item and dimension (profiled: 5% of a
        batch)."""
        n, nw = x.shape[0], self.features.n_words
        rows = np.repeat(np.arange(n), np.diff(x.indptr))
        m = x.indices < nw
        r, c = rows[m], x.indices[m]
        contrib = x.data[m] * self.coef[best[r], c]
        pos = contrib > 0
        r, c, contrib = r[pos], c[pos], contrib[pos]
        order = np.lexsort((-contrib, r))           # by row, then strongest first
        r, c = r[order], c[order]
        bounds = np.searchsorted(r, np.arange(n + 1))
        names = self.features.word_names
        out = []
        for i in range(n):
            lo, hi = bounds[i], bounds[i + 1]
            words = [str(w) for w in names[c[lo:min(hi, lo + 2 * k)]]]
            out.append([w for w in words if not w.startswith("!")][:k])
        return out

    def blend_row(self, probs: np.ndarray, xrow, scores: dict, evidence: dict, allowed=None,
                  top: tuple[str, list[str]] | None = None) -> None:
        """`top`: (label, its top words) computed for the whole batch; used when the label the
        blend picks is that one (the taxonomy has every class of the model: the usual case)."""
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
        ev.extend(top[1] if top is not None and top[0] == best else self.top_words(xrow, best))


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
            probs = m.proba_matrix(x)
            best = probs.argmax(axis=1) if len(probs) else np.zeros(0, np.int64)
            tops = m.top_words_batch(x, best)
            out.append((m, x, probs, [(m.classes[b], t) for b, t in zip(best.tolist(), tops)]))
        return out

    def blend_prepared(self, prepared: list, i: int, scores: dict, evidence: dict) -> None:
        for m, x, probs, tops in prepared:
            # the row's non-zeros read straight from the CSR arrays: `x[i]` builds a new sparse
            # matrix per call, which cost more than the whole batch's transform (profiled)
            lo, hi = x.indptr[i], x.indptr[i + 1]
            m.blend_row(probs[i], _Row(x.indices[lo:hi], x.data[lo:hi]), scores, evidence, top=tops[i])

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

