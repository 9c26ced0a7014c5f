"""Hot spots: problems (and, for reports not matched to a problem, terms) whose frequency in a period rises significantly above
their own baseline (the previous BASELINE_PERIODS periods of the same length).

The test: for a term seen in x documents this period, with a baseline rate of b documents per
period, scaled by how much total volume changed (so a busy week does not make every word "hot"),
the expected count is λ = max(b · volume_ratio, FLOOR). The term is a hot spot when the Poisson
upper tail P(X ≥ x | λ) is below ALPHA, x ≥ MIN_COUNT and x ≥ MIN_RATIO · λ."""
from __future__ import annotations

import math
from collections import Counter

from django.db import connection
from django.db.models import Count, F, Q

from feedback_archive.feedback.duplicates import STOPWORDS

from . import problems

BASELINE_PERIODS = 8
ALPHA = 0.001
MIN_COUNT = 5
MIN_RATIO = 2.0
FLOOR = 0.5
MAX_DOCS = 50_000  # a current period larger than this is read only in part (keeps the page fast)
BASELINE_SAMPLE = 20_000  # baseline documents read: a larger baseline is sampled uniformly by id


def poisson_sf(x: int, lam: float) -> float:
    """P(X ≥ x) for X ~ Poisson(lam)."""
    if x <= 0:
        return 1.0
    log_pmf = -lam  # k = 0
    cdf = math.exp(log_pmf)
    for k in range(1, x):
        log_pmf += math.log(lam) - math.log(k)
        cdf += math.exp(log_pmf)
    return max(0.0, 1.0 - cdf)


def _doc_frequencies(qs, sample_every: int = 1) -> tuple[Counter, int]:
    """Documents per token in `qs` (PostgreSQL: ts_stat over the stored search tsvectors) and the
    number of documents read: every `sample_every`-th item by id (ids carry no meaning for the
    text, so this is a uniform sample), at most MAX_DOCS."""
    qs = qs.order_by()
    if sample_every > 1:
        qs = qs.annotate(_k=F("id") % sample_every).filter(_k=0)
    if connection.vendor == "postgresql":
        import psycopg

        inner, params = qs.values("id")[:MAX_DOCS].query.sql_with_params()
        with connection.cursor() as cursor:
            # ts_stat takes its query as text: inline the parameters safely
            literal = psycopg.ClientCursor(connection.connection).mogrify(
                f"SELECT search_vector FROM feedback_feedback WHERE id IN ({inner})", params)
            # a word in one document of the whole period cannot matter; in a sample it may stand for several
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s) WHERE ndoc >= %s", [literal, 2 if sample_every == 1 else 1])
            counts = Counter(dict(cursor.fetchall()))
        return counts, min(qs.count(), MAX_DOCS) if sample_every > 1 else None
    counts: Counter = Counter()
    docs = 0
    for text in qs.values_list("search_text", flat=True)[:MAX_DOCS].iterator(chunk_size=2000):
        counts.update(set(text.split()))
        docs += 1
    return counts, docs


def _useful(term: str) -> bool:
    return len(term) >= 2 and term not in STOPWORDS and not term.replace(".", "").isdigit()


def _expected(base_total: float, volume_ratio: float) -> float:
    return max(base_total / BASELINE_PERIODS * volume_ratio, FLOOR)


def _test(x: int, base_total: float, volume_ratio: float) -> tuple[float, float]:
    lam = _expected(base_total, volume_ratio)
    return lam, poisson_sf(x, lam)


