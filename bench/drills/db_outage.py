"""Fault drill: the database disappears for a moment under a running server.

A TCP proxy of our own sits between the web server and PostgreSQL; cutting it makes the database
unreachable for the server only (nothing else on the machine is disturbed). The API must answer
503 with Retry-After while it is cut, write nothing half-way, and recover by itself.

Usage: .venv/bin/python bench/drills/db_outage.py   (PostgreSQL on 127.0.0.1:5432)"""
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG = ("127.0.0.1", 5432)
PROXY_PORT, WEB_PORT = 55432, 8302
DB = "fa_drill_outage"


class Proxy:
    def __init__(self):
        self.up = threading.Event()
        self.conns: list[socket.socket] = []
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", PROXY_PORT))
        self.server.listen(50)
        self.up.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.server.accept()
            if not self.up.is_set():
                client.close()
                continue
            upstream = socket.create_connection(PG)
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
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")[:200]


def main():
    subprocess.run(["dropdb", "-h", PG[0], "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", PG[0], "-U", "postgres", DB], check=True)
    direct = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}", "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=direct, check=True)
    key = subprocess.run([py, "manage.py", "issue_api_key", "drill", "--scope", "write"], cwd=ROOT, env=direct,
                         capture_output=True, text=True, check=True).stdout.strip()
    proxy = Proxy()
    via_proxy = {**direct, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PROXY_PORT}/{DB}", "DEBUG": "0"}
    web = subprocess.Popen([py, "manage.py", "runserver", f"127.0.0.1:{WEB_PORT}", "--noreload"], cwd=ROOT, env=via_proxy,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = []
    try:
        for _ in range(60):
            try:
                socket.create_connection(("127.0.0.1", WEB_PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        body = lambda n: {"channel": "in_app", "external_id": f"drill-{n}", "content": f"第{n}条：高峰期连不上服务器",  # noqa: E731
                          "reporter": {"external_id": f"u-{n}", "name": "王女士"}}
        results.append(("before", *call("POST", "/api/v1/feedback/", key, body(1))[:1]))
        proxy.cut()
        s, h, _ = call("POST", "/api/v1/feedback/", key, body(2))
        results.append(("during: create", s, h.get("Retry-After")))
        s, h, _ = call("GET", "/api/v1/feedback/", key)
        results.append(("during: list", s, h.get("Retry-After")))
        proxy.restore()
        time.sleep(1)
        recovered = [call("POST", "/api/v1/feedback/", key, body(3))[0] for _ in range(1)]
        results.append(("after", recovered[0]))
        s, _, listing = call("GET", "/api/v1/feedback/?page_size=50", key)
        ids = sorted(x["external_id"] for x in listing["results"]) if isinstance(listing, dict) else listing
        results.append(("stored", ids))
    finally:
        web.terminate()
        web.wait(10)
    count = subprocess.run(["psql", "-h", PG[0], "-U", "postgres", "-d", DB, "-tAc",
                            "select (select count(*) from feedback_feedback), (select count(*) from feedback_reporter)"],
                           capture_output=True, text=True).stdout.strip()
    results.append(("rows feedback|reporters", count))
    for r in results:
        print(*r)
    ok = (results[0][1] == 201 and results[1][1] == 503 and results[1][2] and results[2][1] == 503
          and results[3][1] == 201 and results[4][1] == ["drill-1", "drill-3"] and count == "2|2")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
