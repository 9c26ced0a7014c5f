#!/usr/bin/env python
"""Measure Feedback Archive on a bench database filled by bench/generate.py.

    .venv/bin/python bench/run.py --db postgres://postgres@127.0.0.1:5432/fa_bench --size-label 1m
    .venv/bin/python bench/run.py --db sqlite:////tmp/fa_bench_100k.sqlite3 --size-label 100k --only admin,api,reports

Read-only measurements (admin, api, dup, reports, classify) run on the given database and leave
it as it was (the duplicate lookup rolls back; classification writes suggestion / sentiment rows and
one ClassificationRun row: prefer a scratch copy, createdb -T <db> <copy>).
Write measurements (bulk, http) must use an empty scratch database (--db of its own), because
they add rows: `--only bulk` / `--only http`.

Prints a table and writes the raw numbers to bench/out/<label>-<vendor>-<what>-<time>.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import OUT, ROOT, load_avg, machine, setup

SEARCH_TERMS = ["卡顿", "送餐", "房间", "服务态度", "太慢了", "前台"]
ADMIN_VIEWS = {
    "default": "/admin/feedback/feedback/",
    "filtered": "/admin/feedback/feedback/?status__exact=pending&type=performance",
    "search": "/admin/feedback/feedback/?q=%E5%8D%A1%E9%A1%BF",  # 卡顿
    "search_common": "/admin/feedback/feedback/?q=%E6%88%BF%E9%97%B4",  # 房间: in ~25% of rows
    "desk_home": "/admin/",  # the desk's queues with their capped counts (docs/desk.md)
}


def pct(values, p):
    s = sorted(values)
    if not s:
        return None
    k = (len(s) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(s) - 1)
    return s[f] + (s[c] - s[f]) * (k - f)


def summary(ms):
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 2), "p95_ms": round(pct(ms, 95), 2),
            "max_ms": round(max(ms), 2), "mean_ms": round(statistics.mean(ms), 2)}


def timed_get(client, url, n, **headers):
    ms = []
    for i in range(n + 2):
        t = time.perf_counter()
        r = client.get(url, **headers)
        el = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {r.status_code} {r.content[:300]!r}")
        if i >= 2:  # two warm-ups
            ms.append(el)
    return ms


def _client():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


def _superuser():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    su, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    return su


def _api_key(scope):
    from feedback_archive.api.services import api_key_issue

    name = f"bench-{scope}-{os.getpid()}-{int(time.time())}"
    _key, raw = api_key_issue(name=name, scope=scope)
    return raw, name


def _drop_key(name):
    from feedback_archive.api.models import ApiKey

    ApiKey.objects.filter(name=name).delete()


# --- read measurements -------------------------------------------------------------------------
def bench_admin(args):
    from feedback_archive.feedback.models import Feedback

    c = _client()
    c.force_login(_superuser())
    out = {name: summary(timed_get(c, url, args.n)) for name, url in ADMIN_VIEWS.items()}
    newest = Feedback.objects.order_by("-received_at", "-id").values_list("pk", flat=True).first()
    if newest:  # the item page: labels, suggestions, history, templates (issue #12: p95 < 500 ms)
        out["item_page"] = summary(timed_get(c, f"/admin/feedback/feedback/{newest}/change/", args.n))
    return out


def bench_api(args):
    from urllib.parse import quote

    from feedback_archive.feedback.models import Feedback

    raw, name = _api_key("read")
    c = _client()
    out = {}
    try:
        for term in SEARCH_TERMS:
            ms = timed_get(c, f"/api/v1/feedback/?q={quote(term)}", args.n, HTTP_AUTHORIZATION=f"Token {raw}")
            out[term] = {**summary(ms), "matches": Feedback.objects.search(term, ranked=False).count()}
        out["list_default"] = summary(timed_get(c, "/api/v1/feedback/", args.n, HTTP_AUTHORIZATION=f"Token {raw}"))
    finally:
        _drop_key(name)
    return out


def bench_dup(args):
    """Per new item: (a) the duplicate look-up of intake alone (`duplicate_find`: band holders,
    the candidates' tokens, Jaccard and negation check), and (b) a whole `feedback_create`, rolled
    back afterwards. Also the band table's shape: how many rows share one band value."""
    from django.db import connection, transaction

    from bench import generate as g
    from feedback_archive.core import segmenter
    from feedback_archive.core.actors import Actor
    from feedback_archive.feedback.services import duplicate_find, feedback_create

    reviews = g.load_reviews()
    g._REVIEWS[:] = reviews
    start = 5_000_000 + random.Random().randrange(1_000_000)
    items = [g.variant(start + i) for i in range(args.dup_items)]
    lookup_ms, create_ms, linked = [], [], 0
    duplicate_find(segmenter.search_tokens("预热 一下 分词 和 连接"))
    for _base, title, content in items:
        tokens = segmenter.search_tokens(f"{title} {content}")
        t = time.perf_counter()
        target, _score = duplicate_find(tokens)
        lookup_ms.append((time.perf_counter() - t) * 1000)
        linked += target is not None
    actor = Actor.system("bench")
    for i, (_base, title, content) in enumerate(items[: args.dup_items // 2]):
        t = time.perf_counter()
        try:
            with transaction.atomic():
                feedback_create(channel="in_app", content=content, title=title, external_id=f"bench-dup-{start + i}",
                                actor=actor, app_version="5.3.1", platform="android")
                create_ms.append((time.perf_counter() - t) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*), COUNT(DISTINCT value) FROM feedback_duplicateband")
        band_rows, band_values = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM (SELECT value FROM feedback_duplicateband GROUP BY value HAVING COUNT(*) > 100) s")
        hot = cur.fetchone()[0]
        cur.execute("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM feedback_duplicateband GROUP BY value) s")
        widest = cur.fetchone()[0]
    return {"lookup": {**summary(lookup_ms), "linked_share": round(linked / len(items), 3)},
            "feedback_create_rolled_back": summary(create_ms),
            "bands": {"rows": band_rows, "values": band_values, "values_over_100_rows": hot, "max_rows_per_value": widest}}


class _Rollback(Exception):
    pass


def _last_month() -> str:
    from django.utils import timezone

    from feedback_archive.reports.periods import month_of

    return month_of(timezone.localtime().replace(day=1) - dt.timedelta(days=1))


def bench_reports(args):
    from feedback_archive.versions.models import Release

    c = _client()
    c.force_login(_superuser())
    rel = Release.objects.filter(product__slug="im", is_known=True).order_by("-released_at").values_list("id", flat=True).first()
    rel_prev = Release.objects.filter(product__slug="im", is_known=True).order_by("-released_at").values_list("id", flat=True)[6]
    urls = {
        "weekly": "/api/v1/reports/weekly/?fresh=1",
        "monthly": "/api/v1/reports/monthly/?fresh=1",
        "release_latest": f"/api/v1/reports/releases/{rel}/?fresh=1",
        "release_older": f"/api/v1/reports/releases/{rel_prev}/?fresh=1",
        "release_latest_page3": f"/api/v1/reports/releases/{rel}/?fresh=1&page=3",
        "top_problems_all": "/api/v1/reports/top-problems/",
        "top_problems_month": "/api/v1/reports/top-problems/?month=" + _last_month(),
    }
    out = {}
    for name, url in urls.items():
        ms = []
        for i in range(args.report_runs + 1):
            t = time.perf_counter()
            r = c.get(url)
            if r.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {r.status_code} {r.content[:300]!r}")
            if i:
                ms.append((time.perf_counter() - t) * 1000)
        out[name] = {"median_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1), "runs": len(ms)}
    return out


def bench_classify(args):
    """A batch classification run over the newest N stored items — the job's own steps
    (`tasks.classification_run_step`: pick the next chunk after `last_id`, fetch, segment, rules,
    model, bulk-store, advance the run, enqueue the next step and the routing job) — against bare
    `jieba.lcut` over the same `title + content` texts in the same process, same run. Only the
    worker's polling of the queue is left out. Queue rows the run adds are deleted afterwards."""
    import jieba
    from django_q.models import OrmQ

    from feedback_archive.classification import services, tasks
    from feedback_archive.classification.models import ClassificationRun
    from feedback_archive.feedback.models import Feedback

    rows = list(Feedback.objects.order_by("-id").values_list("id", "title", "content")[: args.classify_items])
    rows.reverse()  # the run walks ids upwards
    texts = [f"{t} {c}" for _i, t, c in rows]
    jieba.initialize()
    jieba.lcut("预热")
    queue_before = OrmQ.objects.order_by("-id").values_list("id", flat=True).first() or 0
    services.feedback_classify_many(feedback_ids=[rows[0][0]])  # warm-up: taxonomy, tokenizer, model load
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a run over all feedback, resumed just before the N newest items
    run = ClassificationRun.objects.create(filters={}, description="bench", total=len(rows), chunk_size=args.classify_chunk,
                                           last_id=rows[0][0] - 1, created_by="bench", model_version=services._model_version())
    # interleaved: jieba over the texts of the chunk the next step will take, then the step, so
    # both see the same machine load (the box is shared; a load spike would skew either side)
    jieba_s = cls_s = 0.0
    steps, more, k = 0, True, 0
    while more:
        t = time.perf_counter()
        for text in texts[k:k + args.classify_chunk]:
            jieba.lcut(text)
        jieba_s += time.perf_counter() - t
        k += args.classify_chunk
        t = time.perf_counter()
        more = tasks.classification_run_step(run.pk)
        cls_s += time.perf_counter() - t
        steps += 1
    run.refresh_from_db()
    OrmQ.objects.filter(id__gt=queue_before).delete()
    n = len(rows)
    return {"items": n, "classified": run.done, "status": run.status, "steps": steps, "chunk": args.classify_chunk,
            "model": run.model_version, "jieba_items_per_s": round(n / jieba_s, 1),
            "classify_items_per_s": round(n / cls_s, 1), "ratio": round(jieba_s / cls_s, 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_mb": round(rss_before / 1024, 1)}


def _rss_kb(pid: int, field: str = "VmHWM") -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """All descendants: qcluster's workers are grandchildren (cluster → sentinel → workers)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out + [d for c in out for d in _children(c)]


def bench_classify_cluster(args):
    """New feedback classified by a real `qcluster` (Q_WORKERS=2, DEBUG off, this database's broker):
    the N newest items, never classified, enqueued as intake does — one `classify_many` job per
    1,000 ids — against bare `jieba.lcut` over the same texts in one process, measured just
    before on the idle machine. Timed from the first enqueue to the last item stored. Writes
    suggestions: use a scratch copy of a bench database."""
    import jieba
    from django_q.tasks import async_task

    from feedback_archive.classification.models import Sentiment
    from feedback_archive.feedback.models import Feedback

    rows = list(Feedback.objects.filter(classified_at__isnull=True).order_by("-id")
                .values_list("id", "title", "content")[: args.classify_items])
    if len(rows) < args.classify_items:
        raise SystemExit(f"only {len(rows)} never-classified items here; use a fresh copy of a bench database")
    ids = [r[0] for r in rows]
    jieba.initialize()
    jieba.lcut("预热")
    t = time.perf_counter()
    for _i, title, content in rows:
        jieba.lcut(f"{title} {content}")
    jieba_s = time.perf_counter() - t
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings_nodebug", "Q_WORKERS": str(args.cluster_workers),
           "PYTHONPATH": str(ROOT)}
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # the cluster forks its workers and loads jieba before the clock starts
        t = time.perf_counter()
        for k in range(0, len(ids), 1000):
            async_task("feedback_archive.classification.tasks.classify_many", ids[k:k + 1000], group="bench")
        done, peak = 0, {}
        while done < len(ids):
            time.sleep(0.5)
            done = Sentiment.objects.filter(feedback_id__in=ids).count() if len(ids) <= 20000 else \
                Sentiment.objects.filter(feedback_id__gte=min(ids), feedback_id__lte=max(ids)).count()
            for pid in _children(cluster.pid):
                peak[pid] = max(peak.get(pid, 0), _rss_kb(pid, "VmRSS"))
            if time.perf_counter() - t > 1800:
                raise RuntimeError(f"cluster stored {done} of {len(ids)} in 30 min")
        wall = time.perf_counter() - t
        worker_hwm = {pid: _rss_kb(pid) for pid in _children(cluster.pid)}
    finally:
        cluster.terminate()
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            cluster.kill()
    n = len(ids)
    return {"items": n, "workers": args.cluster_workers, "jieba_items_per_s": round(n / jieba_s, 1),
            "cluster_items_per_s": round(n / wall, 1), "ratio": round(jieba_s / wall, 3),
            "peak_rss_mb_per_process": sorted(round(v / 1024, 1) for v in (worker_hwm or peak).values())}


# --- write measurements (scratch database) -----------------------------------------------------
def _items(start, count):
    from bench import generate as g

    if not g._REVIEWS:
        g._REVIEWS[:] = g.load_reviews()
    rng = random.Random(start)
    now = time.time()
    out = []
    for i in range(start, start + count):
        _b, title, content = g.variant(50_000 + i)
        item = {"channel": g._weighted(rng, g.CHANNELS), "content": content, "title": title,
                "platform": g._weighted(rng, g.PLATFORMS), "app_version": f"5.{rng.randrange(4)}.{rng.randrange(6)}",
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - rng.uniform(60, 86400 * 60))),
                "locale": "zh-CN"}
        if rng.random() < 0.4:
            item["reporter"] = {"external_id": f"u{rng.randrange(20000)}", "name": f"用户{rng.randrange(20000)}"}
        if item["channel"] == "app_store":
            item["rating"] = rng.randint(1, 5)
        out.append(item)
    return out


def bench_bulk(args):
    """POST /api/v1/feedback/bulk/ (1,000 items a body) against a bare bulk_create of the same
    rows, interleaved batch by batch so both see the same table size and machine load."""
    from django.utils.dateparse import parse_datetime

    from feedback_archive.feedback.models import Channel, Feedback

    raw, name = _api_key("ingest")
    c = _client()
    channels = {ch.slug: ch for ch in Channel.objects.all()}
    api_s = bare_s = 0.0
    created = invalid = 0
    run = int(time.time())
    try:
        for k in range(0, args.bulk_items, 1000):
            items = _items(k, min(1000, args.bulk_items - k))
            objs = [Feedback(channel=channels[it["channel"]], external_id=f"bare-{run}-{k + j}", title=it["title"],
                             content=it["content"], platform=it["platform"], app_version=it["app_version"],
                             received_at=parse_datetime(it["received_at"]), locale=it["locale"], rating=it.get("rating"),
                             metadata={}) for j, it in enumerate(items)]
            t = time.perf_counter()
            Feedback.objects.bulk_create(objs, batch_size=1000)
            bare_s += time.perf_counter() - t
            for j, it in enumerate(items):
                it["external_id"] = f"api-{run}-{k + j}"
            body = json.dumps({"items": items}, ensure_ascii=False)
            t = time.perf_counter()
            r = c.post("/api/v1/feedback/bulk/", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {raw}")
            api_s += time.perf_counter() - t
            if r.status_code != 200:
                raise RuntimeError(f"bulk: HTTP {r.status_code} {r.content[:300]!r}")
            res = r.json()
            created += res.get("created", 0)
            invalid += res.get("invalid", 0)
            if (k // 1000) % 10 == 9:
                print(f"    bulk {k + 1000:,}/{args.bulk_items:,}: api {(k + 1000) / api_s:,.0f}/s bare {(k + 1000) / bare_s:,.0f}/s",
                      flush=True)
    finally:
        _drop_key(name)
    n = args.bulk_items
    return {"items": n, "created": created, "invalid": invalid, "api_rows_per_s": round(n / api_s, 1),
            "bare_bulk_create_rows_per_s": round(n / bare_s, 1), "ratio": round(bare_s / api_s, 3),
            "api_s": round(api_s, 1), "bare_s": round(bare_s, 1)}


def bench_http(args):
    """Single creates over HTTP: gunicorn, 2 workers, against this database; 8 client threads."""
    import http.client

    from django.conf import settings

    raw, name = _api_key("ingest")
    port = args.port
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": os.environ["DATABASE_URL"],
           "ALLOWED_HOSTS": "*", "API_THROTTLE_RATE": "10000000/min"}
    if args.http_debug_off:
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings_nodebug"
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
                             "--access-logfile", "/dev/null", "--error-logfile", str(OUT / f"gunicorn-{port}.log")],
                            cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/feedback/?page_size=1", headers={"Authorization": f"Token {raw}"})
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        items = _items(900_000 + int(time.time()) % 1000 * 10_000, args.http_requests)
        run = int(time.time())
        for j, it in enumerate(items):
            it["external_id"] = f"http-{run}-{j}"
        lock = threading.Lock()
        queue = list(range(len(items)))
        lat, codes = [], {}

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:
                with lock:
                    if not queue:
                        return
                    idx = queue.pop()
                body = json.dumps(items[idx], ensure_ascii=False).encode()
                t = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/feedback/", body=body,
                                 headers={"Authorization": f"Token {raw}", "Content-Type": "application/json"})
                    r = conn.getresponse()
                    r.read()
                    code = r.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    code = -1
                el = (time.perf_counter() - t) * 1000
                with lock:
                    lat.append(el)
                    codes[code] = codes.get(code, 0) + 1

        threads = [threading.Thread(target=client) for _ in range(args.http_clients)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        _drop_key(name)
    ok = codes.get(201, 0)
    return {"requests": len(items), "clients": args.http_clients, "created_201": ok, "codes": codes,
            "items_per_s": round(ok / wall, 1), "wall_s": round(wall, 1), "latency": summary(lat),
            "debug": not args.http_debug_off, "settings_debug": settings.DEBUG}


BENCHES = {"admin": bench_admin, "api": bench_api, "dup": bench_dup, "reports": bench_reports,
           "classify": bench_classify, "classify-cluster": bench_classify_cluster, "bulk": bench_bulk, "http": bench_http}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--size-label", required=True)
    ap.add_argument("--only", default="admin,api,dup,reports", help=f"comma list of {','.join(BENCHES)}")
    ap.add_argument("--n", type=int, default=30, help="requests per view (after 2 warm-ups)")
    ap.add_argument("--dup-items", type=int, default=200)
    ap.add_argument("--report-runs", type=int, default=5)
    ap.add_argument("--classify-items", type=int, default=10_000)
    ap.add_argument("--cluster-workers", type=int, default=2, help="Q_WORKERS for --only classify-cluster")
    ap.add_argument("--classify-chunk", type=int, default=500, help="chunk size of the classification run")
    ap.add_argument("--bulk-items", type=int, default=100_000)
    ap.add_argument("--http-requests", type=int, default=3000)
    ap.add_argument("--http-clients", type=int, default=8)
    ap.add_argument("--http-debug-off", action="store_true", help="run gunicorn with DEBUG=False (bench/settings_nodebug.py)")
    ap.add_argument("--port", type=int, default=8201)
    args = ap.parse_args()
    setup(args.db)
    from django.conf import settings
    from django.db import connection

    from feedback_archive.feedback.models import Feedback

    settings.DEBUG = False  # measure what production does (no query log kept in memory)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)  # others add migrations while the bench runs
    rows = Feedback.objects.count()
    result = {"label": args.size_label, "vendor": connection.vendor, "rows": rows, "machine": machine(),
              "started": time.strftime("%Y-%m-%d %H:%M:%S"), "results": {}}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            result["pg_version"] = cur.fetchone()[0]
    print(f"== {args.size_label} on {connection.vendor}: {rows:,} feedback rows, load {load_avg()}", flush=True)
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        t = time.time()
        res = BENCHES[name](args)
        res["_seconds"] = round(time.time() - t, 1)
        res["_load_after"] = load_avg()
        result["results"][name] = res
        print_section(name, res)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{args.size_label}-{connection.vendor}-{args.only.replace(',', '+')}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"raw results: {path}")


def print_section(name, res):
    print(f"-- {name} ({res['_seconds']}s, load {res['_load_after'][0]:.2f})")
    for key, val in res.items():
        if key.startswith("_"):
            continue
        if isinstance(val, dict):
            print(f"   {key:<28} " + "  ".join(f"{k}={v}" for k, v in val.items()))
        else:
            print(f"   {key:<28} {val}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
