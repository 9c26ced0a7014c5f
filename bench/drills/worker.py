"""Fault drill: the job worker on the production path (PostgreSQL + Redis broker + gunicorn).

1. Load: N feedback items arrive through gunicorn in concurrent bulk requests, each bulk queueing
   a classification job in Redis.
2. Graceful stop: a qcluster works through the queue; SIGTERM goes to its main process (what
   systemd/docker send first). Measured: seconds until every process of the cluster has exited;
   whether any job was lost (every unclassified item must still be in a job queued in Redis).
3. Kill: a new qcluster; SIGKILL to its whole process group mid-run. Measured: jobs lost (items
   unclassified and in no queued job — the Redis broker has no acknowledgement, so nothing
   re-delivers them); then a fresh qcluster: seconds until the sweeper has redone every one, against
   the bound JOB_LOST_AFTER_SECONDS + 60 × JOB_SWEEP_MINUTES + 30 s; every item classified once.

Usage: .venv/bin/python bench/drills/worker.py [N]
Env: DRILL_DB (default fa_sec_drill_worker), DRILL_REDIS (default redis://127.0.0.1:6379/1 — this
database index is FLUSHED), DRILL_PORT (8112), JOB_SWEEP_MINUTES (1), JOB_LOST_AFTER_SECONDS (30)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
DB = os.environ.get("DRILL_DB", "fa_sec_drill_worker")
REDIS = os.environ.get("DRILL_REDIS", "redis://127.0.0.1:6379/1")
PORT = int(os.environ.get("DRILL_PORT", 8112))
SWEEP_MIN = int(os.environ.get("JOB_SWEEP_MINUTES", 1))
LOST_AFTER = int(os.environ.get("JOB_LOST_AFTER_SECONDS", 30))
BATCH = int(os.environ.get("DRILL_BATCH", 30))  # items per bulk request
PHASES = os.environ.get("DRILL_PHASES", "graceful,kill").split(",")
ENV = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}", "REDIS_URL": REDIS,
       "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0", "API_THROTTLE_RATE": "1000000/min",
       "JOB_SWEEP_MINUTES": str(SWEEP_MIN), "JOB_LOST_AFTER_SECONDS": str(LOST_AFTER), "Q_WORKERS": "2",
       "LOG_LEVEL": "WARNING",
       # JOB_MAX_ITEMS and Q_QUEUE_LIMIT pass through from the caller's environment (see docs/reliability.md)
       }
SENTENCES = ["视频通话时画面经常卡顿，对方说我的声音断断续续", "群文件上传太慢了，十几兆要传好几分钟",
             "更新到新版以后语音消息没有声音", "希望能加一个消息定时发送的功能", "安卓版登录一直提示网络错误",
             "屏幕共享的时候对方看到的是黑屏", "发红包之后余额没有变化", "消息提醒经常延迟半小时才收到"]


def sql(query: str) -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB, "-tAc", query],
                          capture_output=True, text=True, check=True).stdout.strip()


def unclassified() -> set[int]:
    out = sql("select id from feedback_feedback where classified_at is null")
    return {int(x) for x in out.split()} if out else set()


QUEUED = """
import json
from django.conf import settings
from django_q.brokers import get_broker
from django_q.signing import SignedPackage
b = get_broker()
ids = []
for raw in b.connection.lrange(b.list_key, 0, -1):
    t = SignedPackage.loads(raw)
    if t["func"].endswith(("classify_many", "classify_feedback")):
        a = t["args"][0]
        ids.extend(a if isinstance(a, list) else [a])
