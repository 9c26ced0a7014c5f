#!/usr/bin/env python
"""Flood drill (issue #17 part 4): the day a release breaks calls.

Many HTTP clients post bursts of bulk (BULK items a body) and single creates — a third of all items
paraphrases of one incident — against a running server (gunicorn + qcluster; bench/flood.sh starts
them), while a reader measures the admin list page, an item page and the API list. Then it waits
for the pipeline to understand everything and checks: every acknowledged item stored exactly once,
time from the flood's end until nothing is left to understand, page p95 during the flood, and the
memory of the server and worker processes.

    .venv/bin/python bench/flood.py --db postgres://postgres@127.0.0.1:5432/fa_pipe_bench \
        --base-url http://127.0.0.1:8133 --total 50000 --minutes 10 --clients 16 --watch-pids 123,456

Writes bench/out/flood-<vendor>-<time>.json and prints a summary.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import OUT, load_avg, machine, setup

INCIDENT_WHEN = ["更新到5.4.0以后", "升级5.4.0之后", "今天更新完新版本", "装了最新的5.4.0", "刚升级完", "自从更新了"]
INCIDENT_WHAT = ["语音通话老是自动挂断", "语音电话打着打着就断了", "通话十几秒就自动挂了", "语音通话总是中途断开",
                 "打语音一会儿就掉线", "语音通话接通后马上挂断"]
INCIDENT_MORE = ["，试了好几次都一样", "，WiFi和4G都这样", "，重启手机也没用", "，对方说听不到我然后就断了",
                 "！！急，客户电话都打不了", "，视频通话倒是正常", "，安卓和电脑端都有这个问题", ""]
CHANNELS = ["in_app", "app_store", "community", "ticket", "social"]


def pct(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return round(s[f] + (s[c] - s[f]) * (k - f), 1)


def items_for(total: int, run: str, seed: int = 17) -> list[dict]:
    import datetime as dt

    from django.utils import timezone

    from feedback_archive.triage.demo.corpus import generate

    rng = random.Random(seed)
    n_incident = total // 3
    others = generate(total - n_incident, seed=seed, now=timezone.now() - dt.timedelta(minutes=1))
    out = []
    for k in range(total):
        if k % 3 == 0 and n_incident > 0:
            n_incident -= 1
            text = rng.choice(INCIDENT_WHEN) + rng.choice(INCIDENT_WHAT) + rng.choice(INCIDENT_MORE)
            item = {"channel": rng.choice(CHANNELS), "content": text, "app_version": "5.4.0",
                    "platform": rng.choice(["android", "ios", "windows"]), "incident": True}
        else:
            src = others.pop() if others else {"content": f"第{k}条反馈：群文件下载很慢"}
            item = {"channel": rng.choice(CHANNELS), "content": src["content"], "title": src.get("title", "")[:300],
                    "platform": src.get("platform", ""), "app_version": src.get("app_version", "")[:64]}
        item["external_id"] = f"{run}-{k}"
        if rng.random() < 0.5:
            item["reporter"] = {"external_id": f"u{rng.randrange(total)}", "name": f"用户{rng.randrange(1000)}",
                                "contact": f"u{rng.randrange(total)}@example.cn"}
        out.append(item)
    rng.shuffle(out)
    return out


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the given processes and all their descendants."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except OSError:
                continue
    todo, seen, total = list(pids), set(), 0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


class Http:
    def __init__(self, base: str, headers: dict):
        u = urlparse(base)
        self.host, self.port, self.headers = u.hostname, u.port or 80, headers

    def call(self, method, path, body=None, headers=None):
        """A new connection per request (as many independent clients would)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        t = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
            r = conn.getresponse()
            data = r.read()
            return r.status, data, (time.perf_counter() - t) * 1000
        except (OSError, http.client.HTTPException) as exc:
            return -1, str(exc).encode(), (time.perf_counter() - t) * 1000
        finally:
            conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--total", type=int, default=5000)
    ap.add_argument("--minutes", type=float, default=1.0, help="spread the flood over this long (bursts)")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--bulk", type=int, default=100, help="items per bulk body")
    ap.add_argument("--bulk-share", type=float, default=0.7, help="share of items sent in bulk bodies")
    ap.add_argument("--watch-pids", default="", help="comma-separated pids (gunicorn master, qcluster) for memory")
    ap.add_argument("--understood-timeout", type=float, default=900)
    args = ap.parse_args()
    setup(args.db, settings=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"))

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count

    from feedback_archive.api.services import api_key_issue
    from feedback_archive.feedback.models import Feedback

    run = f"flood{int(time.time())}"
    _k, key = api_key_issue(name=f"{run}-ingest", scope="write")
    user, _ = get_user_model().objects.get_or_create(username="flood-admin", defaults={"is_staff": True,
                                                                                       "is_superuser": True})
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    api = Http(args.base_url, {"Authorization": f"Token {key}", "Content-Type": "application/json"})
    admin = Http(args.base_url, {"Cookie": f"sessionid={session.session_key}", "Accept-Language": "zh-hans"})
    items = items_for(args.total, run)
    incident_ids = {it["external_id"] for it in items if it.pop("incident", False)}
    n_bulk_items = int(len(items) * args.bulk_share)
    units = [("bulk", items[k:k + args.bulk]) for k in range(0, n_bulk_items, args.bulk)]
    units += [("single", [it]) for it in items[n_bulk_items:]]
    random.Random(5).shuffle(units)
    # bursts: the units go out in 10 waves spread over --minutes; inside a wave, as fast as the clients can
    waves = [units[w::10] for w in range(10)]
    wave_gap = args.minutes * 60 / 10
    lock = threading.Lock()
    acked: dict[str, int] = {}
    codes: dict[int, int] = {}
    lat = {"bulk": [], "single": []}
    reads = {"admin_list": [], "admin_item": [], "api_list": []}
    read_codes: dict[str, dict] = {k: {} for k in reads}
    mem = []
    pids = [int(p) for p in args.watch_pids.split(",") if p.strip()]
    flooding = threading.Event()
    flooding.set()

    def post_unit(kind, batch):
        if kind == "bulk":
            status, data, ms = api.call("POST", "/api/v1/feedback/bulk/", json.dumps({"items": batch}, ensure_ascii=False).encode())
            got = json.loads(data)["results"] if status == 200 else []
            with lock:
                for res, it in zip(got, batch):
                    if "id" in res:
                        acked[it["external_id"]] = res["id"]
        else:
            status, data, ms = api.call("POST", "/api/v1/feedback/", json.dumps(batch[0], ensure_ascii=False).encode())
            if status in (200, 201):
                with lock:
                    acked[batch[0]["external_id"]] = json.loads(data)["id"]
        with lock:
            codes[status] = codes.get(status, 0) + 1
            lat[kind].append(ms)

    def reader():
        rng = random.Random(3)
        while flooding.is_set():
            with lock:
                some = rng.choice(list(acked.values())) if acked else None
            for name, client, path in (("admin_list", admin, "/admin/feedback/feedback/"),
                                       ("api_list", api, "/api/v1/feedback/"),
                                       ("admin_item", admin, f"/admin/feedback/feedback/{some}/change/" if some else None)):
                if path is None:
                    continue
                status, _d, ms = client.call("GET", path)
                with lock:
                    reads[name].append(ms)
                    read_codes[name][status] = read_codes[name].get(status, 0) + 1
            time.sleep(0.2)

    def sampler():
        while flooding.is_set():
            if pids:
                mem.append((round(time.perf_counter() - t0, 1), rss_mb(pids)))
            time.sleep(2)

    print(f"flood {run}: {len(items):,} items ({len(incident_ids):,} paraphrases of one incident), "
          f"{sum(1 for u in units if u[0] == 'bulk')} bulk bodies + {sum(1 for u in units if u[0] == 'single')} singles, "
          f"{args.clients} clients, {args.minutes} min", flush=True)
    t0 = time.perf_counter()
    side = [threading.Thread(target=reader, daemon=True), threading.Thread(target=sampler, daemon=True)]
    for th in side:
        th.start()
    for w, wave in enumerate(waves):
        start = time.perf_counter()
        queue = list(wave)

        def client(queue=queue):
            while True:
                with lock:
                    if not queue:
                        return
                    kind, batch = queue.pop()
                post_unit(kind, batch)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        print(f"  wave {w + 1}/10: {len(wave)} requests in {time.perf_counter() - start:.1f}s, "
              f"acknowledged {len(acked):,}, codes {codes}", flush=True)
        rest = wave_gap - (time.perf_counter() - start)
        if rest > 0 and w < 9:
            time.sleep(rest)
    flood_end = time.perf_counter()
    flooding.clear()
    flood_s = flood_end - t0
    # until nothing of this run is left to understand
    understood_after = None
    while time.perf_counter() - flood_end < args.understood_timeout:
        left = Feedback.objects.filter(external_id__startswith=f"{run}-").exclude(pipeline_state="understood").count()
        if left == 0:
            understood_after = round(time.perf_counter() - flood_end, 1)
            break
        if pids:
            mem.append((round(time.perf_counter() - t0, 1), rss_mb(pids)))
        time.sleep(2)
    connection.close()
    stored = Feedback.objects.filter(external_id__startswith=f"{run}-")
    stored_ids = dict(stored.values_list("external_id", "id"))
    missing = [e for e in acked if e not in stored_ids]
    wrong = [e for e, i in acked.items() if stored_ids.get(e) not in (None, i)]
    states = dict(stored.order_by().values("pipeline_state").annotate(n=Count("id")).values_list("pipeline_state", "n"))
    inc = list(stored.filter(external_id__in=incident_ids).values_list("id", "canonical_id"))
    clusters = {c or i for i, c in inc}
    result = {
        "run": run, "vendor": connection.vendor, "items": len(items), "incident_items": len(incident_ids),
        "clients": args.clients, "bulk_size": args.bulk, "flood_seconds": round(flood_s, 1),
        "acknowledged": len(acked), "stored": len(stored_ids), "acknowledged_missing": len(missing),
        "acknowledged_wrong_id": len(wrong), "http_codes": codes,
        "ack_rate_items_per_s": round(len(acked) / flood_s, 1),
        "bulk_p50_ms": pct(lat["bulk"], 50), "bulk_p95_ms": pct(lat["bulk"], 95),
        "single_p50_ms": pct(lat["single"], 50), "single_p95_ms": pct(lat["single"], 95),
        "understood_seconds_after_flood": understood_after, "pipeline_states": states,
        "incident_clusters": len(clusters),
        "reads_p95_ms": {k: pct(v, 95) for k, v in reads.items()}, "reads_p50_ms": {k: pct(v, 50) for k, v in reads.items()},
        "reads_n": {k: len(v) for k, v in reads.items()}, "read_codes": read_codes,
        "memory_mb_max": max((m for _t, m in mem), default=None), "memory_mb_samples": mem[::max(1, len(mem) // 40)],
        "machine": machine(), "loadavg_end": load_avg(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"flood-{connection.vendor}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    for k, v in result.items():
        if k not in ("memory_mb_samples",):
            print(f"  {k:32} {v}")
    print(f"raw: {path}")


if __name__ == "__main__":
    main()
