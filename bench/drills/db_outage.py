"""Fault drill: the database disappears for a while under load, on the production path.

gunicorn (3 workers) serves the API with the Redis broker; a TCP proxy of our own sits between
it and PostgreSQL. Client threads keep creating feedback (each with its own reporter) and
listing, before, during and after the proxy is cut for OUTAGE seconds. Then every request that
did not get a 2xx is retried once with the same external id (idempotent), as the integration
recipes say. Checked:
- no 5xx other than 503, and every 503 carries Retry-After;
- recovery without a restart (seconds from restore to the first 2xx);
- every item acknowledged (2xx) is stored exactly once; after the retry, every item sent is
  stored exactly once; no half-written item (each feedback has its reporter, reporters = items).

Usage: .venv/bin/python bench/drills/db_outage.py [OUTAGE seconds, default 15]
Env: DRILL_DB (fa_sec_drill_outage), DRILL_REDIS (redis://127.0.0.1:6379/1), DRILL_PORT (8113),
DRILL_PROXY_PORT (8114), DRILL_THREADS (6). The DRILL_REDIS database is FLUSHED."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = ("127.0.0.1", 5432)
DB = os.environ.get("DRILL_DB", "fa_sec_drill_outage")
WEB_PORT = int(os.environ.get("DRILL_PORT", 8113))
PROXY_PORT = int(os.environ.get("DRILL_PROXY_PORT", 8114))
THREADS = int(os.environ.get("DRILL_THREADS", 6))
REDIS = os.environ.get("DRILL_REDIS", "redis://127.0.0.1:6379/1")


class Proxy:
    def __init__(self):
        self.up = threading.Event()
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", PROXY_PORT))
        self.server.listen(100)
        self.up.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.server.accept()
            if not self.up.is_set():
                client.close()
                continue
            upstream = socket.create_connection(PG)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def cut(self):
        self.up.clear()
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns.clear()

    def restore(self):
        self.up.set()


def call(method, path, key, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Token {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)
    except OSError:
        return 0, {}  # connection refused/reset: the server itself failed


def body(n):
    return {"channel": "in_app", "external_id": f"drill-{n}", "content": f"第{n}条：高峰期连不上服务器，消息一直转圈",
            "reporter": {"external_id": f"u-{n}", "name": "王女士", "contact": "wang@example.com"}}


def main():
    outage = float(sys.argv[1]) if len(sys.argv) > 1 else 15.0
    subprocess.run(["dropdb", "-h", PG[0], "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", PG[0], "-U", "postgres", DB], check=True)
    direct = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}", "DJANGO_SETTINGS_MODULE": "config.settings.dev",
              "REDIS_URL": REDIS, "DEBUG": "0", "API_THROTTLE_RATE": "1000000/min", "LOG_LEVEL": "ERROR"}
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)  # the drill's own Redis db
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=direct, check=True)
    key = subprocess.run([py, "manage.py", "issue_api_key", "drill", "--scope", "write"], cwd=ROOT, env=direct,
                         capture_output=True, text=True, check=True).stdout.strip()
    proxy = Proxy()
    via_proxy = {**direct, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PROXY_PORT}/{DB}"}
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "3", "-b", f"127.0.0.1:{WEB_PORT}", "--timeout", "60"],
                           cwd=ROOT, env=via_proxy, stdout=subprocess.DEVNULL, stderr=open("/tmp/fa-sec-drill-outage-web.log", "w"),
                           start_new_session=True)
    sent: dict[int, list] = {}  # n → [(phase, status, retry_after)]
    phase = {"name": "before"}
    stop = threading.Event()
    counter = iter(range(1, 10**9))
    lock = threading.Lock()
    lists = Counter()

    def client(k):
        while not stop.is_set():
            with lock:
                n = next(counter)
            started = phase["name"]  # the phase the request was sent in
            s, h = call("POST", "/api/v1/feedback/", key, body(n))
            sent[n] = [(started, s, h.get("Retry-After"))]
            if n % 5 == 0:
                started = phase["name"]
                s, h = call("GET", "/api/v1/feedback/?page_size=20", key)
                lists[(started, s, bool(h.get("Retry-After")))] += 1

    try:
        for _ in range(60):
            try:
                socket.create_connection(("127.0.0.1", WEB_PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        # warm up: every gunicorn worker loads Django and the segmenter on its first requests
        for n in range(6):
            call("POST", "/api/v1/feedback/", key, {**body(0), "external_id": f"warmup-{n}"})
        threads = [threading.Thread(target=client, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(5)
        phase["name"] = "during"
        proxy.cut()
        time.sleep(outage)
        proxy.restore()
        t_restore = time.time()
        phase["name"] = "after"
        first_ok = None
        while time.time() - t_restore < 30:
            if any(v[0][0] == "after" and 200 <= v[0][1] < 300 for v in list(sent.values())):
                first_ok = time.time() - t_restore
                break
            time.sleep(0.1)
        time.sleep(10)
        stop.set()
        for t in threads:
            t.join()
        # the integration's retry of everything that was not acknowledged
        retried = Counter()
        for n, hist in sorted(sent.items()):
            if not 200 <= hist[0][1] < 300:
                s, _ = call("POST", "/api/v1/feedback/", key, body(n))
                hist.append(("retry", s, None))
                retried[s] += 1
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(20)
    rows = subprocess.run(["psql", "-h", PG[0], "-U", "postgres", "-d", DB, "-tAc",
                           "select f.external_id, count(*), count(f.reporter_id) from feedback_feedback f group by f.external_id"],
                          capture_output=True, text=True, check=True).stdout.split()
    stored = {r.split("|")[0]: (int(r.split("|")[1]), int(r.split("|")[2])) for r in rows}
    reporters = int(subprocess.run(["psql", "-h", PG[0], "-U", "postgres", "-d", DB, "-tAc", "select count(*) from feedback_reporter"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    codes = Counter((h[0][0], h[0][1]) for h in sent.values())
    no_retry_after = sum(1 for h in sent.values() if h[0][1] == 503 and not h[0][2])
    acked = [n for n, h in sent.items() if 200 <= h[0][1] < 300]
    acked_once = all(stored.get(f"drill-{n}", (0, 0))[0] == 1 for n in acked)
    all_once = all(stored.get(f"drill-{n}", (0, 0)) == (1, 1) for n in sent)
    stored = {k: v for k, v in stored.items() if not k.startswith("warmup-")}
    unexpected = {k: v for k, v in codes.items() if k[1] >= 500 and k[1] != 503 or k[1] == 0}
    report = {
        "outage_seconds": outage, "requests_create": len(sent), "create_codes_by_phase": {f"{p} {s}": c for (p, s), c in sorted(codes.items())},
        "list_codes_by_phase": {f"{p} {s}{' +Retry-After' if ra else ''}": c for (p, s, ra), c in sorted(lists.items())},
        "503_without_retry_after": no_retry_after, "first_2xx_after_restore_seconds": round(first_ok, 2) if first_ok is not None else None,
        "retry_codes": dict(retried), "acknowledged_stored_exactly_once": acked_once,
        "after_retry_every_item_stored_once_with_its_reporter": all_once, "rows": len(stored), "reporters": reporters - 1,
        "unexpected_5xx_or_dropped": {f"{p} {s}": c for (p, s), c in unexpected.items()},
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    ok = (not unexpected and no_retry_after == 0 and first_ok is not None and acked_once and all_once
          and reporters - 1 == len(stored) == len(sent) and codes.get(("during", 503), 0) > 0)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
