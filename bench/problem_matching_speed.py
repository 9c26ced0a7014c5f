#!/usr/bin/env python
"""Speed of problem matching (`feedback_match`) against a filled bench database.

    .venv/bin/python bench/generate.py --rows 100000 --db postgres://postgres@127.0.0.1:5432/fa_prob_bench
    .venv/bin/python bench/problem_matching_speed.py --db postgres://postgres@127.0.0.1:5432/fa_prob_bench

First run: every stored item is put in a problem the way the migration does it (a canonical item
leads the problem of its near-copies; every other item is a problem of one) and the concept index
is built for each problem's lead. Then `--items` new reports (real review text from
/work/shared/data, stored through `feedback_create`) are matched one call per item, after their
intake near-copy link is cleared so each takes the full path (concept look-up, scoring, join or
new problem + proposals) rather than the near-copy shortcut: p50/p95/max per item. Then
`--batch` more in one call (throughput in the worker). Prints the in-process memory: the fitted
weights and the caches.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import load_avg, setup


def backfill() -> None:
    from django.db import connection

    from feedback_archive.feedback import matching
    from feedback_archive.feedback.models import Problem, ProblemTerm

    if Problem.objects.exists():
        return
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO feedback_problem (created_at, updated_at, title, title_locked, labels_locked, member_count,"
            " reporter_count, channel_count, version, lead_id, product_id, first_seen_at, last_seen_at)"
            " SELECT now(), now(), left(content, 60), false, false, 1, 1, 1, 1, id, product_id, received_at,"
            " received_at FROM feedback_feedback WHERE canonical_id IS NULL")
        cur.execute(
            "UPDATE feedback_feedback f SET problem_id = p.id FROM feedback_problem p"
            " WHERE p.lead_id = COALESCE(f.canonical_id, f.id)")
        cur.execute(
            "UPDATE feedback_problem p SET member_count = c.n, reporter_count = c.n FROM"
            " (SELECT problem_id, count(*) AS n FROM feedback_feedback GROUP BY problem_id) c WHERE c.problem_id = p.id")
    print(f"problems: {Problem.objects.count():,} in {time.perf_counter() - t:.1f}s", flush=True)
    t = time.perf_counter()
    rows, n = [], 0
    leads = Problem.objects.values_list("id", "lead__title", "lead__content", "lead__search_text").iterator(
        chunk_size=5000)
    for pid, title, content, tokens in leads:
        rows.extend(ProblemTerm(problem_id=pid, term=h) for h in matching.term_hashes(f"{title} {content}",
                                                                                      tokens or None))
        if len(rows) >= 20_000:
            ProblemTerm.objects.bulk_create(rows, ignore_conflicts=True)
            n += len(rows)
            rows = []
    ProblemTerm.objects.bulk_create(rows, ignore_conflicts=True)
    n += len(rows)
    print(f"concept index: {n:,} rows in {time.perf_counter() - t:.1f}s", flush=True)
    # what autovacuum does on a live database: statistics for the planner (the concept index was
    # estimated at 2,000 rows per term without them) and a visibility map for index-only scans
    with connection.cursor() as cur:
        for table in ("feedback_problemterm", "feedback_problem", "feedback_feedback"):
            cur.execute(f"VACUUM ANALYZE {table}")


def texts(k: int, seed: int) -> list[str]:
    import csv

    rng = random.Random(seed)
    out = []
    for name in ("waimai_10k.csv", "ChnSentiCorp_htl_all.csv"):
        with open(Path("/work/shared/data") / name, encoding="utf-8") as fh:
            out += [row["review"] for row in csv.DictReader(fh) if len(row.get("review") or "") >= 8]
    return rng.sample(out, k)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--items", type=int, default=300, help="new items matched one per call (a job of one)")
    ap.add_argument("--batch", type=int, default=600, help="new items matched in jobs of each --sizes")
    ap.add_argument("--sizes", default="20,200", help="job sizes (the pipeline's match stage takes chunks of 200)")
    ap.add_argument("--seed", type=int, default=7, help="which review texts are the new items")
    ap.add_argument("--dump", help="write every new item's placement and proposals here (to compare two runs)")
    args = ap.parse_args()
    setup(args.db)
    from django.db import connection, transaction

    from feedback_archive.core.actors import Actor
    from feedback_archive.feedback import matching
    from feedback_archive.feedback.models import Feedback, Problem, ProblemProposal, ProblemTerm
    from feedback_archive.feedback.services import feedback_create, feedback_match
    from feedback_archive.feedback.services.intake import feedback_index
    from feedback_archive.feedback.services.matching import vectoriser, vectoriser_reset

    backfill()
    stored = Feedback.objects.count()
    print(f"db {connection.vendor}: {stored:,} feedback, {Problem.objects.count():,} problems, "
          f"{ProblemTerm.objects.count():,} concept rows; load {load_avg()}", flush=True)
    vectoriser_reset()
    tracemalloc.start()
    t = time.perf_counter()
    vec = vectoriser()
    fit_s = time.perf_counter() - t
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"fit on the newest sample and warm the member vectors: {fit_s:.1f}s; weights "
          f"{vec.tfidf.idf_.nbytes / 2**20:.1f} MiB; member vectors {len(vec._rows):,} "
          f"({_cache_bytes(vec) / 2**20:.1f} MiB); peak while fitting {peak / 2**20:.0f} MiB", flush=True)

    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    importer = Actor.system("import")
    sample = texts(args.items + args.batch * len(sizes), seed=args.seed)
    run = int(time.time())
    ids = []
    for n, text in enumerate(sample):
        fb, _ = feedback_create(channel="in_app", external_id=f"speed-{run}-{n}", content=text, actor=importer)
        ids.append(fb.pk)
    Feedback.objects.filter(pk__in=ids).update(canonical=None, similarity=None)  # the full path, not the copy shortcut
    feedback_index(feedback_ids=ids)  # the pipeline's tokens stage, which runs before matching
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def jobs(chunk: list[int], size: int) -> tuple[list[float], list[float], float, float, int]:
        """Match `chunk` in jobs of `size`, each in one transaction as the worker's match stage runs
        (intake/pipeline.py): wall and CPU per job, totals, SQL statements."""
        walls, cpus = [], []
        statements[0] = 0
        t0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            for start in range(0, len(chunk), size):
                t, c = time.perf_counter(), time.process_time()
                with transaction.atomic():
                    feedback_match(feedback_ids=chunk[start:start + size])
                walls.append((time.perf_counter() - t) * 1000)
                cpus.append((time.process_time() - c) * 1000)
        return walls, cpus, time.perf_counter() - t0, time.process_time() - c0, statements[0]

    def pct(values, q):
        values = sorted(values)
        return values[int(q * (len(values) - 1))]

    # wall time includes waiting for a core and for PostgreSQL (the machine is shared); CPU time is
    # this process's (matching itself, Django, the driver), not PostgreSQL's
    single, rest = ids[:args.items], ids[args.items:]
    if single:
        walls, cpus, took, took_cpu, n_sql = jobs(single, 1)
        print(f"one item per call ({len(single)}): wall p50 {statistics.median(walls):.1f} ms, p95 {pct(walls, .95):.1f} ms, "
              f"max {max(walls):.1f} ms; CPU p50 {statistics.median(cpus):.1f} ms, p95 {pct(cpus, .95):.1f} ms; "
              f"{n_sql / len(single):.1f} SQL statements per item; {len(single) / took:.0f} items/s; "
              f"load {load_avg()}", flush=True)
    for k, size in enumerate(sizes):
        chunk = rest[k * args.batch:(k + 1) * args.batch]
        walls, cpus, took, took_cpu, n_sql = jobs(chunk, size)
        print(f"jobs of {size} ({len(chunk)} items, {len(walls)} jobs): {len(chunk) / took:.0f} items/s wall, "
              f"{len(chunk) / took_cpu:.0f} items/s of CPU ({took_cpu * 1000 / len(chunk):.2f} ms CPU per item); "
              f"per job wall p50 {statistics.median(walls):.0f} ms, p95 {pct(walls, .95):.0f} ms; "
              f"{n_sql / len(chunk):.2f} SQL statements per item ({n_sql / len(walls):.1f} per job); "
              f"load {load_avg()}", flush=True)
    joined = Feedback.objects.filter(pk__in=ids, problem_score__isnull=False).count()
    print(f"of {len(ids)} new items: {joined} joined a problem; "
          f"caches: concepts {matching.concepts.cache_info().currsize}, features {matching.features.cache_info().currsize}"
          f", member vectors {len(vec._rows):,} ({_cache_bytes(vec) / 2**20:.1f} MiB of vectors and texts)")
    if args.dump:
        # placements by the problem's lead (new problems are led by new items: the same ids on two
        # copies of one template), proposals the same way
        lead = dict(Problem.objects.filter(members__in=ids).values_list("id", "lead_id"))
        with open(args.dump, "w", encoding="utf-8") as fh:
            for n, (fid, pid, score, evidence) in enumerate(Feedback.objects.filter(pk__in=ids).order_by("id").values_list(
                    "id", "problem_id", "problem_score", "problem_evidence")):
                fh.write(f"item {n} {fid} -> lead {lead.get(pid)} score {score} {evidence}\n")
            for fid, pid, score, evidence in ProblemProposal.objects.filter(feedback__in=ids).order_by(
                    "feedback_id", "problem_id").values_list("feedback_id", "problem__lead_id", "score", "evidence"):
                fh.write(f"proposal {fid} -> lead {pid} score {score} {evidence}\n")


def _cache_bytes(vec) -> int:
    """What the vectoriser's kept rows hold: per block 4-byte columns and weights, plus the text keys."""
    total = 0
    for doc, blocks in list(vec._rows.items()):
        texts = doc if isinstance(doc, tuple) else (doc,)
        total += sum(len(t.encode()) for t in texts if t) + sum(c.nbytes + v.nbytes for c, v in blocks)
    return total


if __name__ == "__main__":
    main()
