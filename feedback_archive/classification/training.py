"""Training with an honest gate (pure: no database). Used by the service and by the bench.

20% of the items (a stable hash of their key, so an item stays held out across retrainings) are
held out. The blend weight is chosen on an inner split of the other 80%. The held-out items then
compare the rules alone with rules + model; the model is active only with at least
`min_examples` items and a strictly better held-out accuracy. The returned model is refitted on
all items with the chosen weight."""
from __future__ import annotations

import zlib

from django.utils.translation import gettext_noop

from . import model as stat_model
from . import pipeline

WEIGHT_GRID = (1.0, 2.0, 4.0, 8.0)


def held_out(key, parts: int = 5, salt: str = "") -> bool:
    return zlib.crc32(f"{salt}{key}".encode()) % parts == 0


def _predict(items, taxonomy, dimension, mdl):
    return [pipeline.classify(title="", content=text, taxonomy=taxonomy, model=mdl)["suggestions"]
            .get(dimension, {}).get("label") for _, text, _ in items]


def _accuracy(items, pred):
    return sum(p == it[2] for it, p in zip(items, pred)) / len(items) if items else None


def _nb(items):
    return stat_model.NaiveBayes().fit([t for _, t, _ in items], [lab for _, _, lab in items])


def _one(dimension, nb, weight):
    return stat_model.Ensemble([stat_model.DimensionModel(dimension, nb, weight)], "candidate")


def fit_dimension(items: list[tuple[object, str, str]], *, dimension: str, taxonomy: list[dict],
                  min_examples: int) -> dict:
    """items: (key, text, confirmed label). Returns {"nb", "weight", "active", "metrics"}."""
    train = [it for it in items if not held_out(it[0])]
    test = [it for it in items if held_out(it[0])]
    fit = [it for it in train if not held_out(it[0], parts=4, salt="inner")]
    val = [it for it in train if held_out(it[0], parts=4, salt="inner")]
    weight = stat_model.DEFAULT_WEIGHT
    if fit and val and len({it[2] for it in fit}) >= 2:
        inner = _nb(fit)
        scored = [(_accuracy(val, _predict(val, taxonomy, dimension, _one(dimension, inner, w))), w) for w in WEIGHT_GRID]
        weight = max(scored, key=lambda s: (s[0], -s[1]))[1]
    metrics = {"examples": len(items), "train": len(train), "held_out": len(test), "weight": weight,
               "min_examples": min_examples}
    if test and len({it[2] for it in train}) >= 2:
        nb_train = _nb(train)
        metrics.update(
            rules_accuracy=_accuracy(test, _predict(test, taxonomy, dimension, None)),
            blend_accuracy=_accuracy(test, _predict(test, taxonomy, dimension, _one(dimension, nb_train, weight))),
            model_accuracy=_accuracy(test, [nb_train.predict(t) for _, t, _ in test]),
        )
    beats = metrics.get("blend_accuracy") is not None and metrics["blend_accuracy"] > metrics["rules_accuracy"]
    active = len(items) >= min_examples and beats
    # stored in English (it is data, also logged); the admin translates it when it shows it
    metrics["reason"] = (gettext_noop("active: beats the rules on held-out items") if active else
                         gettext_noop("inactive: fewer than %(n)d examples") % {"n": min_examples} if len(items) < min_examples else
                         gettext_noop("inactive: does not beat the rules on held-out items"))
    return {"nb": _nb(items), "weight": weight, "active": active, "metrics": metrics}
