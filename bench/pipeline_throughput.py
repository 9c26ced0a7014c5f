#!/usr/bin/env python
"""Pipeline throughput (issue #17 target: understood items/s with 2 workers ≥ 0.5× a bare
`jieba.lcut` of the same texts).

Stores N items as intake does (received, not understood), measures `jieba.lcut` over their texts in
this process (one core, the dictionary loaded first), then starts `manage.py qcluster` with
Q_WORKERS workers, enqueues one pipeline job per BATCH items and times until every item is
understood (cluster start-up excluded: the jobs are enqueued once it is running).

    .venv/bin/python bench/pipeline_throughput.py --db sqlite:////tmp/fa_pipe_tp.sqlite3 --items 5000
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/pipeline_throughput.py \
        --db postgres://postgres@127.0.0.1:5432/fa_pipe_bench --items 5000
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import OUT, ROOT, load_avg, machine, setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--texts", choices=("real", "demo"), default="real",
                    help="real: waimai_10k reviews from /work/shared/data (default); demo: the demo corpus generator")
    args = ap.parse_args()
    setup(args.db)
    import datetime as dt

    import jieba
    from django.core.management import call_command
    from django.utils import timezone

    from feedback_archive.core.actors import Actor
    from feedback_archive.feedback.models import Feedback
    from feedback_archive.feedback.services import feedback_create_many
    from feedback_archive.intake.services import _send_pipeline_job

    call_command("migrate", interactive=False, verbosity=0)
    run = f"tp{int(time.time())}"
    if args.texts == "real":  # real users' reviews as load (bench/pipeline_profile.py), never as expectations
        from bench.pipeline_profile import real_texts
        src = [{"content": t, "platform": ("android", "ios", "windows")[k % 3], "app_version": f"5.{k % 4}.0"}
               for k, t in enumerate(real_texts(args.items, offset=int(time.time()) % 9000))]
    else:
        from feedback_archive.triage.demo.corpus import generate  # moved there with the demo
        src = generate(args.items, seed=11, now=timezone.now() - dt.timedelta(minutes=1))
    items = [{"channel": "in_app", "external_id": f"{run}-{k}", "content": it["content"], "title": it.get("title", ""),
              "platform": it.get("platform", ""), "app_version": (it.get("app_version") or "")[:64],
              "reporter": {"external_id": f"u{k % 997}", "name": f"用户{k % 997}"}} for k, it in enumerate(src)]
    ids = []
    for k in range(0, len(items), 1000):
        ids += [r["id"] for r in feedback_create_many(items=items[k:k + 1000], actor=Actor.system("api")) if r.get("created")]
    texts = [f"{it['title']} {it['content']}" for it in items]
    jieba.initialize()
    t = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    jieba_s = time.perf_counter() - t
    env = {**os.environ, "Q_WORKERS": str(args.workers)}
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # cluster start-up (not part of the figure)
        t0 = time.perf_counter()
        for k in range(0, len(ids), args.batch):
            _send_pipeline_job(ids[k:k + args.batch])
        left = len(ids)
        while left and time.perf_counter() - t0 < args.timeout:
            time.sleep(0.5)
            left = Feedback.objects.filter(pk__in=ids).exclude(pipeline_state="understood").count()
        pipe_s = time.perf_counter() - t0
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    from django.db import connection

    failed = Feedback.objects.filter(pk__in=ids, pipeline_state="failed").count()
    result = {"vendor": connection.vendor, "broker": "redis" if os.environ.get("REDIS_URL") else "orm",
              "texts": args.texts, "items": len(ids), "workers": args.workers, "batch": args.batch, "left": left, "failed": failed,
              "pipeline_items_per_s": round(len(ids) / pipe_s, 1), "jieba_lcut_items_per_s": round(len(ids) / jieba_s, 1),
              "ratio": round(jieba_s / pipe_s, 3), "pipeline_s": round(pipe_s, 1), "jieba_s": round(jieba_s, 2),
              "machine": machine(), "loadavg_end": load_avg()}
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"pipeline-throughput-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1))
    for k, v in result.items():
        print(f"  {k:26} {v}")
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
