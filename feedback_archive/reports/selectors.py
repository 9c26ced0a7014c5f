"""Report figures, computed by the database — never by looping over feedback rows in Python.

Each report is a handful of grouped statements: one conditional aggregate (COUNT … FILTER) for the
counts of all the periods it shows, one join of the confirmed labels for all label counts, and one
statement per grouping for durations with their median and p90 (`aggregates.durations`:
`percentile_cont` on PostgreSQL). Periods are in Asia/Shanghai; storage is UTC."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import (Avg, BigIntegerField, Case, CharField, Count, Exists, F, Min, OuterRef, Q, Subquery, Sum,
                              Value, When)
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback_archive.core.models import Team
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel, Problem
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Release
from feedback_archive.workflow.models import Reply, ReplyEvent, Survey, TransitionLog
from feedback_archive.workflow.satisfaction import low_rating

from . import conf, hotspots, problems
from .aggregates import EMPTY, RESOLUTION, RESPONSE, duration_stats, durations
from .db import report_statements
from .periods import month_bounds, shift_month, shift_week, week_bounds

HIGH_PRIORITY = ("critical", "major")
FILTERS = ("product", "platform", "team", "channel")
BOTH = {"response": RESPONSE, "resolution": RESOLUTION}
OPEN = [s for s in Status.values if s != Status.CLOSED]

__all__ = ["FILTERS", "HIGH_PRIORITY", "duration_stats", "monthly_report", "release_report", "scoped", "weekly_report"]


def scope_q(filters: dict | None = None, prefix: str = "") -> Q:
    """The report filters (product, platform, team, channel slugs) as a condition on feedback,
    reached through `prefix` (e.g. "feedback__" from a label or a transition)."""
    f = filters or {}
    q = Q()
    for key, lookup in (("product", "product__slug"), ("platform", "platform"), ("team", "team__slug"),
                        ("channel", "channel__slug")):
        if f.get(key):
            q &= Q(**{f"{prefix}{lookup}": f[key]})
    return q


def scoped(filters: dict | None = None):
    """Feedback limited by the report filters."""
    return Feedback.objects.filter(scope_q(filters))


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def _in(start, end, field: str = "received_at", prefix: str = "") -> Q:
    return Q(**{f"{prefix}{field}__gte": start, f"{prefix}{field}__lt": end})


def _labels(*dimensions: str) -> list[dict]:
    return list(Label.objects.filter(dimension__code__in=dimensions).order_by("order", "code")
                .values("id", "code", "name_zh", "name_en", "is_active", "dimension_id", "dimension__code"))


def _label_counts(links, by: dict, group: str | None = None) -> dict:
    """Confirmed labels per (group, dimension code) → {label code: count}, counted with one
    conditional aggregate per key of `by` ({key: Q on the link}). Zero counts are left out."""
    code = dict(Label.objects.values_list("id", "code"))
    dims = dict(Dimension.objects.values_list("id", "code"))
    fields = ["dimension_id", "label_id"] + ([group] if group else [])
    out: dict = {}
    for row in links.order_by().values(*fields).annotate(**{k: Count("id", filter=q) for k, q in by.items()}):
        for k in by:
            if row[k]:
                key = (row[group] if group else None, k, dims.get(row["dimension_id"]))
                out.setdefault(key, {})
                out[key][code[row["label_id"]]] = out[key].get(code[row["label_id"]], 0) + row[k]
    return out


def _distribution(labels: list[dict], dimension: str, counts: dict, prev: dict, total: int) -> list[dict]:
    """Every active label of the dimension with its count (zeros included), share, and change
    against the previous period; plus the unlabelled remainder."""
    out = []
    for lab in labels:
        if lab["dimension__code"] != dimension or not lab["is_active"]:
            continue
        c, p = counts.get(lab["code"], 0), prev.get(lab["code"], 0)
        out.append({"label": lab["code"], "name": lab["name_zh"], "name_en": lab["name_en"], "count": c, "previous": p,
                    "change": c - p, "change_pct": round((c - p) / p * 100, 1) if p else None,
                    "share": round(c / total, 4) if total else 0.0})
    labelled = sum(counts.values())  # inactive labels included: only items without any label are 未标注
    out.append({"label": "unlabelled", "name": "未标注", "name_en": "unlabelled", "count": total - labelled,
                "previous": None, "change": None, "change_pct": None,
                "share": round((total - labelled) / total, 4) if total else 0.0})
    return out


def high_priority(filters, start, end) -> dict:
    hp = scoped(filters).with_labels("severity", HIGH_PRIORITY)
    received = durations(hp.filter(_in(start, end)), BOTH, extra={
        "open": Count(Value(1), filter=~Q(status=Status.CLOSED)),
        "sla_breached": Count(Value(1), filter=Q(sla_breached=True)),
    }).get(None, {"n": 0, "open": 0, "sla_breached": 0})
    return {
        "severities": list(HIGH_PRIORITY),
        "received": received["n"],
        "resolved": hp.filter(_in(start, end, "resolved_at"), status=Status.CLOSED).count(),
        "open": received["open"],
        "open_total": hp.filter(status__in=OPEN, received_at__lt=end).count(),
        "response": received.get("response", dict(EMPTY)),
        "resolution": received.get("resolution", dict(EMPTY)),
        "sla_breached": received["sla_breached"],
    }


def weekly_report(*, week: str, filters: dict | None = None, weeks_back: int = 4) -> dict:
    start, end = week_bounds(week)
    qs_all = scoped(filters)
    prev_week = shift_week(week, -1)
    trend_weeks = [shift_week(week, -n) for n in range(weeks_back, -1, -1)]
    periods = {w: week_bounds(w) for w in {*trend_weeks, prev_week}}
    base_start = start - (end - start) * hotspots.BASELINE_PERIODS
    lo = min(base_start, *(s for s, _e in periods.values()))
    # every count of the report in one pass over the date range
    keys = {w: f"w{i}" for i, w in enumerate(periods)}  # SQL aliases
    row = qs_all.filter(received_at__gte=lo, received_at__lt=end).aggregate(
        baseline=Count(Value(1), filter=_in(base_start, start)),
        **{keys[w]: Count(Value(1), filter=_in(s, e)) for w, (s, e) in periods.items()},
    )
    counts = {"baseline": row["baseline"], **{w: row[keys[w]] for w in periods}}
    labels = _labels("type", "severity", "module")
    links = FeedbackLabel.objects.filter(
        scope_q(filters, "feedback__"), label_id__in=[lab["id"] for lab in labels],
        feedback__received_at__gte=min(s for s, _e in periods.values()), feedback__received_at__lt=end,
    )
    by_label = {(g, w, d): c for (g, k, d), c in _label_counts(
        links, {keys[w]: _in(s, e, prefix="feedback__") for w, (s, e) in periods.items()}).items()
        for w in periods if keys[w] == k}

    def dist(dimension):
        return _distribution(labels, dimension, by_label.get((None, week, dimension), {}),
                             by_label.get((None, prev_week, dimension), {}), counts[week])

    spots = hotspots.hot_spots(qs_all, start, end, counts=(counts[week], counts["baseline"]))
    return {
        "kind": "weekly", "week": week, "start": _iso(start), "end": _iso(end), "timezone": str(start.tzinfo),
        "filters": {k: v for k, v in (filters or {}).items() if v},
        "received": counts[week], "previous_received": counts[prev_week],
        "type_distribution": dist("type"),
        "severity_distribution": dist("severity"),
        "module_distribution": dist("module"),
        "high_priority": high_priority(filters, start, end),
        "trend": [{"week": w, "received": counts[w], "by_type_counts": by_label.get((None, w, "type"), {}),
                   "by_severity_counts": by_label.get((None, w, "severity"), {})} for w in trend_weeks],
        **spots,
        # the rising problems in the shape of the earlier duplicate-cluster rows (kept for API clients)
        "hot_clusters": [{"canonical": h["id"], "problem": h["problem"], "count": h["count"], "expected": h["expected"],
                          "p_value": h["p_value"], "text": h["title"]} for h in spots["hot_spots"] if h["kind"] == "problem"],
        "generated_at": _iso(timezone.now()),
    }


def _previous_release(release: Release) -> Release | None:
    return (Release.objects.filter(product=release.product, platform=release.platform, is_known=True,
                                   version_key__lt=release.version_key).order_by("-version_key").first())


def _window(release: Release, first_report=None) -> tuple:
    """The release's own density window: its first REPORTS_RELEASE_WINDOW_DAYS days from its
    release date (or, without one, from its first report)."""
    since = release.released_at or first_report
    if since is None:
        return None, None
    return since, since + dt.timedelta(days=conf.get("REPORTS_RELEASE_WINDOW_DAYS"))


def release_problems(release: Release, filters: dict | None = None) -> dict:
    """The problems reported on a release: {key: grouped row + "new"} (problem_key, one GROUP BY),
    and the density figures of the release. A problem is **new** on the release when none of its
    members is on an earlier release of the product and its first release is not an earlier one."""
    qs_all = scoped(filters)
    on_release = qs_all.filter(release=release)
    since, end = _window(release, None if release.released_at else on_release.aggregate(m=Min("received_at"))["m"])
    rows = problems.grouped(on_release, window_end=end) if end else {}
    # Old keys: a problem whose first release is an earlier one of the product (kept by the problem
    # services); otherwise, for keys with members elsewhere, any member on an earlier release. A
    # lone report (no problem, no duplicates) is new by definition.
    old = {k for k, r in rows.items() if r["pfirst"] is not None and r["pproduct"] == release.product_id
           and r["pfirst"] < release.version_key}
    check = [k for k, r in rows.items() if r["linked"] and r["pfirst"] is None and k not in old]
    earlier_ids = list(Release.objects.filter(product=release.product, version_key__lt=release.version_key)
                       .values_list("id", flat=True))
    if check and earlier_ids:
        old |= problems.keys_with_items(qs_all.filter(release_id__in=earlier_ids), check)
    for key, row in rows.items():
        row["new"] = key not in old
    now = timezone.now()
    in_window = Counter(r["kind"] for r in rows.values() if r["new"] and r["early"])
    days = None
    if since:
        days = min(max((min(now, end) - since).total_seconds() / 86400, 1.0), float(conf.get("REPORTS_RELEASE_WINDOW_DAYS")))
    defects = in_window["defect"]
    density = {
        "release_id": release.pk, "version": release.version, "platform": release.platform,
        "released_at": _iso(release.released_at), "feedback": sum(r["reports"] for r in rows.values()),
        "problems": len(rows), "new_problems_total": sum(1 for r in rows.values() if r["new"]),
        "window_start": _iso(since), "window_end": _iso(end), "window_days": conf.get("REPORTS_RELEASE_WINDOW_DAYS"),
        "window_complete": bool(end and now >= end), "days": round(days, 1) if days else None,
        # new problems first reported within the window, by kind; density counts the defects
        "new_in_window": {k: in_window[k] for k in ("defect", "consultation", "praise", "unlabelled")},
        "per_day": round(defects / days, 2) if days else None,
        "per_thousand_users": round(defects / release.install_base, 4) if release.install_base else None,
        "install_base_thousands": release.install_base,
    }
    return {"rows": rows, "density": density, "window": (since, end)}


def _sort_key(item):
    key, row = item
    return (-row["reporters"], -row["reports"], key)


KIND_ORDER = {"defect": 0, "unlabelled": 1, "consultation": 2, "praise": 3}


def _release_label_counts(release_ids: list[int], filters: dict | None) -> dict:
    """{(release id, "n", dimension code): {label code: count}}: the confirmed type and severity
    labels of the releases' reports. Driven from the releases' rows (read from fb_report_release),
    one probe of the (feedback, dimension) index per row and dimension: joined from the label side,
    PostgreSQL hashed the releases' rows and scanned every type and severity label of the archive
    (100k rows: 213 → 90 ms in EXPLAIN ANALYZE; the scan grows with the archive, the probes with
    the release)."""
    code = {lab["id"]: (lab["dimension__code"], lab["code"]) for lab in _labels("type", "severity")}
    dims = dict(Dimension.objects.filter(code__in=["type", "severity"]).values_list("code", "id"))
    # both labels of an item from ONE probe of the (feedback, dimension) index: type id × PAIR +
    # severity id (label ids are far below PAIR); two sub-queries probed it twice per item
    # (1M rows, two releases, 67k items: 650–1,300 ms for the statement)
    pair = Subquery(FeedbackLabel.objects.filter(feedback_id=OuterRef("pk"), dimension_id__in=list(dims.values()) or [0])
                    .order_by().values("feedback_id")
                    .annotate(m=Sum(Case(When(dimension_id=dims.get("type", 0), then=F("label_id") * _PAIR),
                                         default=F("label_id"), output_field=BigIntegerField())))
                    .values("m")[:1], output_field=BigIntegerField())
    rows = (Feedback.objects.filter(scope_q(filters), release_id__in=release_ids).order_by()
            .annotate(_p=pair).values("release_id", "_p").annotate(n=Count("id")))
    out: dict = {}
    for row in rows:
        packed = row["_p"] or 0
        for lab in divmod(packed, _PAIR):
            if lab in code:
                dim, label_code = code[lab]
                counts = out.setdefault((row["release_id"], "n", dim), {})
                counts[label_code] = counts.get(label_code, 0) + row["n"]
    return out


_PAIR = 1 << 32


def release_report(*, release_id: int, filters: dict | None = None) -> dict:
    """The release review, by problem. `problem_index` holds every problem of the release in report
    order (compact), so a stored snapshot can be paged through (`release_page`)."""
    release = Release.objects.select_related("product").get(pk=release_id)
    qs_all = scoped(filters)
    previous = _previous_release(release)
    this = release_problems(release, filters)
    prev = release_problems(previous, filters) if previous else None
    # confirmed labels of the reports of both releases (as before problems were counted): one statement
    ids = [release.pk] + ([previous.pk] if previous else [])
    by_label = _release_label_counts(ids, filters)
    for r, fig in ((release, this), (previous, prev)):
        if fig is not None:
            fig["density"]["by_type"] = by_label.get((r.pk, "n", "type"), {})
            fig["density"]["by_severity"] = by_label.get((r.pk, "n", "severity"), {})
    rows = this["rows"]
    ordered = sorted(rows.items(), key=lambda kv: (KIND_ORDER[kv[1]["kind"]], *_sort_key(kv)))
    index = [[k, r["reports"], r["reporters"], r["channels"], r["kind"], r["new"]] for k, r in ordered]
    since, end = this["window"]
    # regressions: problems reopened by a report in the window (regressed_at, set by the problem
    # services), and problems fixed in an earlier release that have a report on this one
    earlier_keys = set(Release.objects.filter(product=release.product, version_key__lt=release.version_key)
                       .values_list("id", flat=True))
    regressed: dict[int, dict] = {}
    # the few problems fixed in an earlier release or reopened in the window, then those on this release
    cond = Q(fixed_in_id__in=earlier_keys)
    if since:
        cond |= Q(regressed_at__gte=since, regressed_at__lt=end)
    for p in Problem.objects.filter(cond).values("id", "fixed_in__version", "regressed_at"):
        if -p["id"] in rows:
            regressed[-p["id"]] = {"fixed_in": p["fixed_in__version"], "regressed_at": _iso(p["regressed_at"])}
    # items without a problem: their duplicate cluster closed as fixed in an earlier release
    fixed_map = {}
    for row in (Feedback.objects.filter(fixed_in_id__in=earlier_keys, resolution="fixed", problem__isnull=True)
                .annotate(cluster=Coalesce("canonical_id", "id")).order_by("fixed_in__version_key", "id")
                .values("cluster", "fixed_in__version")):
        fixed_map.setdefault(row["cluster"], row["fixed_in__version"])
    for key in rows:
        if key > 0 and key in fixed_map:
            regressed[key] = {"fixed_in": fixed_map[key], "regressed_at": None}
    on_release = qs_all.filter(release=release)
    first_item = {}
    if regressed:
        for key, fid in (on_release.order_by().annotate(_k=problems.problem_key())
                         .filter(Q(problem_id__in=[-k for k in regressed if k < 0]) | Q(
                             problem__isnull=True, canonical_id__in=[k for k in regressed if k > 0]) | Q(
                             problem__isnull=True, pk__in=[k for k in regressed if k > 0]))
                         .values("_k").annotate(first=Min("id")).values_list("_k", "first")):
            first_item[key] = fid
    info = problems.problem_rows(list(regressed), on_release)
    regressions = sorted(({
        "id": first_item.get(k), "key": k, "problem": problems.key_problem(k), "title": info.get(k, {}).get("title", ""),
        "content": info.get(k, {}).get("title", ""), "fixed_in": v["fixed_in"], "regressed_at": v["regressed_at"],
        "reports": rows[k]["reports"], "reporters": rows[k]["reporters"],
    } for k, v in regressed.items()), key=lambda g: (-g["reporters"], g["id"] or 0))
    # problems of the previous release nobody reported in this release's window (on any release)
    gone = []
    if prev and since:
        prev_keys = list(prev["rows"])
        window_items = qs_all.filter(product=release.product, received_at__gte=since, received_at__lt=end)
        still = problems.keys_in(window_items)
        gone_keys = sorted((k for k in prev_keys if k not in still),
                           key=lambda k: (KIND_ORDER[prev["rows"][k]["kind"]], *_sort_key((k, prev["rows"][k]))))
        info = problems.problem_rows(gone_keys[:50])
        gone = [{"key": k, "problem": problems.key_problem(k), "id": info.get(k, {}).get("lead"),
                 "title": info.get(k, {}).get("title", ""), "kind": prev["rows"][k]["kind"],
                 "reports": prev["rows"][k]["reports"], "reporters": prev["rows"][k]["reporters"]} for k in gone_keys[:50]]
        gone_count = len(gone_keys)
    else:
        gone_count = 0
    data = {
        "kind": "release", "release": this["density"],
        "product": release.product.slug,
        "filters": {k: v for k, v in (filters or {}).items() if v},
        "previous": prev["density"] if prev else None,
        "problem_count": len(rows),
        "new_problem_count": this["density"]["new_problems_total"],
        "problem_index": index,
        "regressions": regressions,
        "no_longer_reported": gone, "no_longer_reported_count": gone_count,
        "generated_at": _iso(timezone.now()),
    }
    page = release_page(data, page=1)
    data["problems"] = page["problems"]
    data["new_problems"] = [p for p in page["problems"]["results"] if p["new"]]
    return data


PROBLEM_KINDS = ("defect", "consultation", "praise", "unlabelled")  # the sections, in KIND_ORDER


def release_page(data: dict, *, page: int = 1, page_size: int | None = None, problem_kind: str | None = None,
                 section_pages: dict | None = None) -> dict:
    """One page of the release report's problems, read from its `problem_index` (fresh or stored)
    with the current titles; the index itself is left out of what is returned. `problem_kind`
    pages through one kind only; `problem_kinds` counts every kind of the whole index.
    `section_pages` ({kind: page}) adds `sections`: one page of each kind present, so praise and
    consultation are shown apart from the defects (the admin page)."""
    page_size = page_size or conf.get("REPORTS_PROBLEM_PAGE_SIZE")
    full = data.get("problem_index") or []
    index = [r for r in full if r[4] == problem_kind] if problem_kind else full
    pages = max(1, -(-len(index) // page_size))
    page = min(max(1, page), pages)
    chunk = index[(page - 1) * page_size: page * page_size]
    release_id = data["release"]["release_id"]
    info = problems.problem_rows([r[0] for r in chunk], scoped(data.get("filters")).filter(release_id=release_id))
    results = []
    for key, reports, reporters, channels, kind, new, *_rest in chunk:
        p = info.get(key, {})
        results.append({
            "key": key, "problem": problems.key_problem(key), "id": p.get("lead"), "title": p.get("title", ""),
            "text": p.get("title", ""), "severity": p.get("severity"), "severity_name": p.get("severity_name"),
            "kind": kind, "new": new, "reports": reports, "reporters": reporters, "channels": channels,
            "channel_names": p.get("channel_names", []),
        })
    out = {k: v for k, v in data.items() if k != "problem_index"}
    out["problems"] = {"count": len(index), "page": page, "pages": pages, "page_size": page_size,
                       "kind": problem_kind, "results": results}
    counts = Counter(r[4] for r in full)
    out["problem_kinds"] = {k: counts[k] for k in PROBLEM_KINDS}
    if section_pages is not None:
        out["sections"] = [{"kind": k, **release_page(data, page=section_pages.get(k, 1), page_size=page_size,
                                                      problem_kind=k)["problems"]}
                           for k in PROBLEM_KINDS if counts[k]]
    return out


def top_problems_report(*, filters: dict | None = None, week: str | None = None, month: str | None = None,
                        page: int = 1, page_size: int = 50) -> dict:
    """Top problems by distinct reporters: all-time, or in one ISO week or month (Asia/Shanghai)."""
    start = end = None
    if week:
        start, end = week_bounds(week)
    elif month:
        start, end = month_bounds(month)
    with report_statements():
        ranked = problems.top_problems(filters=filters, start=start, end=end, page=page, page_size=page_size)
    return {
        "kind": "top_problems", "period": week or month or "all", "start": _iso(start), "end": _iso(end),
        "filters": {k: v for k, v in (filters or {}).items() if v}, "problems": ranked,
        "generated_at": _iso(timezone.now()),
    }


def satisfaction_figures(filters, *, month: str, months_back: int = 5) -> dict:
    """Ratings given in the month (by `rated_at`) for feedback in scope: count, average, the 1–5
    distribution, the share at or below the low mark; and the months before, for the trend —
    one conditional aggregate."""
    start, end = month_bounds(month)
    prev_start = month_bounds(shift_month(month, -months_back))[0]
    low = low_rating()
    months = {shift_month(month, -n): month_bounds(shift_month(month, -n)) for n in range(months_back, 0, -1)}
    this, before = _in(start, end, "rated_at"), _in(prev_start, start, "rated_at")
    row = Survey.objects.filter(scope_q(filters, "feedback__"), rating__isnull=False,
                                rated_at__gte=prev_start, rated_at__lt=end).aggregate(
        count=Count("id", filter=this), average=Avg("rating", filter=this),
        low=Count("id", filter=this & Q(rating__lte=low)),
        **{f"r{n}": Count("id", filter=this & Q(rating=n)) for n in range(1, 6)},
        prev_count=Count("id", filter=before), prev_average=Avg("rating", filter=before),
        **{f"n{i}": Count("id", filter=_in(s, e, "rated_at")) for i, (s, e) in enumerate(months.values())},
        **{f"a{i}": Avg("rating", filter=_in(s, e, "rated_at")) for i, (s, e) in enumerate(months.values())},
    )
    count = row["count"]
    return {
        "count": count,
        "average": round(row["average"], 2) if row["average"] is not None else None,
        "distribution": {str(n): row[f"r{n}"] for n in range(1, 6)},
        "low_threshold": low, "low": row["low"],
        "low_share": round(row["low"] / count, 4) if count else None,
        "previous_count": row["prev_count"],
        "previous_average": round(row["prev_average"], 2) if row["prev_average"] is not None else None,
        "trend": [{"month": m, "count": row[f"n{i}"],
                   "average": round(row[f"a{i}"], 2) if row[f"a{i}"] is not None else None} for i, m in enumerate(months)],
    }


def monthly_report(*, month: str, filters: dict | None = None, months_back: int = 5) -> dict:
    start, end = month_bounds(month)
    qs_all = scoped(filters)
    received = qs_all.filter(_in(start, end))
    overall = durations(received, BOTH).get(None, {"n": 0, "response": dict(EMPTY), "resolution": dict(EMPTY)})
    # by team: one GROUP BY; named like the team filter (slug), unassigned last among equals
    teams = {t["id"]: t for t in Team.objects.values("id", "slug", "name")}
    by_team = [
        {"team": teams[k]["slug"] if k else None, "name": teams[k]["name"] if k else "未分配", "received": fig["n"],
         "response": fig["response"], "resolution": fig["resolution"]}
        for k, fig in durations(received, BOTH, group="team_id").items()
    ]
    by_team.sort(key=lambda t: (-t["received"], t["team"] is None, t["team"] or ""))
    # by severity: one GROUP BY over the (feedback, severity) link
    sev_labels = _labels("severity")
    sev = durations(received.filter(label_links__label_id__in=[lab["id"] for lab in sev_labels]),
                    BOTH, group="label_links__label_id") if sev_labels else {}
    by_severity = [
        {"severity": lab["code"], "name": lab["name_zh"], "received": sev.get(lab["id"], {}).get("n", 0),
         "response": sev.get(lab["id"], {}).get("response", dict(EMPTY)),
         "resolution": sev.get(lab["id"], {}).get("resolution", dict(EMPTY))}
        for lab in sev_labels
    ]
    transitions = TransitionLog.objects.filter(scope_q(filters, "feedback__"), at__gte=start, at__lt=end)
    stages = list(transitions.values("source").annotate(steps=Count("id"), total_seconds=Sum("seconds_in_previous"))
                  .order_by("source"))
    closing = qs_all.filter(_in(start, end, "resolved_at"), status=Status.CLOSED).aggregate(
        n=Count("*"), replied=Count(Value(1), filter=Q(Exists(
            Reply.objects.filter(feedback_id=OuterRef("pk")).exclude(event=ReplyEvent.RECEIVED)))))
    n_closed, replied = closing["n"], closing["replied"]
    # six-month trend: received and median resolution per month, one GROUP BY over a month bucket
    months = {shift_month(month, -n): month_bounds(shift_month(month, -n)) for n in range(months_back, -1, -1)}
    bucket = Case(*(When(_in(s, e), then=Value(m)) for m, (s, e) in months.items()), output_field=CharField())  # a value, not an alias
    lo = min(s for s, _e in months.values())
    per_month = durations(qs_all.filter(received_at__gte=lo, received_at__lt=end), {"resolution": RESOLUTION}, group=bucket)
    trend = [{"month": m, "received": per_month.get(m, {}).get("n", 0),
              "resolution": per_month.get(m, {}).get("resolution", EMPTY)["median_hours"]} for m in months]
    return {
        "kind": "monthly", "month": month, "start": _iso(start), "end": _iso(end),
        "filters": {k: v for k, v in (filters or {}).items() if v},
        "received": overall["n"], "closed": n_closed,
        "response": overall["response"],
        "resolution": overall["resolution"],
        "by_team": by_team, "by_severity": by_severity,
        "stage_hours": [{"state": s["source"], "steps": s["steps"],
                         "mean_hours": round(s["total_seconds"] / s["steps"] / 3600, 2)} for s in stages],
        "reply_rate": round(replied / n_closed, 4) if n_closed else None,
        "replied": replied,
        "satisfaction": satisfaction_figures(filters, month=month, months_back=months_back),
        "trend": trend,
        "generated_at": _iso(timezone.now()),
    }
