"""The monthly report and its efficiency summary, computed in-process (no snapshot), timed: wall
and this process's CPU, three runs. Read-only.

    .venv/bin/python bench/monthly_report_speed.py --db postgres://postgres@127.0.0.1:5432/fa_big_1m --month 2026-11
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import load_avg, setup


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--month", required=True, help="YYYY-MM")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    setup(args.db)
    from feedback_archive.reports.efficiency import efficiency_summary
    from feedback_archive.reports.services import report_get

    for i in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        efficiency_summary(month=args.month)
        e_wall, e_cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        report_get(kind="monthly", period=args.month, fresh=True)
        print(f"run {i}: efficiency summary {e_wall * 1000:.0f} ms wall, {e_cpu * 1000:.0f} ms CPU | "
              f"monthly report {(time.perf_counter() - wall) * 1000:.0f} ms wall, "
              f"{(time.process_time() - cpu) * 1000:.0f} ms CPU | load {load_avg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
