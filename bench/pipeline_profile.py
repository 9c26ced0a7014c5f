#!/usr/bin/env python
"""Where one pipeline batch spends its time (issue #17 follow-up): stores N received items whose
texts are real reviews (/work/shared/data/waimai_10k.csv — load only, never test expectations), then
runs `pipeline_run` once over them (after an untimed 20-item warm-up) with per-stage wall time and statement counts
(CaptureQueriesContext), and optionally a cProfile dump.

    .venv/bin/python bench/pipeline_profile.py --db sqlite:////tmp/fa_pipe2_prof.sqlite3 --items 500
    .venv/bin/python bench/pipeline_profile.py --db postgres://postgres@127.0.0.1:5432/fa_pipe2_bench --items 500 --cprofile
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

DATA = Path("/work/shared/data/waimai_10k.csv")


def real_texts(n: int, offset: int = 0) -> list[str]:
    with DATA.open(encoding="utf-8") as fh:
        rows = [r["review"] for r in csv.DictReader(fh) if r.get("review")]
    return [rows[(offset + k) % len(rows)] for k in range(n)]


def store(n: int, run: str, offset: int = 0) -> list[int]:
    from feedback_archive.core.actors import Actor
    from feedback_archive.feedback.services import feedback_create_many

    texts = real_texts(n, offset)
    items = [{"channel": "in_app", "external_id": f"{run}-{k}", "content": t, "title": "",
              "platform": ("android", "ios", "windows")[k % 3], "app_version": f"5.{k % 4}.0",
              "reporter": {"external_id": f"u{k % 997}", "name": f"用户{k % 997}"}} for k, t in enumerate(texts)]
    ids = []
    for k in range(0, n, 1000):
        ids += [r["id"] for r in feedback_create_many(items=items[k:k + 1000], actor=Actor.system("api")) if r.get("created")]
    return ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--cprofile", action="store_true")
    args = ap.parse_args()
    setup(args.db)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from feedback_archive.intake import pipeline

    call_command("migrate", interactive=False, verbosity=0)
    run, offset = f"prof{int(time.time())}", int(time.time()) % 9000
    # warm-up batch, not timed: a worker loads jieba's two dictionaries and the taxonomy's user
    # words once per process (~4 s together), not once per batch
    pipeline.pipeline_run(feedback_ids=store(20, run + "w", offset + args.items))
    ids = store(args.items, run, offset)
    timings = {}
    orig = pipeline._run_stage

    def timed(stage, number, chunk):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            out = orig(stage, number, chunk)
        s = timings.setdefault(stage.name, [0.0, 0])
        s[0] += time.perf_counter() - t
        s[1] += len(q.captured_queries)
        return out

    pipeline._run_stage = timed
    prof = None
    if args.cprofile:
        import cProfile
        prof = cProfile.Profile()
        prof.enable()
    t = time.perf_counter()
    with CaptureQueriesContext(connection) as q:
        res = pipeline.pipeline_run(feedback_ids=ids)
    total = time.perf_counter() - t
    if prof:
        prof.disable()
        import pstats
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    print(f"{connection.vendor}: {len(ids)} items, {res}, {total:.2f} s = {len(ids) / total:.1f} items/s, "
          f"{len(q.captured_queries)} statements")
    for name, (s, n) in timings.items():
        print(f"  {name:12} {s:7.2f} s  {n:6d} statements")


if __name__ == "__main__":
    main()
