"""Quality and speed of the automatic pre-classification (pure pipeline, no database).

    .venv/bin/python bench/classification_quality.py                 # dev + test, rules only
    .venv/bin/python bench/classification_quality.py --errors type   # list dev mistakes on a dimension
    .venv/bin/python bench/classification_quality.py --model         # also: model trained on dev, tested on test

The taxonomy is STANDARD_TAXONOMY converted to the shape the service passes (the DB snapshot:
code/name_zh/name_en/keywords/negative_keywords/positive_examples), and the tokenizer gets the
taxonomy keywords as user words exactly like `classification.services._taxonomy()` does.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback_archive.classification import pipeline  # noqa: E402
from feedback_archive.core import segmenter  # noqa: E402
from feedback_archive.taxonomy.standard import STANDARD_TAXONOMY  # noqa: E402

DIMS = ("type", "module", "severity", "scope", "intent")
DATA = ROOT / "bench" / "data"


def taxonomy_snapshot() -> list[dict]:
    return [
        {"code": d["code"], "labels": [
            {"code": lab["code"], "name_zh": lab["name_zh"], "name_en": lab["name_en"],
             "keywords": list(lab.get("keywords", [])), "negative_keywords": list(lab.get("negative_keywords", [])),
             "positive_examples": list(lab.get("positive_examples", []))}
            for lab in d["labels"]]}
        for d in STANDARD_TAXONOMY
    ]


def load_user_words(taxonomy: list[dict]) -> None:
    words = {kw.rpartition(":")[0] if ":" in kw else kw for d in taxonomy for lab in d["labels"] for kw in lab["keywords"]}
    segmenter.set_user_words(w for w in words if len(w) >= 2)


def load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    labels = sorted(set(gold))
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s) if f1s else 0.0


def evaluate(rows: list[dict], taxonomy: list[dict], model=None):
    preds = []
    for row in rows:
        res = pipeline.classify(title="", content=row["text"], taxonomy=taxonomy, model=model)
        preds.append({d: res["suggestions"].get(d, {}).get("label") for d in DIMS})
    report = {}
    for d in DIMS:
        gold = [r["labels"][d] for r in rows]
        pred = [p[d] for p in preds]
        acc = sum(g == p for g, p in zip(gold, pred)) / len(rows)
        report[d] = (acc, macro_f1(gold, pred))
    en = [i for i, r in enumerate(rows) if pipeline.detect_language(r["text"]) == "en"]
    return report, preds, en


def speed(taxonomy: list[dict], rows: list[dict], rounds: int = 3) -> tuple[float, float]:
    texts = [r["text"] for r in rows]
    tok = segmenter._get()
    for t in texts[:50]:
        pipeline.classify(title="", content=t, taxonomy=taxonomy)
    best_c = best_j = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for t in texts:
            pipeline.classify(title="", content=t, taxonomy=taxonomy)
        best_c = min(best_c, (time.perf_counter() - t0) / len(texts))
        t0 = time.perf_counter()
        for t in texts:
            tok.lcut(t)
        best_j = min(best_j, (time.perf_counter() - t0) / len(texts))
    return best_c * 1e6, best_j * 1e6


def print_report(name: str, rows, report, preds, en):
    print(f"\n{name}: {len(rows)} items ({len(en)} English)")
    print(f"{'dimension':<10} {'accuracy':>9} {'macro-F1':>9}")
    for d in DIMS:
        acc, f1 = report[d]
        print(f"{d:<10} {acc:9.1%} {f1:9.3f}")
    if en:
        accs = {d: sum(preds[i][d] == rows[i]['labels'][d] for i in en) / len(en) for d in ("type", "intent")}
        print(f"English subset: type {accs['type']:.1%}, intent {accs['intent']:.1%}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--errors", help="print dev mistakes for this dimension")
    ap.add_argument("--split", default="dev", choices=["dev", "test"])
    ap.add_argument("--model", action="store_true", help="train model.py on dev, evaluate rules+model on test")
    args = ap.parse_args()
    taxonomy = taxonomy_snapshot()
    load_user_words(taxonomy)
    dev = load("classification_dev.jsonl")
    test_path = DATA / "classification_test.jsonl"
    test = load("classification_test.jsonl") if test_path.exists() else []

    if args.errors:
        rows = dev if args.split == "dev" else test
        report, preds, _ = evaluate(rows, taxonomy)
        confusion = Counter()
        for r, p in zip(rows, preds):
            g = r["labels"][args.errors]
            if p[args.errors] != g:
                confusion[(g, p[args.errors])] += 1
                print(f"{g:>12} → {str(p[args.errors]):<12} {r['text']}")
        print(confusion.most_common())
        return

    for name, rows in (("dev", dev), ("test", test)):
        if rows:
            report, preds, en = evaluate(rows, taxonomy)
            print_report(f"{name} (rules only)", rows, report, preds, en)

    if args.model and test:
        from feedback_archive.classification import model as model_mod
        from feedback_archive.classification import training
        blob = model_mod.train([(r["text"], r["labels"]) for r in dev])
        mdl = model_mod.load(blob)
        report, preds, en = evaluate(test, taxonomy, model=mdl)
        print_report(f"test (rules + model on every dimension, weight {model_mod.DEFAULT_WEIGHT}, trained on dev)",
                     test, report, preds, en)
        # what the product does: per dimension, weight chosen and gate decided on dev splits only
        active = []
        print("\ngate decided on dev (held-out 20% of dev):")
        for d in DIMS:
            fitted = training.fit_dimension([(i, r["text"], r["labels"][d]) for i, r in enumerate(dev)],
                                            dimension=d, taxonomy=taxonomy, min_examples=200)
            m = fitted["metrics"]
            print(f"  {d:<9} rules {m['rules_accuracy']:.1%}  rules+model {m['blend_accuracy']:.1%}  "
                  f"model alone {m['model_accuracy']:.1%}  weight {fitted['weight']}  → {m['reason']}")
            if fitted["active"]:
                active.append(model_mod.DimensionModel(d, fitted["nb"], fitted["weight"]))
        gated = model_mod.Ensemble(active, "gated")
        report, preds, en = evaluate(test, taxonomy, model=gated)
        print_report(f"test (rules + gated models: {', '.join(gated.dimensions) or 'none'})", test, report, preds, en)

    c_us, j_us = speed(taxonomy, dev)
    print(f"\nspeed over dev texts: classify() {c_us:.0f} µs/text, bare jieba lcut {j_us:.0f} µs/text "
          f"(ratio {c_us / j_us:.1f}x), pid {os.getpid()}")


if __name__ == "__main__":
    main()