def rising_terms(qs_all, start, end, limit: int = 10, counts: tuple[int, int] | None = None,
                 exclude: Q | None = None) -> list[dict]:
    """`counts`: (items this period, items in the baseline periods) when the caller has them;
    `exclude`: items of this period left out (the members of rising problems, shown as problems)."""
    span = end - start
    current = qs_all.filter(received_at__gte=start, received_at__lt=end)
    if exclude is not None:
        current = current.exclude(exclude)
    baseline = qs_all.filter(received_at__gte=start - span * BASELINE_PERIODS, received_at__lt=start)
    n_cur, n_base = counts if counts is not None else (current.count(), baseline.count())
    if n_cur == 0:
        return []
    volume_ratio = n_cur / (n_base / BASELINE_PERIODS) if n_base else 1.0
    cur, _docs = _doc_frequencies(current)
    candidates = [t for t, x in cur.items() if x >= MIN_COUNT and _useful(t)]
    if not candidates:
        return []
    base = Counter()
    if n_base:
        # The baseline only sets each term's expected rate, so a uniform sample of it, scaled back
        # to the whole baseline, is enough (and keeps the weekly page fast at a million rows).
        raw, docs = _doc_frequencies(baseline, sample_every=math.ceil(n_base / BASELINE_SAMPLE))
        scale = n_base / docs if docs else 0.0
        base = Counter({t: raw[t] * scale for t in candidates if t in raw})
    hot = []
    for term in candidates:
        x = cur[term]
        if x < MIN_RATIO * _expected(base.get(term, 0), volume_ratio):
            continue  # cheap test first: the Poisson tail costs O(x)
        lam, p = _test(x, base.get(term, 0), volume_ratio)
        if p < ALPHA:
            hot.append({"term": term, "count": x, "expected": round(lam, 2), "ratio": round(x / lam, 1),
                        "p_value": float(f"{p:.3g}"), "baseline_per_period": round(base.get(term, 0) / BASELINE_PERIODS, 2)})
    hot.sort(key=lambda h: (h["p_value"], -h["count"]))
    hot = _drop_contained(hot)[:limit]
    for h in hot:
        h["examples"] = [{"id": i, "content": c[:200]} for i, c in
                         current.search(h["term"], ranked=False).order_by("-received_at").values_list("id", "content")[:3]]
    return hot


def _drop_contained(hot: list[dict]) -> list[dict]:
    """屏幕共享 and its pieces 屏幕 / 共享 rise together; keep the longest when counts are close."""
    kept: list[dict] = []
    for h in sorted(hot, key=lambda h: -len(h["term"])):
        if any(h["term"] in k["term"] and h["count"] <= k["count"] * 1.25 for k in kept):
            continue
        kept.append(h)
    return sorted(kept, key=lambda h: (h["p_value"], -h["count"]))


def _key_filter(keys) -> Q:
    """Items under any of the problem keys (see problems.problem_key), as index-friendly conditions."""
    pids = [-k for k in keys if k < 0]
    fids = [k for k in keys if k > 0]
    return (Q(problem_id__in=pids) | Q(problem__isnull=True, canonical_id__in=fids)
            | Q(problem__isnull=True, canonical__isnull=True, pk__in=fids))


def _count_keys(qs, keys) -> dict[int, int]:
    out: dict[int, int] = {}
    keys = list(keys)
    for i in range(0, len(keys), problems.CHUNK):
        chunk = keys[i:i + problems.CHUNK]
        for key, n in (qs.order_by().filter(_key_filter(chunk)).annotate(_key=problems.problem_key())
                       .values("_key").annotate(n=Count("*")).values_list("_key", "n")):
            out[key] = out.get(key, 0) + n
    return out


def _describe(rows: list[dict], qs) -> list[dict]:
    """Title, lead, evidence words and a few example reports for each problem row."""
    keys = [r["key"] for r in rows]
    info = problems.problem_rows(keys)
    words = problems.evidence_words(keys, qs)
    examples: dict[int, list] = {}
    if keys:
        for key, fid, content in (qs.order_by("-received_at").filter(_key_filter(keys))
                                  .annotate(_key=problems.problem_key()).values_list("_key", "id", "content")):
            if len(examples.setdefault(key, [])) < 3:
                examples[key].append({"id": fid, "content": content[:200]})
    for r in rows:
        i = info.get(r["key"], {})
        r.update({"kind": "problem", "problem": problems.key_problem(r["key"]), "id": i.get("lead"),
                  "title": i.get("title", ""), "term": None, "evidence": words.get(r["key"], []),
                  "examples": examples.get(r["key"], [])})
    return rows


