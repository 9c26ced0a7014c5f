#!/usr/bin/env python
"""Fill a bench database with N feedback rows replayed from the real review text in
../shared/data (synthetic ids, channels, times, releases, statuses, labels, workflow history).

    .venv/bin/python bench/generate.py --rows 100000 --db postgres://postgres@127.0.0.1:5432/fa_bench

--rows is the target total: run it again with a larger N to grow the same database in steps.
The derived columns are the ones `feedback_create` writes: `search_text` from
`segmenter.search_tokens` and the `DuplicateBand` rows from `duplicates.band_values` (all of a
canonical row's; for a row linked as a near-duplicate only the values its cluster lacks, as at
intake; `--rebuild-bands` rewrites them after the rule changes), computed in
2 worker processes and loaded with COPY (PostgreSQL) or executemany (SQLite) in chunks.

Speed-ups that keep the output identical (checked on a sample at start-up, see `_self_check`):
- jieba segments each run of Han/alnum characters separately (`re_han_default`), so the tokens of
  a text are the tokens of its blocks; blocks repeat across variants, so they are cached.
- MinHash: each token's 24 permuted hashes are cached, the minimum per permutation is a column min.
Near-duplicate links: a variant is linked to the first row replayed from the same review when
their token Jaccard similarity reaches `duplicates.DUPLICATE_THRESHOLD` (what ingest would find,
minus links across different reviews).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing as mp
import random
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

# ../shared/data beside the checkout (where CI and every session find it); FA_SHARED_DATA overrides
DATA = Path(os.environ.get("FA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CHUNK = 20_000
DAYS = 730
SEED = 20261124

# Small, realistic variations added around the replayed review (separated by punctuation, so
# the segmentation of the review itself is unchanged).
PREFIXES = ["", "", "", "又来反馈，", "第二次说了，", "客服你好，", "更新后，", "iPhone上", "安卓版", "电脑端",
            "同事也遇到，", "紧急！", "麻烦看下，", "v5.3版本，", "群里好几个人都说，"]
SUFFIXES = ["", "", "", "。希望尽快处理", "。谢谢", "！！", "。已经第三次了", "，能不能优化一下", "。急", "，求解决",
            "。版本5.2.1", "，其他都还好", "。", "？", "，体验很差"]
CHANNELS = [("in_app", 35), ("ticket", 20), ("community", 15), ("app_store", 15), ("social", 10), ("sales", 5)]
PLATFORMS = [("android", 35), ("ios", 30), ("windows", 15), ("macos", 8), ("web", 7), ("harmonyos", 5)]
STATUSES = [("pending", 20), ("in_progress", 15), ("verifying", 5), ("closed", 60)]
TYPE_W = [("performance", 30), ("function", 35), ("experience", 25), ("consultation", 10)]
SEV_W = [("critical", 5), ("major", 20), ("normal", 50), ("minor", 25)]
MOD_W = [("message", 30), ("voice", 12), ("video", 14), ("group", 16), ("file", 12), ("other", 16)]
SLA_HOURS = {"critical": 4, "major": 24, "normal": 72, "minor": 168}
NON_FIX = ["answered", "duplicate", "not_reproducible", "wont_fix"]
PRODUCTS = [("im", "即时通讯"), ("meeting", "视频会议")]
TEAMS = [("client", "客户端组"), ("av-engine", "音视频引擎组"), ("server", "服务端组"), ("ux", "体验设计组"), ("support", "客服支持组")]


def _weighted(rng, pairs):
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def load_reviews() -> list[tuple[int, str]]:
    out = []
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        with open(DATA / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = (row.get("review") or "").strip()
                if text:
                    out.append((int(row["label"]), text[:2000]))
    random.Random(SEED).shuffle(out)
    return out


# --- worker side: tokens and fingerprints ------------------------------------------------------
_REVIEWS: list = []
_block_cache: dict[str, list[str]] = {}
_perm_cache: dict[str, tuple] = {}


def _worker_init(reviews):
    global _REVIEWS
    _REVIEWS = reviews
    from feedback_archive.core import segmenter

    segmenter._get()


def fast_search_tokens(text: str) -> list[str]:
    import jieba

    from feedback_archive.core import segmenter

    text = segmenter.to_simplified(text)  # as search_tokens does (a few hotel reviews are Traditional)
    pieces: list[str] = []
    for blk in jieba.re_han_default.split(text):
        if not blk:
            continue
        got = _block_cache.get(blk)
        if got is None:
            got = segmenter._search_pieces(blk)
            if len(_block_cache) < 400_000:
                _block_cache[blk] = got
        pieces.extend(got)
    pieces.extend(m.group(1) for m in segmenter._VERSION.finditer(text))
    return list(dict.fromkeys(pieces))


def fast_band_values(token_set) -> list[int]:
    import hashlib
    import struct

    from feedback_archive.feedback import duplicates as d

    if len(token_set) < d.MIN_TOKENS:
        return []
    rows = []
    for t in token_set:
        pv = _perm_cache.get(t)
        if pv is None:
            h = d._h(t)
            pv = tuple((a * h + b) % d._PRIME for a, b in d._PERMS)
            if len(_perm_cache) < 1_000_000:
                _perm_cache[t] = pv
        rows.append(pv)
    mins = [min(col) for col in zip(*rows)]
    out = []
    for band in range(d.BANDS):
        chunk = mins[band * d.ROWS:(band + 1) * d.ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{d.ROWS}Q", *chunk), digest_size=8).digest()
        out.append((band << 56) | (struct.unpack("<Q", digest)[0] & d._MASK56))
    return out


_CLAUSE = re.compile(r"(?<=[，。！？,.!?；;])")


def variant(ordinal: int) -> tuple[int, str, str]:
    """(review index, title, content) for the ordinal-th generated row. Round 0 replays each
    review as written; later rounds vary it (affixes, a dropped clause, a clause of another review)."""
    n = len(_REVIEWS)
    base = ordinal % n
    label, text = _REVIEWS[base]
    if ordinal < n:
        return base, "", text
    rng = random.Random(SEED * 7 + ordinal)
    clauses = [c for c in _CLAUSE.split(text) if c]
    r = rng.random()
    if r < 0.35 and len(clauses) > 2:
        del clauses[rng.randrange(len(clauses))]
    elif r < 0.6:
        other = _REVIEWS[rng.randrange(n)][1]
        oc = [c for c in _CLAUSE.split(other) if c]
        clauses.insert(rng.randrange(len(clauses) + 1), oc[rng.randrange(len(oc))] + "，")
    body = "".join(clauses)
    content = rng.choice(PREFIXES) + body + rng.choice(SUFFIXES)
    title = ""
    if rng.random() < 0.25:
        title = clauses[0].rstrip("，。！？,.!?；; ")[:40]
    return base, title, content


def work(span):
    """Tokens, fingerprints and similarity to the first replay of the same review, for a span of ordinals."""
    from feedback_archive.feedback import duplicates as d

    start, count = span
    out = []
    base_sets: dict[int, frozenset] = {}
    for ordinal in range(start, start + count):
        base, title, content = variant(ordinal)
        tokens = fast_search_tokens(f"{title} {content}")
        token_set = d.dedup_tokens(tokens)
        bands = fast_band_values(token_set)
        sim = None
        if ordinal >= len(_REVIEWS) and bands:
            bs = base_sets.get(base)
            if bs is None:
                bs = base_sets[base] = d.dedup_tokens(fast_search_tokens(f" {_REVIEWS[base][1]}"))
            sim = d.jaccard(token_set, bs)
        out.append((ordinal, base, title, content, f" {' '.join(tokens)} ", bands, sim))
    return out


def _self_check(reviews, sample=1500):
    """The cached paths must give exactly what feedback_create computes."""
    from feedback_archive.core import segmenter
    from feedback_archive.feedback import duplicates as d

    _worker_init(reviews)
    rng = random.Random(1)
    for _ in range(sample):
        ordinal = rng.randrange(0, 60 * len(reviews))
        _b, title, content = variant(ordinal)
        text = f"{title} {content}"
        slow = segmenter.search_tokens(text)
        fast = fast_search_tokens(text)
        assert slow == fast, (text, slow, fast)
        ts = d.dedup_tokens(slow)
        assert d.band_values(ts) == fast_band_values(ts), text
    print(f"self-check: cached tokens and bands equal segmenter/duplicates on {sample} samples", flush=True)


# --- main side: reference data and loading -----------------------------------------------------
def reference_data():
    from django.contrib.auth import get_user_model

    from feedback_archive.core.models import Team
    from feedback_archive.feedback.models import Channel, Reporter
    from feedback_archive.taxonomy.models import Label
    from feedback_archive.versions.models import Product, Release

    User = get_user_model()
    su, _ = User.objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True})
    su.is_staff = su.is_superuser = True
    su.set_password("bench-only")
    su.save()
    agents = []
    for i in range(12):
        u, _ = User.objects.get_or_create(username=f"agent{i:02d}", defaults={"is_staff": True, "first_name": f"坐席{i:02d}"})
        agents.append(u.pk)
    teams = [Team.objects.get_or_create(slug=s, defaults={"name": n})[0].pk for s, n in TEAMS]
    products = {}
    now = dt.datetime.now(dt.timezone.utc)
    for slug, name in PRODUCTS:
        p, _ = Product.objects.get_or_create(slug=slug, defaults={"name": name})
        rels = []
        # 24 releases, one a month over the two years, newest last
        for k in range(24):
            version = f"5.{k // 6}.{k % 6}"
            released = now - dt.timedelta(days=DAYS - 30 * k - 5)
            r = Release.objects.filter(product=p, platform="", version=version).first()
            if r is None:
                r = Release(product=p, platform="", version=version, released_at=released,
                            install_base=random.Random(k).randint(200, 2000))
                r.save()
            rels.append((r.released_at, r.pk, r.version))
        products[slug] = (p.pk, sorted(rels))
    channels = {c.slug: c.pk for c in Channel.objects.all()}
    if Reporter.objects.count() < 20_000:
        Reporter.objects.bulk_create(
            [Reporter(channel_id=channels[_weighted(random.Random(i), CHANNELS)], external_id=f"bench-u{i}",
                      name=f"用户{i}") for i in range(20_000)],
            batch_size=5000, ignore_conflicts=True,
        )
    reporters = list(Reporter.objects.values_list("id", flat=True)[:20_000])
    labels = {(lab.dimension.code, lab.code): (lab.dimension_id, lab.pk) for lab in Label.objects.select_related("dimension")}
    return {"su": su.pk, "agents": agents, "teams": teams, "products": products, "channels": channels,
            "reporters": reporters, "labels": labels, "now": now}


_HELD: dict[int, set] = {}  # canonical id → band values its cluster holds (link targets only)


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= (1 << 63) else v  # stored as signed 64-bit, as Django's BigIntegerField would


def _bands_to_store(fid, canonical, band_vals, *, is_target):
    if canonical is None:
        if is_target:
            _HELD[fid] = set(band_vals)
        return band_vals
    held = _HELD.setdefault(canonical, set())
    new = [v for v in band_vals if v not in held]
    held.update(new)
    return new


def load_held(max_target: int) -> None:
    """Band values held by each cluster whose canonical is a link target (a review's first replay),
    when growing an existing database."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT COALESCE(f.canonical_id, f.id), b.value FROM feedback_duplicateband b "
                    "JOIN feedback_feedback f ON f.id = b.feedback_id WHERE COALESCE(f.canonical_id, f.id) <= %s",
                    [max_target])
        for cid, value in cur.fetchall():
            _HELD.setdefault(cid, set()).add(value + (1 << 64) if value < 0 else value)


