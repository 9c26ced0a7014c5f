"""Report figures, computed by the database — never by looping over feedback rows in Python.

Each report is a handful of grouped statements: one conditional aggregate (COUNT … FILTER) for the
counts of all the periods it shows, one join of the confirmed labels for all label counts, and one
statement per grouping for durations with their median and p90 (`aggregates.durations`:
`percentile_cont` on PostgreSQL). Periods are in Asia/Shanghai; storage is UTC."""
from __future__ import annotations

from django.db.models import Avg, Case, CharField, Count, Exists, F, Min, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.versions.models import Release
from feedback_archive.workflow.models import Reply, ReplyEvent, Survey, TransitionLog
from feedback_archive.workflow.satisfaction import low_rating

from . import hotspots
from .aggregates import EMPTY, RESOLUTION, RESPONSE, duration_stats, durations
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
        "hot_spots": hotspots.rising_terms(qs_all, start, end, counts=(counts[week], counts["baseline"])),
        "hot_clusters": hotspots.rising_clusters(qs_all, start, end),
        "generated_at": _iso(timezone.now()),
    }


def _previous_release(release: Release) -> Release | None:
    return (Release.objects.filter(product=release.product, platform=release.platform, is_known=True,
                                   version_key__lt=release.version_key).order_by("-version_key").first())


def _densities(pairs: list[tuple[Release, object]], filters) -> list[dict]:
    """Feedback per day (and per thousand users) for each (release, until) — one count and one
    label-count statement for all of them."""
    ids = [r.pk for r, _u in pairs]
    qs_all = scoped(filters)
    rows = {r["release_id"]: r for r in qs_all.filter(release_id__in=ids).order_by().values("release_id")
            .annotate(n=Count("*"), first=Min("received_at"))}
    links = FeedbackLabel.objects.filter(scope_q(filters, "feedback__"), feedback__release_id__in=ids,
                                         label_id__in=[lab["id"] for lab in _labels("type", "severity")])
    by_label = _label_counts(links, {"n": Q()}, group="feedback__release_id")
    now = timezone.now()
    out = []
    for release, until in pairs:
        row = rows.get(release.pk, {"n": 0, "first": None})
        count = row["n"]
        since = release.released_at or row["first"]
        until = until or now
        days = max((until - since).total_seconds() / 86400, 1.0) if since else None
        out.append({
            "release_id": release.pk, "version": release.version, "platform": release.platform,
            "released_at": _iso(release.released_at), "feedback": count, "days": round(days, 1) if days else None,
            "per_day": round(count / days, 2) if days else None,
            "per_thousand_users": round(count / release.install_base, 4) if release.install_base else None,
            "by_type": by_label.get((release.pk, "n", "type"), {}),
            "by_severity": by_label.get((release.pk, "n", "severity"), {}),
        })
    return out


def release_density(release: Release, qs_all=None, until=None, filters: dict | None = None) -> dict:
    return _densities([(release, until)], filters)[0]


def _cluster():
    return Coalesce("canonical_id", "id")


def release_report(*, release_id: int, filters: dict | None = None) -> dict:
    release = Release.objects.select_related("product").get(pk=release_id)
    qs_all = scoped(filters)
    previous = _previous_release(release)
    nxt = (Release.objects.filter(product=release.product, platform=release.platform, is_known=True,
                                  version_key__gt=release.version_key).order_by("version_key").first())
    # density over the release's own life: from its date to the next release (or now)
    until = nxt.released_at if nxt and nxt.released_at else None
    pairs = [(release, until)] + ([(previous, release.released_at)] if previous else [])
    density = _densities(pairs, filters)
    on_release = qs_all.filter(release=release).order_by()
    earlier_ids = list(Release.objects.filter(product=release.product, version_key__lt=release.version_key)
                       .values_list("id", flat=True))
    # A "problem" is a duplicate cluster (canonical id, or the item itself when it has none); it is
    # new when no item of the cluster was reported on an earlier release. Two anti-joins (the
    # cluster's duplicates, its canonical item) probe the canonical and primary-key indexes.
    earlier = qs_all.filter(release_id__in=earlier_ids)
    new_ids = sorted(
        on_release.annotate(cluster=_cluster()).values_list("cluster", flat=True).distinct()
        .filter(~Exists(earlier.filter(canonical_id=OuterRef("cluster"))),
                ~Exists(earlier.filter(pk=OuterRef("cluster"), canonical__isnull=True)))
    ) if earlier_ids else sorted(on_release.annotate(cluster=_cluster()).values_list("cluster", flat=True).distinct())
    new_problems = list(
        Feedback.objects.filter(pk__in=new_ids).annotate(n=F("duplicate_count") + 1).order_by("-n", "-received_at")
        .values("id", "title", "content", "n")[:20]
    )
    # clusters closed as fixed in an earlier release (few rows: fixed_in is set by hand) …
    fixed_map = {}
    for row in (Feedback.objects.filter(fixed_in_id__in=earlier_ids, resolution="fixed").annotate(cluster=_cluster())
                .order_by("fixed_in__version_key", "id").values("cluster", "fixed_in__version")):
        fixed_map[row["cluster"]] = row["fixed_in__version"]
    # … that have a report on this release
    regressions = [
        {"id": row["id"], "cluster": row["cluster"], "content": row["content"][:200], "fixed_in": fixed_map[row["cluster"]]}
        for row in on_release.annotate(cluster=_cluster()).filter(cluster__in=list(fixed_map)).order_by("id")
        .values("id", "cluster", "content")[:50]
    ] if fixed_map else []
    return {
        "kind": "release", "release": density[0],
        "product": release.product.slug,
        "previous": density[1] if previous else None,
        "new_problems": [{"id": p["id"], "reports": p["n"], "text": (p["title"] or p["content"])[:200]} for p in new_problems],
        "new_problem_count": len(new_ids),
        "regressions": regressions,
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
    from feedback_archive.core.models import Team

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
