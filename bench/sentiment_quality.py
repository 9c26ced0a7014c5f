"""Polarity accuracy on third-party reviews in /work/shared/data (never copied into the product).

    .venv/bin/python bench/sentiment_quality.py             # shipped lexicon + cross-file experiments
    .venv/bin/python bench/sentiment_quality.py --ablate    # also: each composition rule switched off
    .venv/bin/python bench/sentiment_quality.py --split     # the fixed dev/test split: test figures
    .venv/bin/python bench/sentiment_quality.py --curve     # polarity after N confirmed labels (test split)
    SENTIMENT_LEXICON_DIR=/path/to/lists .venv/bin/python bench/sentiment_quality.py   # with a general list

1. lexicon: the product's lexicon and rules (sentiment.py: the hand-written core, plus the general
   lists in $SENTIMENT_LEXICON_DIR when set — e.g. HowNet's, which we do not ship; none derived from
   these files), evaluated directly on both files (sign of polarity; 0 counts as negative).
   --ablate switches one rule off at a time to show what each contributes.
2. cross-file experiments (not shipped): everything fitted on file A, tested on file B, both
   directions. Nothing here is fitted on the file it is evaluated on.
   - NB: multinomial naive Bayes on jieba tokens (negation-marked bigrams).
   - lexicon + NB: NB log-odds plus the lexicon polarity, its weight chosen on A.
   - threshold: the lexicon score with the decision threshold chosen on A.
   - LR(lexicon): logistic regression on a dozen lexicon features (score, counts of positive /
     negative / negated words, waits, punctuation, length).
   - LR(lexicon+words): the same plus jieba words (negation-marked), L2-regularised.
"""
from __future__ import annotations

import argparse
import csv
import math
import random
import re
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
NEVER = re.compile("(?!x)x")


def load(name: str) -> list[tuple[int, str]]:
    with open(DATA / FILES[name], encoding="utf-8", errors="replace") as fh:
        return [(int(r["label"]), r["review"] or "") for r in csv.DictReader(fh) if r.get("label") in ("0", "1")]


def lexicon_polarity(text: str) -> float:
    toks = rules.tokenize(text)
    pol, _ = sentiment.polarity(toks, text)
    return pol


def acc(gold, pred) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / len(gold)


def report(gold, pred) -> str:
    pos = [p for g, p in zip(gold, pred) if g == 1]
    neg = [p for g, p in zip(gold, pred) if g == 0]
    return (f"{acc(gold, pred):.1%} (pos recall {sum(pos) / len(pos):.1%}, "
            f"neg recall {1 - sum(neg) / len(neg):.1%})")


# --- ablation: switch one rule of sentiment.py off at a time -----------------------------------

ABLATIONS = {
    "adversatives (但是/不过/就是…)": {"_CONTRAST": frozenset(), "_CONTRAST_WEAK": frozenset()},
    "concessive (虽然…)": {"_CONCESSIVE": frozenset()},
    "expectation (本以为…结果)": {"_EXPECT": frozenset(), "_RESULT": frozenset()},
    "wishes/questions damp praise": {"_HYPO": frozenset()},
    "summing-up clause (总之/整体)": {"_SUMMARY": frozenset()},
    "rhetorical questions": {"_RHETORICAL": ()},
    "waiting time": {"_WAIT_RES": []},
    "?? and …": {"_ELLIPSIS": NEVER, "_QQ": NEVER},
    "weighted phrases (loyalty, 还行, 漏送…)": {"_WEIGHTED": {}},
    "general-list layer (SENTIMENT_LEXICON_DIR)": {"_lexicon_dir": lambda: None},
    "general-list function-word filter": {"_NOT_SENTIMENT": frozenset()},
    "glued degree characters (奇慢, 极差)": {"_GLUE": False},
}


