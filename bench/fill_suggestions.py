#!/usr/bin/env python
"""Give every row of a bench database the classifier's type and intent suggestions, so the
reports read them as they do in production (bench/generate.py writes confirmed labels only, while
in production every classified item has one suggestion per dimension).

    .venv/bin/python bench/fill_suggestions.py --db postgres://postgres@127.0.0.1:5432/fa_big_1m

The values only need a realistic mix, not the classifier's judgement (its quality is measured in
docs/classification.md): an item's confirmed label where it has one (the classifier usually agrees
with the agent), otherwise a fixed pseudo-random label by id — type 性能 30% / 功能 35% / 体验 25% /
咨询 10%, intent 抱怨 60% / 表扬 25% / 建议 8% / 提问 7%. Idempotent: earlier rows of the two
dimensions are replaced. PostgreSQL only (one INSERT … SELECT per dimension)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

MIX = {"type": [("performance", 30), ("function", 35), ("experience", 25), ("consultation", 10)],
       "intent": [("complaint", 60), ("praise", 25), ("suggestion", 8), ("question", 7)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    setup(args.db)
    from django.db import connection, transaction

    from feedback_archive.taxonomy.models import Label

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for dim, mix in MIX.items():
            labels = {lab.code: lab for lab in Label.objects.filter(dimension__code=dim)}
            dim_id = next(iter(labels.values())).dimension_id
            # (id * 7919) % 100 spreads consecutive ids over the buckets
            cases, upto = [], 0
            for code, weight in mix:
                upto += weight
                cases.append(f"WHEN (f.id * 7919) %% 100 < {upto} THEN {labels[code].pk}")
            cur.execute("DELETE FROM classification_suggestion WHERE dimension_id = %s", [dim_id])
            cur.execute(
                "INSERT INTO classification_suggestion (feedback_id, dimension_id, label_id, confidence, evidence, "
                "model_version, created_at) "
                f"SELECT f.id, %s, COALESCE(l.label_id, CASE {' '.join(cases)} END), 0.7, '[]', 'bench', f.received_at "
                "FROM feedback_feedback f LEFT JOIN feedback_feedbacklabel l ON l.feedback_id = f.id AND l.dimension_id = %s",
                [dim_id, dim_id])
            print(f"{dim}: {cur.rowcount:,} suggestions ({time.perf_counter() - t:.0f} s)", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE classification_suggestion")
    print(f"done in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
