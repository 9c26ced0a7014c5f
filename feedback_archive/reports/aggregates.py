"""Durations and their percentiles for the reports, one statement per grouping.

A duration is `end - start` in seconds, counted only where `end` is set and not before `start`.
Median and p90 are interpolated between the two nearest ranks, exactly as PostgreSQL's
`percentile_cont` (and numpy's default): rank = p · (n − 1), value = v[⌊rank⌋] + (v[⌊rank⌋+1] −
v[⌊rank⌋]) · (rank − ⌊rank⌋). PostgreSQL computes them with `percentile_cont … WITHIN GROUP` in the
same GROUP BY as the counts; SQLite has no ordered-set aggregates, so there the group's durations
are fetched once and the same interpolation is done in Python."""
from __future__ import annotations

import math
from collections import defaultdict

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, IntegerField, Sum, Value

RESPONSE = ("received_at", "first_response_at")
RESOLUTION = ("received_at", "resolved_at")
EMPTY = {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None}


class Seconds(Func):
    """`end - start` in seconds as a float; NULL when `end` is missing or earlier than `start`
    (so COUNT, SUM and percentile_cont skip it without a FILTER clause)."""

    output_field = FloatField()

    def __init__(self, start: str, end: str):
        super().__init__(F(start), F(end))

    def _parts(self, compiler, connection):
        (s, s_params), (e, e_params) = (compiler.compile(x) for x in self.get_source_expressions())
        return s, tuple(s_params), e, tuple(e_params)

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        s, sp, e, ep = self._parts(compiler, connection)
        return (f"CASE WHEN {e} >= {s} THEN EXTRACT(EPOCH FROM ({e} - {s}))::double precision END",
                ep + sp + ep + sp)

    def as_sqlite(self, compiler, connection, **extra):
        s, sp, e, ep = self._parts(compiler, connection)
        diff = f"(julianday({e}) - julianday({s})) * 86400.0"
        return f"CASE WHEN {diff} >= 0 THEN {diff} END", ep + sp + ep + sp


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile: `percentile_cont(p) WITHIN GROUP (ORDER BY expr)`."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def percentile(values: list[float], p: float) -> float | None:
    """`values` sorted ascending; the same interpolation as percentile_cont."""
    if not values:
        return None
    rank = p * (len(values) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (rank - lo)


def _hours(seconds):
    return round(seconds / 3600, 2)


def _stats(n, total, p50, p90) -> dict:
    if not n:
        return dict(EMPTY)
    return {"count": n, "mean_hours": _hours(total / n), "median_hours": _hours(p50), "p90_hours": _hours(p90)}


def stats_of(values: list[float]) -> dict:
    """Count, mean, median and p90 (hours) of durations in seconds, any order."""
    v = sorted(values)
    return _stats(len(v), math.fsum(v), percentile(v, 0.5), percentile(v, 0.9))


def use_sql_percentiles() -> bool:
    return connection.vendor == "postgresql"


def durations(qs, measures: dict[str, tuple[str, str]], group=None, extra: dict | None = None,
              in_sql: bool | None = None) -> dict:
    """Per group of `qs`: the row count as "n", each `extra` aggregate, and for each measure
    {name: (start_field, end_field)} its count, mean, median and p90 in hours. `group` is a field
    name or expression (None: one group, keyed None). Groups without rows are absent.

    PostgreSQL: one statement. Otherwise: one aggregate statement for the counts and one fetch of
    the durations, interpolated in Python. `in_sql` forces either path (tests compare them)."""
    in_sql = use_sql_percentiles() if in_sql is None else in_sql
    extra = extra or {}
    grouped = qs.order_by()
    if group is not None:
        grouped = grouped.annotate(_g=F(group) if isinstance(group, str) else group).values("_g")
    aggs = {"n": Count("*"), **extra}  # COUNT(*): no column outside the covering index
    if in_sql:
        for name, (start, end) in measures.items():
            aggs[f"{name}__n"] = Count(Seconds(start, end))
            aggs[f"{name}__sum"] = Sum(Seconds(start, end))
            aggs[f"{name}__p50"] = PercentileCont(Seconds(start, end), 0.5)
            aggs[f"{name}__p90"] = PercentileCont(Seconds(start, end), 0.9)
    rows = [grouped.aggregate(**aggs)] if group is None else list(grouped.annotate(**aggs))
    out = {}
    for row in rows:
        if not row["n"]:
            continue
        key = row.get("_g")
        fig = {"n": row["n"], **{k: row[k] for k in extra}}
        if in_sql:
            for name in measures:
                fig[name] = _stats(row[f"{name}__n"], row[f"{name}__sum"], row[f"{name}__p50"], row[f"{name}__p90"])
        out[key] = fig
    if not in_sql and out and measures:
        values: dict = defaultdict(lambda: defaultdict(list))
        fetch = qs.order_by().annotate(_g=Value(None, output_field=IntegerField()) if group is None else (F(group) if isinstance(group, str) else group),
                                       **{f"_m_{name}": Seconds(*fields) for name, fields in measures.items()})
        names = list(measures)
        for row in fetch.values_list("_g", *(f"_m_{name}" for name in names)).iterator(chunk_size=5000):
            for name, v in zip(names, row[1:]):
                if v is not None:
                    values[row[0]][name].append(v)
        for key, fig in out.items():
            for name in names:
                fig[name] = stats_of(values[key][name])
    return out


def duration_stats(qs, start_field: str, end_field: str) -> dict:
    """Count, mean, median and p90 of end − start in hours over `qs`."""
    fig = durations(qs, {"d": (start_field, end_field)}).get(None)
    return fig["d"] if fig else dict(EMPTY)