def run_lexicon(data, toks, tag="") -> dict[str, list[float]]:
    sentiment._LEX = None                      # rebuild with the current module settings
    out = {}
    cells = []
    for name, rows in data.items():
        out[name] = [sentiment.polarity(tk, t)[0] for tk, (_, t) in zip(toks[name], rows)]
        cells.append(f"{name} {report([y for y, _ in rows], [1 if p > 0 else 0 for p in out[name]])}")
    if tag:
        print(f"  {tag:<40} " + "  ".join(cells), flush=True)
    return out


def ablate(data, toks) -> None:
    print("ablation (one rule off; compare with the shipped line above):")
    for tag, patch in ABLATIONS.items():
        saved = {k: getattr(sentiment, k) for k in patch}
        for k, v in patch.items():
            setattr(sentiment, k, v)
        run_lexicon(data, toks, "-" + tag)
        for k, v in saved.items():
            setattr(sentiment, k, v)
    sentiment._LEX = None


# --- cross-file experiments ---------------------------------------------------------------------

def words(text: str) -> list[str]:
    ws = segmenter.cut(text)
    feats = list(ws)
    # negation-aware bigrams: 不+好 is not 好
    feats += [a + "_" + b for a, b in zip(ws, ws[1:]) if a in rules.NEGATORS]
    return feats


class NB:
    def fit(self, docs, ys):
        self.counts = {0: Counter(), 1: Counter()}
        for y, feats in zip(ys, docs):
            self.counts[y].update(set(feats))
        self.v = len(set(self.counts[0]) | set(self.counts[1]))
        self.tot = {y: sum(c.values()) for y, c in self.counts.items()}
        return self

    def logodds(self, feats) -> float:
        # equal class priors: the two files have opposite class balance, so a learned prior would
        # only encode the training file's skew
        s = 0.0
        for f in set(feats):
            a = (self.counts[1][f] + 1) / (self.tot[1] + self.v)
            b = (self.counts[0][f] + 1) / (self.tot[0] + self.v)
            s += math.log(a / b)
        return s


def lex_features(text: str, toks) -> dict[str, float]:
    pol, ev = sentiment.polarity(toks, text)
    raw = 2.5 * math.atanh(max(-0.999999, min(0.999999, pol)))
    f = {"bias": 1.0, "score": raw / 3.0, "pol": pol, "zero": float(pol == 0.0),
         "len": min(len(text), 300) / 100.0}
    for e in ev:
        if e.startswith("+"):
            f["n_pos"] = f.get("n_pos", 0.0) + 0.5
        elif e.startswith("-"):
            f["n_neg"] = f.get("n_neg", 0.0) + 0.5
        elif e.startswith("neg:"):
            f["n_negated"] = f.get("n_negated", 0.0) + 0.5
        elif e.startswith("negneg:"):
            f["n_doubleneg"] = 1.0
        elif e.startswith("wait:"):
            f[e] = 1.0
        elif e.startswith("rhetorical:"):
            f["rhetorical"] = 1.0
        elif e in ("??", "…"):
            f[e] = 1.0
        else:
            f["emoji"] = f.get("emoji", 0.0) + 0.5
    return f


def train_lr(xs, ys, *, epochs=8, l2=1e-4, lr=0.2, seed=0) -> dict[str, float]:
    """Plain SGD logistic regression on sparse dict features, classes reweighted to balance
    (the files have opposite class balance)."""
    w: dict[str, float] = {}
    n1 = sum(ys)
    cw = {1: len(ys) / (2 * n1), 0: len(ys) / (2 * (len(ys) - n1))}
    idx = list(range(len(xs)))
    rnd = random.Random(seed)
    for ep in range(epochs):
        rnd.shuffle(idx)
        eta = lr / (1 + ep)
        for i in idx:
            x, y = xs[i], ys[i]
            z = sum(w.get(k, 0.0) * v for k, v in x.items())
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * cw[y]
            for k, v in x.items():
                wk = w.get(k, 0.0)
                w[k] = wk - eta * (g * v + l2 * wk)
    return w