print(json.dumps(ids))
"""


def queued_ids() -> set[int]:
    out = subprocess.run([PY, "manage.py", "shell", "-c", QUEUED], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def post(key: str, body: dict):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/feedback/bulk/", method="POST", data=json.dumps(body).encode(),
                                 headers={"Authorization": f"Token {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def load(key: str, n: int, batch: int = 30, threads: int = 4) -> dict:
    codes: dict[int, int] = {}
    lock = threading.Lock()
    batches = [list(range(i, min(i + batch, n))) for i in range(0, n, batch)]

    def run(part):
        for b in part:
            items = [{"channel": "in_app", "external_id": f"w-{i}", "content": f"{SENTENCES[i % len(SENTENCES)]}（第{i}位用户）",
                      "reporter": {"external_id": f"u-{i}", "name": "王女士"}} for i in b]
            s, _ = post(key, {"items": items})
            with lock:
                codes[s] = codes.get(s, 0) + 1

    ts = [threading.Thread(target=run, args=(batches[k::threads],)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return codes


def session_pids(sid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "-s", str(sid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def start_cluster() -> subprocess.Popen:
    return subprocess.Popen([PY, "manage.py", "qcluster"], cwd=ROOT, env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open("/tmp/fa-sec-drill-qcluster.log", "a"))


def wait_progress(before: int, at_least: int, limit: float = 300) -> int:
    t0 = time.time()
    while time.time() - t0 < limit:
        left = len(unclassified())
        if before - left >= at_least:
            return left
        time.sleep(0.5)
    raise SystemExit(f"no progress within {limit}s")


def graceful_stop(proc: subprocess.Popen, limit: float = 180) -> float:
    sid = proc.pid
    t0 = time.time()
    proc.send_signal(signal.SIGTERM)
    while time.time() - t0 < limit:
        if proc.poll() is not None and not session_pids(sid):
            return time.time() - t0
        time.sleep(0.2)
    os.killpg(sid, signal.SIGKILL)
    return float("inf")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    subprocess.run([PY, "manage.py", "bootstrap", "--no-demo"], cwd=ROOT, env=ENV, check=True, capture_output=True)
    key = subprocess.run([PY, "manage.py", "issue_api_key", "drill", "--scope", "write"], cwd=ROOT, env=ENV,
                         capture_output=True, text=True, check=True).stdout.strip()
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}", "--timeout", "120"],
                           cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    report = {"items": n}
    try:
        time.sleep(3)
        t0 = time.time()
        report["load_http_codes"] = load(key, n, batch=BATCH)
        report["settings"] = {k: os.environ.get(k, "default") for k in ("JOB_MAX_ITEMS", "Q_QUEUE_LIMIT")} | {"bulk": BATCH}
        report["load_seconds"] = round(time.time() - t0, 1)
        stored = int(sql("select count(*) from feedback_feedback"))
        report["stored"] = stored
        # --- graceful stop under work
        before = len(unclassified())
        cluster = start_cluster()
        wait_progress(before, 30)
        stop_s = graceful_stop(cluster)
        left, queued = unclassified(), queued_ids()
        report["graceful"] = {"stop_seconds": round(stop_s, 1), "classified_before_stop": before - len(left),
                              "unclassified": len(left), "unclassified_in_no_queued_job": len(left - queued)}
        if "kill" not in PHASES:
            print(json.dumps(report, ensure_ascii=False, indent=1))
            return 0
        # --- kill -9 of the whole cluster mid-run
        before = len(left)
        cluster = start_cluster()
        wait_progress(before, 30)
        os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
        t_kill = time.time()
        time.sleep(1)
        left, queued = unclassified(), queued_ids()
        lost = left - queued
        report["kill"] = {"unclassified": len(left), "lost_jobs_items": len(lost)}
        # --- recovery: a fresh cluster; the queued jobs run at once, the lost ones wait for the sweeper
        cluster = start_cluster()
        bound = LOST_AFTER + 60 * SWEEP_MIN + 30
        recovered_at = None
        while time.time() - t_kill < bound + 240:
            if not (unclassified() & lost) and not unclassified():
                recovered_at = time.time() - t_kill
                break
            time.sleep(2)
        report["kill"].update({"all_classified_seconds_after_kill": round(recovered_at, 1) if recovered_at else None,
                               "bound_seconds": bound})
        report["final_stop_seconds"] = round(graceful_stop(cluster), 1)
        report["suggestion_rows_per_item_dimension_max"] = int(sql(
            "select coalesce(max(c),0) from (select count(*) c from classification_suggestion group by feedback_id, dimension_id) x"))
        report["stored_after"] = int(sql("select count(*) from feedback_feedback"))
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(20)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    ok = (report["stored"] == n == report["stored_after"] and report["graceful"]["unclassified_in_no_queued_job"] == 0
          and report["graceful"]["stop_seconds"] < 60 and report["kill"]["all_classified_seconds_after_kill"] is not None
          and report["kill"]["all_classified_seconds_after_kill"] <= report["kill"]["bound_seconds"]
          and report["suggestion_rows_per_item_dimension_max"] <= 1)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
