"""Training with an honest gate (pure: no database). Used by the service and by the bench.

Items are split by a stable hash of their key (a feedback id stays on its side across
retrainings): 80% train, 20% held out. The held-out fifth is split again by hash: one half
chooses the blend weight, the other half compares the rules alone with rules + model. A model is
active only with at least `min_examples` items and a strictly better accuracy on that second
half. The stored model is refitted on all items with the chosen weight.

All dimensions of one run share the segmentation and the TF-IDF features (fitted on the training
side only, refitted on everything for the stored model): that is what keeps 100k labels under two
minutes (bench/classification_quality.py --train-bench).

Evaluating rules + model needs the rule scores of each held-out item; they are computed once per
item (`pipeline.rule_scores`) and the model's probabilities are added for each candidate weight,
instead of classifying every held-out item again per weight. At most `EVAL_CAP` held-out items are
used for the decision (a 95% interval of ±2 points at 2,000 items is enough to decide "better").
"""
from __future__ import annotations

import zlib

import numpy as np
from django.utils.translation import gettext_noop

from . import model as stat_model
from . import pipeline

WEIGHT_GRID = (1.0, 2.0, 4.0, 8.0)
EVAL_CAP = 2000


def held_out(key, parts: int = 5, salt: str = "") -> bool:
    return zlib.crc32(f"{salt}{key}".encode()) % parts == 0


class Prepared:
    """The texts of one training run, segmented once."""

    def __init__(self, keys: list, texts: list[str]):
        self.keys = list(keys)
        self.texts = list(texts)
        self.norms, self.words = stat_model.featurize(self.texts)
        self.index = {k: i for i, k in enumerate(self.keys)}

    def rows(self, keys) -> list[int]:
        return [self.index[k] for k in keys]


def fit_features(prep: Prepared, rows: list[int]):
    return stat_model.Features.fit([prep.norms[i] for i in rows], [prep.words[i] for i in rows])


def fit_dimension(items: list[tuple[object, str, str]], *, dimension: str, taxonomy: list[dict],
                  min_examples: int, prepared: Prepared | None = None, shared: dict | None = None) -> dict:
    """items: (key, text, confirmed label). Returns {"model": DimensionModel, "weight", "active",
    "metrics"}. `prepared` (the run's segmented texts, keyed like the items) and `shared` (a
    dict the caller keeps for the run: features fitted once for all dimensions) save time."""
    if prepared is None:
        prepared = Prepared([it[0] for it in items], [it[1] for it in items])
    shared = {} if shared is None else shared
    train = [it for it in items if not held_out(it[0])]
    test_all = [it for it in items if held_out(it[0])]
    val = [it for it in test_all if held_out(it[0], parts=2, salt="weight")][:EVAL_CAP // 2]
    test = [it for it in test_all if not held_out(it[0], parts=2, salt="weight")][:EVAL_CAP]
    metrics = {"examples": len(items), "train": len(train), "held_out": len(test_all), "weight_items": len(val),
               "gate_items": len(test), "min_examples": min_examples, "algorithm": stat_model.ALGORITHM}
    weight = stat_model.DEFAULT_WEIGHT
    if len({it[2] for it in train}) >= 2 and test:
        feats = shared.get("train_features")
        if feats is None:
            # features of the training side of the whole run (all dimensions share the split by key)
            all_train = [i for i, k in enumerate(prepared.keys) if not held_out(k)]
            feats, _ = fit_features(prepared, all_train)
            shared["train_features"] = feats
        x_train = feats.transform([prepared.norms[i] for i in prepared.rows([it[0] for it in train])],
                                  [prepared.words[i] for i in prepared.rows([it[0] for it in train])])
        clf = stat_model.fit_classifier(x_train, [it[2] for it in train])
        dm = stat_model.DimensionModel.from_sklearn(dimension, feats, clf)
        ev_items = val + test
        rows = prepared.rows([it[0] for it in ev_items])
        x_ev = feats.transform([prepared.norms[i] for i in rows], [prepared.words[i] for i in rows])
        probs = dm.proba_matrix(x_ev)
        decided = pipeline.rule_scores([it[1] for it in ev_items], taxonomy=taxonomy, dimension=dimension)
        nv = len(val)

        def acc(lo, hi, w):
            got = [decided[j](dict(zip(dm.classes, probs[j])) if w else None, w) for j in range(lo, hi)]
            return sum(g == it[2] for g, it in zip(got, ev_items[lo:hi])) / max(1, hi - lo)

        if nv:
            weight = max(WEIGHT_GRID, key=lambda w: (acc(0, nv, w), -w))
        metrics.update(
            rules_accuracy=acc(nv, len(ev_items), 0),
            blend_accuracy=acc(nv, len(ev_items), weight),
            model_accuracy=float(np.mean([dm.classes[int(np.argmax(probs[j]))] == ev_items[j][2]
                                          for j in range(nv, len(ev_items))])),
        )
    metrics["weight"] = weight
    beats = metrics.get("blend_accuracy") is not None and metrics["blend_accuracy"] > metrics["rules_accuracy"]
    active = len(items) >= min_examples and beats
    # stored in English (it is data, also logged); the admin translates it when it shows it
    metrics["reason"] = (gettext_noop("active: beats the rules on held-out items") if active else
                         gettext_noop("inactive: fewer than %(n)d examples") % {"n": min_examples} if len(items) < min_examples else
                         gettext_noop("inactive: does not beat the rules on held-out items"))
    # the stored model: refitted on every item, features fitted on every text of the run
    full = shared.get("full_features")
    if full is None:
        full, _ = fit_features(prepared, list(range(len(prepared.keys))))
        shared["full_features"] = full
    rows = prepared.rows([it[0] for it in items])
    x_all = full.transform([prepared.norms[i] for i in rows], [prepared.words[i] for i in rows])
    clf = stat_model.fit_classifier(x_all, [it[2] for it in items])
    final = stat_model.DimensionModel.from_sklearn(dimension, full, clf, weight,
                                                   meta={"trained_on": len(items)})
    return {"model": final, "weight": weight, "active": active, "metrics": metrics}
