#!/usr/bin/env python
"""CPU time and statements per single create through the API (Django test client, in process), on a
scratch database: a figure the machine's load barely moves (process CPU time, not wall time).

    .venv/bin/python bench/create_cpu.py --db sqlite:////tmp/fa_pipe_cpu.sqlite3 --n 300
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import load_avg, setup


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    setup(args.db)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from feedback_archive.api.services import api_key_issue

    call_command("migrate", interactive=False, verbosity=0)
    run = f"cpu{int(time.time())}"
    _k, key = api_key_issue(name=run, scope="ingest")
    c = Client()
    cpu, wall, stmts = [], [], []
    for i in range(args.n + 20):
        body = json.dumps({"channel": "in_app", "external_id": f"{run}-{i}", "title": "语音通话自动挂断",
                           "content": f"第{i}位用户：更新到5.4.0以后语音通话老是自动挂断，试了好几次都一样",
                           "reporter": {"external_id": f"u{i}", "contact": f"u{i}@example.cn"}}, ensure_ascii=False)
        t, w = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as q:
            r = c.post("/api/v1/feedback/", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
        assert r.status_code == 201, r.content
        if i >= 20:
            cpu.append((time.process_time() - t) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
            stmts.append(len(q.captured_queries))
    print(json.dumps({"vendor": connection.vendor, "n": args.n, "cpu_ms_median": round(statistics.median(cpu), 2),
                      "wall_ms_median": round(statistics.median(wall), 2), "statements": statistics.median(stmts),
                      "loadavg": load_avg()}))


if __name__ == "__main__":
    main()