def rebuild_bands() -> None:
    """Rewrite every DuplicateBand row from the stored tokens with the current rule (after the
    fingerprint rule changed): rows in id order, so each cluster's values go to its earliest holder."""
    from django.db import connection

    from feedback_archive.feedback import duplicates as d

    t = time.time()
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT canonical_id FROM feedback_feedback WHERE canonical_id IS NOT NULL")
        targets = {r[0] for r in cur.fetchall()}
        cur.execute("DELETE FROM feedback_duplicateband")
    _HELD.clear()
    last, done, out = 0, 0, []
    while True:
        with connection.cursor() as cur:
            cur.execute("SELECT id, canonical_id, search_text FROM feedback_feedback WHERE id > %s ORDER BY id LIMIT 20000", [last])
            rows = cur.fetchall()
        if not rows:
            break
        for fid, canonical, text in rows:
            vals = fast_band_values(d.dedup_tokens(text.split()))
            out.extend((_signed(v), fid) for v in _bands_to_store(fid, canonical, vals, is_target=fid in targets))
        last, done = rows[-1][0], done + len(rows)
        load_chunk([("feedback_duplicateband", BAND_COLS, out)])
        out = []
        print(f"  bands rebuilt for {done:,} rows ({time.time() - t:.0f}s)", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE feedback_duplicateband")


def build_rows(results, ref, reviews):
    """Turn worker output into table rows (feedback, labels, transitions, replies, bands)."""
    import bisect

    now = ref["now"]
    fb, lab, trans, replies, bands = [], [], [], [], []
    for ordinal, base, title, content, search_text, band_vals, sim in results:
        rng = random.Random(SEED + ordinal)
        fid = ordinal + 1
        sentiment = reviews[base][0]
        channel = _weighted(rng, CHANNELS)
        platform = _weighted(rng, PLATFORMS)
        product = "im" if rng.random() < 0.75 else "meeting"
        received = now - dt.timedelta(seconds=rng.uniform(60, DAYS * 86400))
        rels = ref["products"][product][1]
        i = bisect.bisect_right([r[0] for r in rels], received) - 1
        release_id, app_version = (rels[i][1], rels[i][2]) if i >= 0 else (None, "")
        status = _weighted(rng, STATUSES)
        sev = _weighted(rng, SEV_W)
        team = rng.choice(ref["teams"]) if status != "pending" or rng.random() < 0.3 else None
        assignee = rng.choice(ref["agents"]) if status != "pending" else None
        canonical = similarity = None
        if sim is not None and sim >= 0.5:
            canonical, similarity = (base + 1), round(sim, 4)
        resolution = ""
        first_resp = resolved = None
        status_changed = received
        t = received
        steps = []
        if status != "pending":
            t = t + dt.timedelta(hours=rng.expovariate(1 / 10))
            first_resp = t
            if status == "closed" and rng.random() < 0.45:
                resolution = rng.choice(NON_FIX)
                steps.append(("close", "pending", "closed", t, received))
            else:
                steps.append(("start", "pending", "in_progress", t, received))
                if status in ("verifying", "closed"):
                    t2 = t + dt.timedelta(hours=rng.expovariate(1 / 48))
                    steps.append(("submit", "in_progress", "verifying", t2, t))
                    t = t2
                if status == "closed":
                    resolution = "fixed"
                    t2 = t + dt.timedelta(hours=rng.expovariate(1 / 24))
                    steps.append(("close", "verifying", "closed", t2, t))
                    t = t2
            if t > now:
                t = now - dt.timedelta(seconds=1)
            status_changed = t
            if status == "closed":
                resolved = t
        sla_due = received + dt.timedelta(hours=SLA_HOURS[sev])
        answered = first_resp or (now if status == "pending" else None)
        breached = bool(answered and answered > sla_due)
        reporter = rng.choice(ref["reporters"]) if channel in ("in_app", "ticket", "community") else None
        rating = None
        if channel == "app_store":
            rating = rng.choice([4, 5]) if sentiment else rng.choice([1, 2, 3])
        fb.append((
            fid, received, status_changed, f"bench-{ordinal}", title, content, platform, app_version, received,
            "zh-hans", rating, "{}", status, status_changed, resolution, "", first_resp, resolved, sla_due,
            breached, similarity, 0, search_text, None, 1, assignee, canonical, ref["channels"][channel], None,
            ref["products"][product][0], release_id, team, reporter, "understood", 0, 0, "",
        ))
        if rng.random() < 0.7 and status != "pending" or rng.random() < 0.3:
            intent = ("praise" if sentiment else _weighted(rng, [("complaint", 75), ("suggestion", 15), ("question", 10)]))
            who = rng.choice(ref["agents"])
            for dim, code in (("type", _weighted(rng, TYPE_W)), ("severity", sev), ("module", _weighted(rng, MOD_W)), ("intent", intent)):
                dim_id, label_id = ref["labels"][(dim, code)]
                lab.append((f"agent{who}", "admin", first_resp or received, who, dim_id, fid, label_id))
        for name, src, tgt, at, prev in steps:
            trans.append((name, src, tgt, "agent", "admin", "", at, "", resolution if name == "close" else "",
                          max((at - prev).total_seconds(), 0.0), assignee, fid, assignee, team))
        if status == "closed":
            replies.append((fid, reporter, "fixed" if resolution == "fixed" else "answered", "您好，问题已处理，感谢反馈。",
                            assignee, "agent", resolved))
        # as intake does: a canonical row keeps all its bands, a linked one only those its cluster lacks
        for v in _bands_to_store(fid, canonical, band_vals, is_target=ordinal < len(reviews)):
            bands.append((_signed(v), fid))
    return fb, lab, trans, replies, bands


FB_COLS = ("id, created_at, updated_at, external_id, title, content, platform, app_version, received_at, locale, rating, "
           "metadata, status, status_changed_at, resolution, no_reply_reason, first_response_at, resolved_at, sla_due_at, "
           "sla_breached, similarity, duplicate_count, search_text, classified_at, version, assignee_id, canonical_id, "
           "channel_id, fixed_in_id, product_id, release_id, team_id, reporter_id, "
           # the pipeline's columns (no database default): history rows are understood, as the model's default says
           "pipeline_state, pipeline_stage, pipeline_attempts, pipeline_error")
LAB_COLS = "confirmed_by_name, via, confirmed_at, confirmed_by_id, dimension_id, feedback_id, label_id"
TR_COLS = ("name, source, target, actor_name, via, owner_name, at, note, resolution, seconds_in_previous, actor_id, "
           "feedback_id, owner_id, team_id")
REPLY_COLS = "feedback_id, reporter_id, event, body, author_id, author_name, created_at"
BAND_COLS = "value, feedback_id"


def _sqlite_value(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, bool):
        return int(v)
    return v


def load_chunk(tables):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # consistent by construction: skip the per-row FK triggers while loading
            cur.execute("SET LOCAL session_replication_role = replica")
            for table, cols, rows in tables:
                with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            for table, cols, rows in tables:
                marks = ", ".join(["%s"] * len(cols.split(",")))
                cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                                [tuple(_sqlite_value(v) for v in row) for row in rows])


