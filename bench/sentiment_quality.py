"""Polarity accuracy on third-party reviews in /work/shared/data (never copied into the product).

    .venv/bin/python bench/sentiment_quality.py

1. lexicon: the product's hand-written lexicon (sentiment.py, not derived from these files),
   evaluated directly on both files (sign of polarity; 0 counts as negative).
2. cross-file NB (experiment only, not shipped): a multinomial naive Bayes on jieba tokens
   trained on one file and tested on the *other* file, both directions; and the same model with
   the lexicon polarity added as a feature (lexicon + NB). Nothing here is fitted on the file it
   is evaluated on.
"""
from __future__ import annotations

import csv
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_archive.classification import rules, sentiment  # noqa: E402
from feedback_archive.core import segmenter  # noqa: E402

DATA = Path("/work/shared/data")
FILES = {"waimai": "waimai_10k.csv", "hotel": "ChnSentiCorp_htl_all.csv"}


def load(name: str) -> list[tuple[int, str]]:
    with open(DATA / FILES[name], encoding="utf-8", errors="replace") as fh:
        return [(int(r["label"]), r["review"] or "") for r in csv.DictReader(fh) if r.get("label") in ("0", "1")]


def lexicon_polarity(text: str) -> float:
    toks = rules.tokenize(text)
    pol, _ = sentiment.polarity(toks, text)
    return pol


def features(text: str) -> list[str]:
    words = segmenter.cut(text)
    feats = list(words)
    # negation-aware bigrams: 不+好 is not 好
    feats += [a + "_" + b for a, b in zip(words, words[1:]) if a in rules.NEGATORS]
    return feats


class NB:
    def fit(self, rows):
        self.counts = {0: Counter(), 1: Counter()}
        self.docs = Counter()
        for y, text in rows:
            self.docs[y] += 1
            self.counts[y].update(set(features(text)))
        vocab = set(self.counts[0]) | set(self.counts[1])
        self.v = len(vocab)
        self.tot = {y: sum(c.values()) for y, c in self.counts.items()}
        return self

    def logodds(self, text: str) -> float:
        # equal class priors: the two files have opposite class balance, so a learned prior would
        # only encode the training file's skew
        s = 0.0
        for f in set(features(text)):
            a = (self.counts[1][f] + 1) / (self.tot[1] + self.v)
            b = (self.counts[0][f] + 1) / (self.tot[0] + self.v)
            s += math.log(a / b)
        return s


def acc(gold, pred) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / len(gold)


def main() -> None:
    data = {k: load(k) for k in FILES}
    print("files:", {k: (len(v), sum(y for y, _ in v)) for k, v in data.items()}, "(rows, positives)")
    lex = {}
    t0 = time.perf_counter()
    for name, rows in data.items():
        lex[name] = [lexicon_polarity(t) for _, t in rows]
        gold = [y for y, _ in rows]
        pred = [1 if p > 0 else 0 for p in lex[name]]
        pos = [i for i, g in enumerate(gold) if g == 1]
        neg = [i for i, g in enumerate(gold) if g == 0]
        print(f"lexicon on {name:<6}: accuracy {acc(gold, pred):.1%}  "
              f"(positive recall {sum(pred[i] for i in pos) / len(pos):.1%}, "
              f"negative recall {sum(1 - pred[i] for i in neg) / len(neg):.1%})")
    n = sum(len(v) for v in data.values())
    print(f"lexicon speed: {(time.perf_counter() - t0) / n * 1e6:.0f} µs/review")

    for train, test in (("waimai", "hotel"), ("hotel", "waimai")):
        nb = NB().fit(data[train])
        gold = [y for y, _ in data[test]]
        lo = [nb.logodds(t) for _, t in data[test]]
        print(f"NB  train {train:<6} → test {test:<6}: accuracy {acc(gold, [1 if x > 0 else 0 for x in lo]):.1%}")
        # lexicon + NB: weight of the lexicon fitted on the *training* file only
        lo_train = [nb.logodds(t) for _, t in data[train]]
        gold_train = [y for y, _ in data[train]]
        best_w, best_a = 0.0, -1.0
        for w in (0, 1, 2, 3, 4, 6, 8, 12, 16):
            a = acc(gold_train, [1 if x + w * p > 0 else 0 for x, p in zip(lo_train, lex[train])])
            if a > best_a:
                best_w, best_a = w, a
        comb = [1 if x + best_w * p > 0 else 0 for x, p in zip(lo, lex[test])]
        print(f"lexicon+NB train {train:<6} → test {test:<6}: accuracy {acc(gold, comb):.1%} (lexicon weight {best_w}, "
              f"chosen on {train})")


if __name__ == "__main__":
    main()
