#!/usr/bin/env python
"""Fill `Feedback.problem` in a bench database with a simple SQL assignment, so the report benchmarks
count problems as they will once the matching runs (the matching itself is benchmarked elsewhere).

    .venv/bin/python bench/assign_problems.py --db postgres://postgres@127.0.0.1:5432/fa_rev_bench

Every duplicate cluster of bench/generate.py (a canonical row and its near-verbatim variants) becomes
one problem led by its canonical row, with its counts, dates and first release computed from its
members; rows without a duplicate stay unmatched (the reports count them as problems of their own).
Idempotent: problems made by an earlier run are removed first."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

STEPS = [
    "UPDATE feedback_feedback SET problem_id = NULL WHERE problem_id IS NOT NULL",
    "DELETE FROM feedback_problem",
    """INSERT INTO feedback_problem (created_at, updated_at, title, title_locked, labels_locked, first_seen_at,
           last_seen_at, member_count, reporter_count, channel_count, version, lead_id, product_id)
       SELECT received_at, received_at, substr(content, 1, 60), false, false, received_at, received_at, 0, 0, 0, 1,
              id, product_id
       FROM feedback_feedback WHERE canonical_id IS NULL AND duplicate_count > 0""",
    """UPDATE feedback_feedback SET problem_id = (
           SELECT p.id FROM feedback_problem p WHERE p.lead_id = COALESCE(feedback_feedback.canonical_id, feedback_feedback.id))
       WHERE canonical_id IS NOT NULL OR duplicate_count > 0""",
    """UPDATE feedback_problem SET
           member_count = (SELECT COUNT(*) FROM feedback_feedback f WHERE f.problem_id = feedback_problem.id),
           reporter_count = (SELECT COUNT(DISTINCT f.reporter_id) FROM feedback_feedback f WHERE f.problem_id = feedback_problem.id),
           channel_count = (SELECT COUNT(DISTINCT f.channel_id) FROM feedback_feedback f WHERE f.problem_id = feedback_problem.id),
           first_seen_at = (SELECT MIN(f.received_at) FROM feedback_feedback f WHERE f.problem_id = feedback_problem.id),
           last_seen_at = (SELECT MAX(f.received_at) FROM feedback_feedback f WHERE f.problem_id = feedback_problem.id)""",
    # the first release: the earliest (by version order) release a member was reported on
    """UPDATE feedback_problem SET first_release_id = (
           SELECT f.release_id FROM feedback_feedback f JOIN versions_release r ON r.id = f.release_id
           WHERE f.problem_id = feedback_problem.id ORDER BY r.version_key, r.id LIMIT 1)""",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    args = ap.parse_args()
    setup(args.db)
    from django.db import connection, transaction

    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        for sql in STEPS:
            cur.execute(sql)
        cur.execute("SELECT COUNT(*), SUM(member_count), MAX(reporter_count) FROM feedback_problem")
        problems, members, widest = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM feedback_feedback")
        rows = cur.fetchone()[0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE feedback_feedback")
            cur.execute("VACUUM ANALYZE feedback_problem")
    print(f"{problems} problems holding {members} of {rows} rows (largest: {widest} reporters) "
          f"in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