def finish():
    from django.db import connection

    t = time.time()
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE feedback_feedback SET duplicate_count = d.n FROM (SELECT canonical_id, COUNT(*) AS n FROM feedback_feedback "
            "WHERE canonical_id IS NOT NULL GROUP BY canonical_id) d WHERE feedback_feedback.id = d.canonical_id"
        )
        if connection.vendor == "postgresql":
            for table in ("feedback_feedback", "feedback_feedbacklabel", "workflow_transitionlog", "workflow_reply", "feedback_duplicateband"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
            cur.execute("ANALYZE")
        else:
            cur.execute("ANALYZE")
    print(f"duplicate counts, sequences, ANALYZE: {time.time() - t:.1f}s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="target total number of feedback rows")
    ap.add_argument("--db", required=True)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--rebuild-bands", action="store_true",
                    help="only rewrite the duplicate bands of the rows already there (after the fingerprint rule changed)")
    args = ap.parse_args()
    setup(args.db)
    from django.core.management import call_command
    from django.db import connection

    from feedback_archive.feedback.models import Feedback

    # other people add migrations while the bench runs: bring the schema up to date first
    call_command("migrate", interactive=False, verbosity=0)
    reviews = load_reviews()
    if not args.no_check:
        _self_check(reviews)
    ref = reference_data()
    have = Feedback.objects.count()
    max_id = Feedback.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if have != max_id:
        raise SystemExit(f"this database has {have} feedback rows but max id {max_id}: not a bench-generated database")
    if args.rebuild_bands:
        rebuild_bands()
        return
    todo = args.rows - have
    print(f"{len(reviews)} reviews; database has {have} rows, adding {max(todo, 0)}", flush=True)
    if todo <= 0:
        finish()
        return
    if have:
        load_held(len(reviews))
    spans = [(s, min(CHUNK // 4, args.rows - s)) for s in range(have, args.rows, CHUNK // 4)]
    started = time.time()
    done = 0
    batch = []
    ctx = mp.get_context("fork")
    connection.close()
    with ctx.Pool(args.procs, initializer=_worker_init, initargs=(reviews,)) as pool:
        for res in pool.imap(work, spans):
            batch.extend(res)
            if len(batch) >= CHUNK or done + len(batch) >= todo:
                fb, lab, trans, replies, bands = build_rows(batch, ref, reviews)
                load_chunk([
                    ("feedback_feedback", FB_COLS, fb), ("feedback_feedbacklabel", LAB_COLS, lab),
                    ("workflow_transitionlog", TR_COLS, trans), ("workflow_reply", REPLY_COLS, replies),
                    ("feedback_duplicateband", BAND_COLS, bands),
                ])
                done += len(batch)
                batch = []
                el = time.time() - started
                rate = done / el
                print(f"  {have + done:>9,} rows  {rate:,.0f} rows/s  eta {(todo - done) / rate:,.0f}s", flush=True)
    finish()
    print(json.dumps({"rows": args.rows, "added": todo, "seconds": round(time.time() - started, 1)}), flush=True)


if __name__ == "__main__":
    main()
