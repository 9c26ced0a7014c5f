"""The statistical side of the classifier: one multinomial naive Bayes per dimension, trained on
labels agents confirmed, blended into the rule scores. Pure Python (no numpy, no Django).

Why naive Bayes: it trains in one pass over the counts (a retraining job over tens of thousands of
confirmed labels takes seconds), needs no extra dependency, is robust with a few dozen examples
per label, and its per-feature log-ratios are the explanation we show as evidence.

Features: jieba words of the normalised text, a word preceded by a negator marked as negated
(`!卡顿` is evidence *against* performance), and character bigrams of Chinese runs (they survive
segmentation differences and typos).

    blob = train([(text, {"type": "performance", ...}), ...])    # all dimensions present
    model = load(blob)                                            # -> Ensemble
    pipeline.classify(..., model=model)                           # model.blend(raw, scores, evidence)

The service stores one blob per dimension (`dump_dimension` / `load_dimension`) and combines the
active ones with `Ensemble`.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter

from feedback_archive.core import segmenter

from . import rules

ALGORITHM = "multinomial-nb"
DEFAULT_WEIGHT = 3.0
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DROP = frozenset("的了吗呢吧啊呀是我你他她它们这那就也都在和")


def features(text: str) -> list[str]:
    norm = rules.normalize(text)
    return _features(norm, segmenter.cut(norm))


# what segmenter.cut drops, so features from shared tokens equal features(text)
_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)


def token_features(toks: rules.Tokens) -> list[str]:
    """features() of the text `toks` was made from, without segmenting it again: the pipeline
    has already cut the normalised text, and jieba's tokenize yields the same words as its cut."""
    return _features(toks.text, [w.lower() for w, _s, _e in toks.words if not _PUNCT.match(w)])


def _features(norm: str, words: list[str]) -> list[str]:
    feats: list[str] = []
    negate = 0
    for w in words:
        if w in rules.NEGATORS:
            negate = 2
            feats.append(w)
            continue
        if w in _DROP:
            continue
        feats.append(("!" + w) if negate else w)
        negate = max(0, negate - 1)
    for run in _CJK_RUN.findall(norm):
        feats.extend("2:" + run[i:i + 2] for i in range(len(run) - 1))
    return feats


class NaiveBayes:
    """Multinomial NB over binary (set-of-features) documents, Laplace-smoothed."""

    def __init__(self, alpha: float = 0.5):
        self.alpha = alpha
        self.labels: list[str] = []
        self.log_prior: dict[str, float] = {}
        self.log_prob: dict[str, dict[str, float]] = {}
        self.log_unseen: dict[str, float] = {}
        self._vocab: set[str] | None = None

    def fit(self, texts: list[str], labels: list[str], min_count: int = 1) -> "NaiveBayes":
        docs = Counter(labels)
        counts: dict[str, Counter] = {lab: Counter() for lab in docs}
        for text, lab in zip(texts, labels):
            counts[lab].update(set(features(text)))
        total = Counter()
        for c in counts.values():
            total.update(c)
        vocab = {f for f, n in total.items() if n >= min_count}
        v = len(vocab) or 1
        n = sum(docs.values())
        self.labels = sorted(docs)
        self.log_prior = {lab: math.log(docs[lab] / n) for lab in self.labels}
        self.log_prob, self.log_unseen, self._vocab = {}, {}, None
        for lab in self.labels:
            tot = sum(cnt for f, cnt in counts[lab].items() if f in vocab)
            denom = tot + self.alpha * v
            self.log_prob[lab] = {f: math.log((counts[lab][f] + self.alpha) / denom)
                                  for f in counts[lab] if f in vocab}
            self.log_unseen[lab] = math.log(self.alpha / denom)
        return self

    def _joint(self, feats: set[str], allowed=None) -> dict[str, float]:
        self._known("")  # builds the vocabulary once
        known = [f for f in feats if f in self._vocab]  # same order as iterating `feats`: same sums
        out = {}
        for lab in self.labels:
            if allowed is not None and lab not in allowed:
                continue
            lp, unseen = self.log_prob[lab], self.log_unseen[lab]
            out[lab] = self.log_prior[lab] + sum(lp.get(f, unseen) for f in known)
        return out

    def _known(self, f: str) -> bool:
        # features never seen in training carry no information; scoring them with the per-label
        # "unseen" mass would only reward the labels with the fewest training tokens
        if self._vocab is None:
            self._vocab = set().union(*(lp.keys() for lp in self.log_prob.values()))
        return f in self._vocab

    def posterior(self, text: str, allowed=None, *, feats: set[str] | None = None) -> dict[str, float]:
        """`feats`: set(features(text)) when the caller already has it (one item, many dimensions)."""
        joint = self._joint(set(features(text)) if feats is None else feats, allowed)
        if not joint:
            return {}
        m = max(joint.values())
        exp = {lab: math.exp(v - m) for lab, v in joint.items()}
        z = sum(exp.values())
        return {lab: v / z for lab, v in exp.items()}

    def predict(self, text: str) -> str | None:
        post = self.posterior(text)
        return max(post, key=post.get) if post else None

    def top_features(self, text: str, label: str, k: int = 3, *, feats: set[str] | None = None) -> list[str]:
        """The features in `text` that most favour `label` over the average other label."""
        others = [lab for lab in self.labels if lab != label]
        if label not in self.log_prob or not others:
            return []
        scored = []
        for f in (set(features(text)) if feats is None else feats):
            if not self._known(f):
                continue
            mine = self.log_prob[label].get(f, self.log_unseen[label])
            rest = sum(self.log_prob[o].get(f, self.log_unseen[o]) for o in others) / len(others)
            if mine > rest:
                scored.append((mine - rest, f))
        scored.sort(reverse=True)
        return [f[2:] if f.startswith("2:") else f for _, f in scored[:k]]

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "labels": self.labels, "log_prior": self.log_prior,
                "log_prob": self.log_prob, "log_unseen": self.log_unseen}

    @classmethod
    def from_dict(cls, data: dict) -> "NaiveBayes":
        nb = cls(data.get("alpha", 0.5))
        nb.labels = list(data["labels"])
        nb.log_prior = data["log_prior"]
        nb.log_prob = data["log_prob"]
        nb.log_unseen = data["log_unseen"]
        return nb


