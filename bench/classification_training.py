"""How long the training job takes on N confirmed labels (issue #14: 100k in < 2 minutes).

    .venv/bin/python bench/classification_training.py --rows 100000

The texts are the real reviews of /work/shared/data replayed with a suffix to reach N distinct
rows (the same way bench/generate.py reaches volume); each review's labels on the five dimensions
are what the rules say about it (computed before the clock starts), so the classes are learnable
and as unbalanced as real ones. Timed: exactly what `services.classifier_train` does after reading
the rows — one segmentation of every text, the features, and per dimension the held-out gate
(model fitted on 80%, weight chosen and rules compared on ≤ 2,000 held-out items) and the final
refit on all N. Prints wall and CPU time per step and the peak RSS of the process.

    .venv/bin/python bench/classification_training.py --rows 10000 --solvers   # lbfgs vs Newton-CG
"""
from __future__ import annotations

import argparse
import os
import csv
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_archive.classification import training  # noqa: E402
from feedback_archive.taxonomy.standard import load_standard  # noqa: E402

DATA = Path("/work/shared/data")
DIMS = ("type", "module", "severity", "scope", "intent")
SUFFIX = ["", "，麻烦看一下", "。", "！", " 谢谢", "，客户反馈的", "（安卓）", "（iOS）", "，第二次反馈了", "，同事也遇到"]


def taxonomy():
    return [{"code": d["code"], "labels": [{"code": lab["code"], "keywords": lab.get("keywords", []),
                                           "negative_keywords": lab.get("negative_keywords", [])}
                                          for lab in d["labels"]]} for d in load_standard()]


def solvers(reviews: list[str], kb, n: int) -> None:
    """lbfgs (the old solver) vs Newton-CG (model.fit_classifier) on the same features: CPU per fit,
    iterations, held-out accuracy and agreement (the first n reviews, shuffled; 80% train)."""
    import warnings

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from feedback_archive.classification import model as sm

    warnings.filterwarnings("ignore")
    reviews = list(reviews)
    random.Random(1).shuffle(reviews)
    reviews = reviews[:n]
    norms, words = sm.featurize(reviews)
    tr = int(n * 0.8)
    feats, x = sm.Features.fit(norms[:tr], words[:tr])
    xt = feats.transform(norms[tr:], words[tr:])
    for dim in ("type", "intent"):
        y = np.array([kb.predict(r, dim) for r in reviews])
        ref = None
        for name, solver in (("lbfgs", "lbfgs"), ("newton-cg", "newton-cg")):
            t = time.process_time()
            clf = LogisticRegression(C=4.0, class_weight="balanced", solver=solver,
                                     max_iter=300 if solver == "lbfgs" else 100).fit(x, y[:tr])
            cpu = time.process_time() - t
            p = clf.predict_proba(xt)
            ref = p if ref is None else ref
            print(f"{dim} {name}: {cpu:.1f} s CPU, iterations {clf.n_iter_[0]}, held-out accuracy "
                  f"{np.mean(clf.classes_[p.argmax(1)] == y[tr:]):.2%}, same argmax as lbfgs "
                  f"{np.mean(p.argmax(1) == ref.argmax(1)):.2%}, max |Δp| {abs(p - ref).max():.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--solvers", action="store_true", help="lbfgs vs Newton-CG on --rows reviews, then stop")
    args = ap.parse_args()
    reviews = []
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        with open(DATA / name, encoding="utf-8") as fh:
            reviews += [r["review"] for r in csv.DictReader(fh) if r.get("review")]
    tax = taxonomy()
    sys.path.insert(0, str(ROOT / "bench"))
    from classification_quality import KeywordBaseline

    kb = KeywordBaseline({"type": "function", "module": "other", "severity": "normal", "scope": "individual",
                          "intent": "complaint"})
    if args.solvers:
        solvers(reviews, kb, min(args.rows, len(reviews)))
        return
    labelled = [(text, {d: kb.predict(text, d) for d in DIMS}) for text in reviews]
    rng = random.Random(14)
    rows = []
    for i in range(args.rows):
        text, labels = labelled[i % len(labelled)]
        k = i // len(labelled)
        rows.append((i, f"{text}{SUFFIX[k % len(SUFFIX)]}{'' if k < len(SUFFIX) else f' #{rng.randrange(10**6)}'}", labels))

    start, cpu = time.perf_counter(), time.process_time()
    prepared = training.Prepared([r[0] for r in rows], [r[1] for r in rows])
    t_seg, c_seg = time.perf_counter() - start, time.process_time() - cpu
    shared: dict = {}
    per_dim = {}
    for d in DIMS:
        t1, c1 = time.perf_counter(), time.process_time()
        fitted = training.fit_dimension([(k, text, labels[d]) for k, text, labels in rows], dimension=d,
                                        taxonomy=tax, min_examples=200, prepared=prepared, shared=shared)
        per_dim[d] = (time.perf_counter() - t1, time.process_time() - c1, fitted["metrics"])
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"\n{args.rows} confirmed labels, 5 dimensions (wall / CPU)")
    print(f"segmentation + word lists: {t_seg:.1f} s / {c_seg:.1f} s")
    for d, (secs, csecs, m) in per_dim.items():
        print(f"  {d:<9} {secs:5.1f} s / {csecs:5.1f} s  (held-out gate on {m['gate_items']} items: rules "
              f"{m['rules_accuracy']:.1%}, rules+model {m['blend_accuracy']:.1%}, weight {m['weight']})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total training time: {total:.1f} s wall, {cpu:.1f} s CPU (load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores); peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
