"""Build the seed training set shipped with the product from the DEV split of the real data.

    .venv/bin/python bench/build_seed.py [--real-dir /work/wt-data/bench/data/real]

Writes feedback_archive/classification/data/seed_training.jsonl: {"id", "text", "labels", "url"}
for every real item with split == "dev" (Chinese IM reports: type / module / intent; English app
reviews: intent). The test split is never shipped, so the test figures in docs/classification.md
stay untouched by the product's own training. Items marked `confidence: low` are left out (their
label is a guess; the model should not learn it).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from classification_quality import load_rows, real_dir  # noqa: E402

OUT = ROOT / "feedback_archive" / "classification" / "data" / "seed_training.jsonl"
DIMS = ("type", "module", "intent")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real-dir")
    args = ap.parse_args()
    d = real_dir(args.real_dir)
    n = 0
    with open(OUT, "w", encoding="utf-8") as fh:
        for name in ("zh_im_reports.jsonl", "en_app_reviews.jsonl"):
            for r in load_rows(d / name):
                if r.get("split") != "dev" or r.get("confidence") == "low":
                    continue
                labels = {k: v for k, v in (r.get("labels") or {}).items() if k in DIMS and v}
                if labels:
                    fh.write(json.dumps({"id": r["id"], "text": r["text"], "labels": labels, "url": r.get("url", "")},
                                        ensure_ascii=False) + "\n")
                    n += 1
    print(f"{n} dev items → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