class DimensionModel:
    def __init__(self, dimension: str, nb: NaiveBayes, weight: float = DEFAULT_WEIGHT):
        self.dimension, self.nb, self.weight = dimension, nb, weight

    def blend(self, raw: str, scores: dict, evidence: dict, *, feats: set[str] | None = None) -> None:
        sc = scores.get(self.dimension)
        if sc is None:
            return
        if feats is None:
            feats = set(features(raw))
        post = self.nb.posterior(raw, allowed=set(sc), feats=feats)
        if not post:
            return
        best = max(post, key=post.get)
        for lab, p in post.items():
            sc[lab] = sc.get(lab, 0.0) + self.weight * p
        ev = evidence.setdefault(self.dimension, {}).setdefault(best, [])
        ev.append(f"model:p={post[best]:.2f}")
        ev.extend(f"model:{f}" for f in self.nb.top_features(raw, best, feats=feats))


class Ensemble:
    """What pipeline.classify(model=...) expects: `model_id` and `blend(raw, scores, evidence)`."""

    def __init__(self, models: list[DimensionModel], model_id: str):
        self.models = models
        self.model_id = model_id

    @property
    def dimensions(self) -> list[str]:
        return [m.dimension for m in self.models]

    def blend(self, raw: str, scores: dict, evidence: dict) -> None:
        feats = set(features(raw))
        for m in self.models:
            m.blend(raw, scores, evidence, feats=feats)

    def blend_tokens(self, raw: str, toks: rules.Tokens, scores: dict, evidence: dict) -> None:
        """blend() for the pipeline, which has segmented `raw` already: features are derived once
        from its tokens and shared by every dimension (was: segmented again twice per dimension)."""
        feats = set(token_features(toks))
        for m in self.models:
            m.blend(raw, scores, evidence, feats=feats)


# --- serialisation ---------------------------------------------------------------------------

def dump_dimension(nb: NaiveBayes, *, weight: float) -> bytes:
    return zlib.compress(json.dumps({"algorithm": ALGORITHM, "weight": weight, "nb": nb.to_dict()},
                                    ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def load_dimension(dimension: str, blob: bytes) -> DimensionModel:
    data = json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))
    return DimensionModel(dimension, NaiveBayes.from_dict(data["nb"]), float(data.get("weight", DEFAULT_WEIGHT)))


def train(rows: list[tuple[str, dict]], *, weight: float = DEFAULT_WEIGHT, version: str = "nb") -> bytes:
    """All dimensions present in `rows` at once (used by the bench); the service trains and gates
    each dimension on its own."""
    dims = sorted({d for _, labels in rows for d in labels})
    out = {"version": version, "dims": {}}
    for dim in dims:
        pairs = [(t, labels[dim]) for t, labels in rows if labels.get(dim)]
        nb = NaiveBayes().fit([t for t, _ in pairs], [lab for _, lab in pairs])
        out["dims"][dim] = {"weight": weight, "nb": nb.to_dict()}
    return zlib.compress(json.dumps(out, ensure_ascii=False).encode("utf-8"))


def load(blob: bytes) -> Ensemble:
    data = json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))
    models = [DimensionModel(dim, NaiveBayes.from_dict(d["nb"]), d["weight"]) for dim, d in data["dims"].items()]
    return Ensemble(models, data.get("version", "nb"))