def lr_predict(w, x) -> int:
    return 1 if sum(w.get(k, 0.0) * v for k, v in x.items()) > 0 else 0


def cross_file(data, toks, lex) -> None:
    print("cross-file experiments (fitted on the first file only, tested on the second; not shipped):")
    feats = {k: [words(t) for _, t in rows] for k, rows in data.items()}
    lexf = {k: [lex_features(t, tk) for tk, (_, t) in zip(toks[k], rows)] for k, rows in data.items()}
    for train, test in (("waimai", "hotel"), ("hotel", "waimai")):
        ytr = [y for y, _ in data[train]]
        gold = [y for y, _ in data[test]]
        nb = NB().fit(feats[train], ytr)
        lo = [nb.logodds(f) for f in feats[test]]
        print(f"  {train:>6} → {test:<6} NB                      {report(gold, [1 if x > 0 else 0 for x in lo])}")
        lo_train = [nb.logodds(f) for f in feats[train]]
        best_w, best_a = 0.0, -1.0
        for wgt in (0, 1, 2, 3, 4, 6, 8, 12, 16):
            a = acc(ytr, [1 if x + wgt * p > 0 else 0 for x, p in zip(lo_train, lex[train])])
            if a > best_a:
                best_w, best_a = wgt, a
        comb = [1 if x + best_w * p > 0 else 0 for x, p in zip(lo, lex[test])]
        print(f"  {train:>6} → {test:<6} lexicon + NB (w={best_w:<2})       {report(gold, comb)}")
        # threshold chosen on the training file
        cands = sorted({round(p, 2) for p in lex[train]})
        best_t = max(cands, key=lambda t: acc(ytr, [1 if p > t else 0 for p in lex[train]]))
        print(f"  {train:>6} → {test:<6} lexicon, threshold {best_t:+.2f}  "
              f"{report(gold, [1 if p > best_t else 0 for p in lex[test]])}")
        w = train_lr(lexf[train], ytr)
        print(f"  {train:>6} → {test:<6} LR(lexicon features)     {report(gold, [lr_predict(w, x) for x in lexf[test]])}")
        both_tr = [dict(x, **{"w:" + f: 0.3 for f in fs}) for x, fs in zip(lexf[train], feats[train])]
        both_te = [dict(x, **{"w:" + f: 0.3 for f in fs}) for x, fs in zip(lexf[test], feats[test])]
        w = train_lr(both_tr, ytr, l2=1e-3)
        print(f"  {train:>6} → {test:<6} LR(lexicon + words)      {report(gold, [lr_predict(w, x) for x in both_te])}")


def split_of(text: str) -> str:
    """The fixed dev/test split of the review files: sha1 of the review text, 30% test."""
    import hashlib

    return "test" if int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 100 < 30 else "dev"


def split_eval(data) -> None:
    """Polarity on the TEST split (30% of each file by row hash), nothing fitted on it:
    * the shipped lexicon + rules (what the product does; fitted on neither file — but waimai rows
      were read while writing rules, so hotel is the cleaner figure);
    * in-domain learned (bench only, cannot ship: the files carry no licence): the product's own
      learner (model.py: TF-IDF words + character n-grams, logistic regression) trained on the
      file's DEV split, alone and with the lexicon polarity as one more feature. It shows what a
      model trained on confirmed in-domain polarity would reach."""
    import numpy as np
    import scipy.sparse as sp

    from feedback_archive.classification import model as stat_model

    print("\npolarity on the TEST split (sha1(review) % 100 < 30), fitted on DEV only:")
    print("| file | test rows | lexicon + rules (shipped) | learned, trained on dev | learned + lexicon feature |")
    print("| --- | --- | --- | --- | --- |")
    for name, rows in data.items():
        dev = [(y, t) for y, t in rows if split_of(t) == "dev"]
        test = [(y, t) for y, t in rows if split_of(t) == "test"]
        lex_test = [1 if lexicon_polarity(t) > 0 else 0 for _, t in test]
        nd, wd = stat_model.featurize([t for _, t in dev])
        feats, x = stat_model.Features.fit(nd, wd)
        nt, wt = stat_model.featurize([t for _, t in test])
        xt = feats.transform(nt, wt)
        clf = stat_model.fit_classifier(x, [y for y, _ in dev])
        learned = clf.predict(xt)
        ld = sp.csr_matrix(np.array([[lexicon_polarity(t)] for _, t in dev], dtype=np.float32))
        lt = sp.csr_matrix(np.array([[lexicon_polarity(t)] for _, t in test], dtype=np.float32))
        clf2 = stat_model.fit_classifier(sp.hstack([x, ld], format="csr"), [y for y, _ in dev])
        both = clf2.predict(sp.hstack([xt, lt], format="csr"))
        gold = [y for y, _ in test]
        print(f"| {name} | {len(test)} | {acc(gold, lex_test):.1%} | {acc(gold, list(learned)):.1%} | "
              f"{acc(gold, list(both)):.1%} |")


