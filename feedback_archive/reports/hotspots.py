"""Hot spots: terms and duplicate clusters whose frequency in a period rises significantly above
their own baseline (the previous BASELINE_PERIODS periods of the same length).

The test: for a term seen in x documents this period, with a baseline rate of b documents per
period, scaled by how much total volume changed (so a busy week does not make every word "hot"),
the expected count is λ = max(b · volume_ratio, FLOOR). The term is a hot spot when the Poisson
upper tail P(X ≥ x | λ) is below ALPHA, x ≥ MIN_COUNT and x ≥ MIN_RATIO · λ."""
from __future__ import annotations

import math
from collections import Counter

from django.db import connection
from django.db.models import Count, F

from feedback_archive.feedback.duplicates import STOPWORDS

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


def rising_terms(qs_all, start, end, limit: int = 10, counts: tuple[int, int] | None = None) -> list[dict]:
    """`counts`: (items this period, items in the baseline periods) when the caller has them."""
    span = end - start
    current = qs_all.filter(received_at__gte=start, received_at__lt=end)
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


def rising_clusters(qs_all, start, end, limit: int = 10) -> list[dict]:
    """Duplicate clusters (canonical items) getting significantly more reports than before."""
    from feedback_archive.feedback.models import Feedback

    span = end - start
    cur = dict(qs_all.filter(received_at__gte=start, received_at__lt=end, canonical__isnull=False)
               .values_list("canonical_id").annotate(n=Count("id")).filter(n__gte=MIN_COUNT - 2))
    if not cur:
        return []
    base = dict(qs_all.filter(received_at__gte=start - span * BASELINE_PERIODS, received_at__lt=start,
                              canonical_id__in=list(cur)).values_list("canonical_id").annotate(n=Count("id")))
    out = []
    for cid, x in cur.items():
        lam, p = _test(x, base.get(cid, 0), 1.0)
        if p < ALPHA and x >= MIN_RATIO * lam:
            out.append({"canonical": cid, "count": x, "expected": round(lam, 2), "p_value": float(f"{p:.3g}")})
    out.sort(key=lambda h: (h["p_value"], -h["count"]))
    texts = dict(Feedback.objects.filter(pk__in=[h["canonical"] for h in out[:limit]]).values_list("id", "content"))
    for h in out[:limit]:
        h["text"] = texts.get(h["canonical"], "")[:200]
    return out[:limit]