def problem_spots(qs_all, start, end, counts: tuple[int, int] | None = None, limit: int = 10) -> dict:
    """Problems (problem keys: a problem, or an unmatched item with its copies) whose reports this
    period are significantly above (rising) or below (falling) their own baseline, scaled by the
    change in total volume. Rising: P(X ≥ x | λ) < ALPHA, x ≥ MIN_COUNT, x ≥ MIN_RATIO·λ. Falling:
    P(X ≤ x | λ) < ALPHA with λ ≥ MIN_COUNT and x ≤ λ / MIN_RATIO. One row per problem, its
    shared words as the evidence."""
    from scipy.stats import poisson

    span = end - start
    current = qs_all.filter(received_at__gte=start, received_at__lt=end)
    baseline = qs_all.filter(received_at__gte=start - span * BASELINE_PERIODS, received_at__lt=start)
    n_cur, n_base = counts if counts is not None else (current.count(), baseline.count())
    volume_ratio = n_cur / (n_base / BASELINE_PERIODS) if n_base and n_cur else 1.0
    cur = dict(current.order_by().annotate(_key=problems.problem_key()).values("_key")
           .annotate(n=Count("*")).filter(n__gte=MIN_COUNT).values_list("_key", "n"))
    base = _count_keys(baseline, cur) if cur and n_base else {}
    rising = []
    for key, x in cur.items():
        lam, p = _test(x, base.get(key, 0), volume_ratio)
        if p < ALPHA and x >= MIN_RATIO * lam:
            rising.append({"key": key, "count": x, "expected": round(lam, 2), "ratio": round(x / lam, 1),
                           "p_value": float(f"{p:.3g}"), "baseline_per_period": round(base.get(key, 0) / BASELINE_PERIODS, 2)})
    rising.sort(key=lambda h: (h["p_value"], -h["count"], h["key"]))
    falling = []
    if n_base:
        # a problem can only fall significantly from λ ≥ MIN_COUNT a period: its baseline total is at
        # least that many periods' worth (HAVING keeps the GROUP BY's output small)
        need = max(1, math.ceil(MIN_COUNT * BASELINE_PERIODS / max(volume_ratio, 1e-9)))
        before = dict(baseline.order_by().filter(Q(problem__isnull=False) | Q(canonical__isnull=False))
                      .annotate(_key=problems.problem_key()).values("_key").annotate(n=Count("*"))
                      .filter(n__gte=need).values_list("_key", "n"))
        now_counts = {**_count_keys(current, [k for k in before if k not in cur]), **cur}
        for key, b in before.items():
            lam = _expected(b, volume_ratio)
            x = now_counts.get(key, 0)
            if lam < MIN_COUNT or x > lam / MIN_RATIO:
                continue
            p = float(poisson.cdf(x, lam))
            if p < ALPHA:
                falling.append({"key": key, "count": x, "expected": round(lam, 2), "ratio": round(x / lam, 2),
                                "p_value": float(f"{p:.3g}"), "baseline_per_period": round(b / BASELINE_PERIODS, 2)})
        falling.sort(key=lambda h: (h["p_value"], h["count"], h["key"]))
    return {"rising": _describe(rising[:limit], current), "falling": _describe(falling[:limit], baseline),
            "rising_keys": [h["key"] for h in rising]}


def hot_spots(qs_all, start, end, counts: tuple[int, int] | None = None, limit: int = 10) -> dict:
    """The weekly hot spots: one row per rising problem, then the rising words of the items that
    are in none of them (reports not matched to a problem yet must not disappear), and the falling
    problems."""
    spots = problem_spots(qs_all, start, end, counts=counts, limit=limit)
    exclude = _key_filter(spots["rising_keys"]) if spots["rising_keys"] else None
    words = rising_terms(qs_all, start, end, limit=limit, counts=counts, exclude=exclude)
    for w in words:
        w.update({"kind": "words", "key": None, "problem": None, "id": None, "title": w["term"], "evidence": [w["term"]]})
    return {"hot_spots": spots["rising"] + words, "falling_problems": spots["falling"]}