def product_taxonomy() -> list[dict]:
    """A fresh installation's taxonomy (taxonomy/data/standard.yaml, polarity included), with the
    tokenizer's user words set as classification.services._taxonomy() sets them."""
    from feedback_archive.taxonomy.standard import load_standard

    tax = [{"code": d["code"], "labels": [
        {"code": lab["code"], "name_zh": lab["name_zh"], "name_en": lab["name_en"],
         "keywords": list(lab.get("keywords", [])), "negative_keywords": list(lab.get("negative_keywords", []))}
        for lab in d["labels"]]} for d in load_standard()]
    words = {rules.parse_keyword(kw)[0] for d in tax for lab in d["labels"] for kw in lab["keywords"]}
    segmenter.set_user_words(w for w in words if len(w) >= 2)
    return tax


POLARITY_CODES = {1: "positive", 0: "negative"}


def product_polarity(texts: list[str], taxonomy: list[dict], model=None) -> tuple[list[int], int]:
    """The polarity label the product suggests (pipeline.classify_batch, the item's text as its
    content), as 1/0; no verdict (nothing evaluative, no model) counts as negative, the convention
    of the lexicon figures above. Returns (predictions, how many had no verdict)."""
    from feedback_archive.classification import pipeline

    out, none = [], 0
    for i in range(0, len(texts), 500):   # the worker's chunk size
        for r in pipeline.classify_batch([("", t, None) for t in texts[i:i + 500]], taxonomy=taxonomy, model=model):
            lab = r["suggestions"].get("polarity", {}).get("label")
            none += lab is None
            out.append(1 if lab == "positive" else 0)
    return out, none


