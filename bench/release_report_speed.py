#!/usr/bin/env python
"""Speed of the release report (`reports.selectors.release_report`) in-process, on the release
with most reports, and EXPLAIN ANALYZE of its slowest statements.

    .venv/bin/python bench/release_report_speed.py --db postgres://postgres@127.0.0.1:5432/fa_ms_bench_b --runs 5

Prints each run's time and statement count, the median, the three slowest statements of the last
run and the plan of the grouping by problem and of the label counts (JIT off, as the report
statements run).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import load_avg, setup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    setup(args.db)
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from feedback_archive.reports.selectors import release_report
    from feedback_archive.versions.models import Release

    release = Release.objects.annotate(n=Count("reported_feedback")).order_by("-n").first()
    print(f"release {release.version} (#{release.pk}): {release.n:,} reports; load {load_avg()}")
    took = []
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as log:
            t = time.perf_counter()
            release_report(release_id=release.pk)
            took.append((time.perf_counter() - t) * 1000)
        print(f"  {took[-1]:.0f} ms, {len(log.captured_queries)} statements", flush=True)
    print(f"median {statistics.median(took):.0f} ms (min {min(took):.0f}, max {max(took):.0f}); load {load_avg()}")
    slowest = sorted(log.captured_queries, key=lambda q: -float(q["time"]))
    for q in slowest[:3]:
        print(f"  {float(q['time']) * 1000:.0f} ms  {q['sql'][:100]}")
    if connection.vendor != "postgresql":
        return
    for marker in ("CASE WHEN", "label_id"):
        sql = next((q["sql"] for q in slowest if marker in q["sql"][:200]), None)
        if sql is None:
            continue
        with connection.cursor() as cur:
            cur.execute("SET jit = off")
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print(f"--- plan of the slowest statement with {marker!r}")
            print("\n".join(row[0] for row in cur.fetchall()))


if __name__ == "__main__":
    main()