def learning_curve(data, sizes, seeds, min_examples) -> None:
    """Polarity on the TEST split after N confirmed labels drawn at random from the file's DEV
    split, through the product's own code: training.fit_dimension (the job's gate: out-of-fold
    blend against the lexicon, `min_examples`) and pipeline.classify_batch with the gated model
    blended (model.Ensemble). 0 = what ships cold. Bench only: nothing trained here ships."""
    import os

    from feedback_archive.classification import model as stat_model
    from feedback_archive.classification import training

    taxonomy = product_taxonomy()
    print(f"\npolarity learning curve on the TEST split, labels drawn from DEV (min_examples={min_examples}, "
          f"{len(seeds)} draw(s) per size; cpu {os.cpu_count()}):")
    print("| file | confirmed labels | test accuracy (mean of draws) | range | gate active | "
          "gate: lexicon → blend (out of fold) | weight | no verdict | cpu s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, rows in data.items():
        dev = [(y, t) for y, t in rows if split_of(t) == "dev"]
        test = [(y, t) for y, t in rows if split_of(t) == "test"]
        gold = [y for y, _ in test]
        texts = [t for _, t in test]
        for n in sizes:
            accs, actives, gates, weights, nones = [], 0, [], [], []
            c0 = time.process_time()
            for seed in (seeds if n else seeds[:1]):
                model = None
                if n:
                    pick = random.Random(seed).sample(range(len(dev)), min(n, len(dev)))
                    items = [(f"{name}-{i}", dev[i][1], POLARITY_CODES[dev[i][0]]) for i in pick]
                    fitted = training.fit_dimension(items, dimension="polarity", taxonomy=taxonomy,
                                                    min_examples=min_examples)
                    m = fitted["metrics"]
                    if "rules_accuracy" in m:
                        gates.append((m["rules_accuracy"], m["blend_accuracy"]))
                    weights.append(fitted["weight"])
                    if fitted["active"]:
                        actives += 1
                        model = stat_model.Ensemble([fitted["model"]], "bench")
                pred, none = product_polarity(texts, taxonomy, model)
                accs.append(acc(gold, pred))
                nones.append(none)
            cpu = time.process_time() - c0
            gate = (f"{sum(g[0] for g in gates) / len(gates):.1%} → {sum(g[1] for g in gates) / len(gates):.1%}"
                    if gates else "—")
            print(f"| {name} | {n} | {sum(accs) / len(accs):.1%} | {min(accs):.1%}–{max(accs):.1%} | "
                  f"{actives}/{len(accs) if n else 0} | {gate} | {'/'.join(f'{w:g}' for w in weights) or '—'} | "
                  f"{sum(nones) // len(nones)} | {cpu:.0f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ablate", action="store_true")
    ap.add_argument("--split", action="store_true", help="only the fixed dev/test split evaluation")
    ap.add_argument("--no-cross", action="store_true", help="skip the cross-file experiments")
    ap.add_argument("--curve", action="store_true",
                    help="the polarity learning curve: test accuracy after N confirmed labels from dev")
    ap.add_argument("--sizes", default="0,100,300,1000,3000")
    ap.add_argument("--seeds", default="1,2,3", help="random draws of the N labels, one per seed")
    ap.add_argument("--min-examples", type=int, default=None,
                    help="the gate's minimum (default: the product's CLASSIFICATION_MODEL_MIN_EXAMPLES, 200)")
    ap.add_argument("--files", default=",".join(FILES))
    ap.add_argument("--dev", action="store_true", help="the lexicon figures on the dev split only (for tuning)")
    args = ap.parse_args()
    data = {k: load(k) for k in args.files.split(",")}
    if args.curve:
        import os

        min_examples = args.min_examples or int(os.environ.get("CLASSIFICATION_MODEL_MIN_EXAMPLES", 200))
        learning_curve(data, [int(x) for x in args.sizes.split(",")], [int(x) for x in args.seeds.split(",")],
                       min_examples)
        return
    if args.split:
        split_eval(data)
        return
    if args.dev:
        data = {k: [(y, t) for y, t in rows if split_of(t) == "dev"] for k, rows in data.items()}
        print("DEV split only (sha1(review) % 100 >= 30): what tuning may look at")
    print("files:", {k: (len(v), sum(y for y, _ in v)) for k, v in data.items()}, "(rows, positives)")
    t0 = time.perf_counter()
    toks = {k: [rules.tokenize(t) for _, t in rows] for k, rows in data.items()}
    t1 = time.perf_counter()
    print("lexicon (shipped, fitted on neither file):")
    lex = run_lexicon(data, toks, "shipped")
    n = sum(len(v) for v in data.values())
    print(f"  speed: tokenize {(t1 - t0) / n * 1e6:.0f} µs/review, polarity "
          f"{(time.perf_counter() - t1) / n * 1e6:.0f} µs/review (mean review "
          f"{sum(len(t) for v in data.values() for _, t in v) / n:.0f} chars)")
    if args.ablate:
        ablate(data, toks)
    if not args.no_cross:
        cross_file(data, toks, lex)


if __name__ == "__main__":
    main()
