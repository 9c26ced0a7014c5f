"""Report figures, computed by the database (GROUP BY, ORDER BY/OFFSET for percentiles) — never by
looping over feedback rows in Python. Periods are in Asia/Shanghai; storage is UTC."""
from __future__ import annotations

import datetime as dt
import math

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone

from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.taxonomy.models import Label
from feedback_archive.versions.models import Release
from feedback_archive.workflow.models import Reply, Survey, TransitionLog
from feedback_archive.workflow.satisfaction import low_rating

from . import hotspots
from .periods import month_bounds, shift_month, shift_week, week_bounds

HIGH_PRIORITY = ("critical", "major")
FILTERS = ("product", "platform", "team", "channel")


def scoped(filters: dict | None = None):
    """Feedback limited by the report filters (product, platform, team, channel slugs)."""
    qs = Feedback.objects.all()
    f = filters or {}
    if f.get("product"):
        qs = qs.filter(product__slug=f["product"])
    if f.get("platform"):
        qs = qs.filter(platform=f["platform"])
    if f.get("team"):
        qs = qs.filter(team__slug=f["team"])
    if f.get("channel"):
        qs = qs.filter(channel__slug=f["channel"])
    return qs


def _iso(moment):
    return timezone.localtime(moment).isoformat() if moment else None


def label_counts(qs, dimension: str) -> dict[str, int]:
    rows = (FeedbackLabel.objects.filter(feedback__in=qs.values("pk"), dimension__code=dimension)
            .values("label__code").annotate(n=Count("id")))
    return {r["label__code"]: r["n"] for r in rows}


def distribution(qs, dimension: str, previous_qs=None) -> list[dict]:
    """Every label of the dimension with its count (zeros included), share, and change against
    the previous period; plus the unlabelled remainder."""
    counts = label_counts(qs, dimension)
    prev = label_counts(previous_qs, dimension) if previous_qs is not None else {}
    total = qs.count()
    out = []
    for lab in Label.objects.filter(dimension__code=dimension, is_active=True).order_by("order"):
        c, p = counts.get(lab.code, 0), prev.get(lab.code, 0)
        out.append({"label": lab.code, "name": lab.name_zh, "name_en": lab.name_en, "count": c, "previous": p,
                    "change": c - p, "change_pct": round((c - p) / p * 100, 1) if p else None,
                    "share": round(c / total, 4) if total else 0.0})
    labelled = sum(counts.values())
    out.append({"label": "unlabelled", "name": "未标注", "name_en": "unlabelled", "count": total - labelled,
                "previous": None, "change": None, "change_pct": None,
                "share": round((total - labelled) / total, 4) if total else 0.0})
    return out


def duration_stats(qs, start_field: str, end_field: str) -> dict:
    """Count, mean, median and p90 of end-start in hours. Percentiles are interpolated between
    the two nearest ranks (as PostgreSQL's percentile_cont), read with ORDER BY … OFFSET."""
    expr = ExpressionWrapper(F(end_field) - F(start_field), output_field=DurationField())
    base = qs.filter(**{f"{end_field}__isnull": False}).annotate(_d=expr).filter(_d__gte=dt.timedelta(0))
    n = base.count()
    if not n:
        return {"count": 0, "mean_hours": None, "median_hours": None, "p90_hours": None}
    total = base.aggregate(s=Sum("_d"))["s"]

    def hours(v):
        return round(v.total_seconds() / 3600, 2)

    def percentile(p):
        rank = p * (n - 1)
        lo = math.floor(rank)
        vals = list(base.order_by("_d").values_list("_d", flat=True)[lo:lo + 2])
        if len(vals) == 1 or rank == lo:
            return hours(vals[0])
        return hours(vals[0] + (vals[1] - vals[0]) * (rank - lo))

    return {"count": n, "mean_hours": hours(total / n), "median_hours": percentile(0.5), "p90_hours": percentile(0.9)}


def high_priority(qs_all, start, end) -> dict:
    hp = qs_all.with_labels("severity", HIGH_PRIORITY)
    received = hp.filter(received_at__gte=start, received_at__lt=end)
    return {
        "severities": list(HIGH_PRIORITY),
        "received": received.count(),
        "resolved": hp.filter(resolved_at__gte=start, resolved_at__lt=end, status=Status.CLOSED).count(),
        "open": received.exclude(status=Status.CLOSED).count(),
        "open_total": hp.exclude(status=Status.CLOSED).filter(received_at__lt=end).count(),
        "response": duration_stats(received, "received_at", "first_response_at"),
        "resolution": duration_stats(received, "received_at", "resolved_at"),
        "sla_breached": received.filter(sla_breached=True).count(),
    }


def weekly_report(*, week: str, filters: dict | None = None, weeks_back: int = 4) -> dict:
    start, end = week_bounds(week)
    qs_all = scoped(filters)
    this = qs_all.filter(received_at__gte=start, received_at__lt=end)
    prev_start, prev_end = week_bounds(shift_week(week, -1))
    prev = qs_all.filter(received_at__gte=prev_start, received_at__lt=prev_end)
    trend = []
    for n in range(weeks_back, -1, -1):
        w = shift_week(week, -n)
        s, e = week_bounds(w)
        wq = qs_all.filter(received_at__gte=s, received_at__lt=e)
        trend.append({"week": w, "received": wq.count(), "by_type_counts": label_counts(wq, "type"),
                      "by_severity_counts": label_counts(wq, "severity")})
    return {
        "kind": "weekly", "week": week, "start": _iso(start), "end": _iso(end), "timezone": str(start.tzinfo),
        "filters": {k: v for k, v in (filters or {}).items() if v},
        "received": this.count(), "previous_received": prev.count(),
        "type_distribution": distribution(this, "type", prev),
        "severity_distribution": distribution(this, "severity", prev),
        "module_distribution": distribution(this, "module", prev),
        "high_priority": high_priority(qs_all, start, end),
        "trend": trend,
        "hot_spots": hotspots.rising_terms(qs_all, start, end),
        "hot_clusters": hotspots.rising_clusters(qs_all, start, end),
        "generated_at": _iso(timezone.now()),
    }


def _previous_release(release: Release) -> Release | None:
    return (Release.objects.filter(product=release.product, platform=release.platform, is_known=True,
                                   version_key__lt=release.version_key).order_by("-version_key").first())


def release_density(release: Release, qs_all, until=None) -> dict:
    reported = qs_all.filter(release=release)
    count = reported.count()
    since = release.released_at or reported.order_by("received_at").values_list("received_at", flat=True).first()
    until = until or timezone.now()
    days = max((until - since).total_seconds() / 86400, 1.0) if since else None
    return {
        "release_id": release.pk, "version": release.version, "platform": release.platform,
        "released_at": _iso(release.released_at), "feedback": count, "days": round(days, 1) if days else None,
        "per_day": round(count / days, 2) if days else None,
        "per_thousand_users": round(count / release.install_base, 4) if release.install_base else None,
        "by_type": label_counts(reported, "type"), "by_severity": label_counts(reported, "severity"),
    }


def release_report(*, release_id: int, filters: dict | None = None) -> dict:
    release = Release.objects.select_related("product").get(pk=release_id)
    qs_all = scoped(filters)
    previous = _previous_release(release)
    nxt = (Release.objects.filter(product=release.product, platform=release.platform, is_known=True,
                                  version_key__gt=release.version_key).order_by("version_key").first())
    # density over the release's own life: from its date to the next release (or now)
    until = nxt.released_at if nxt and nxt.released_at else None
    on_release = qs_all.filter(release=release)
    earlier_releases = Release.objects.filter(product=release.product, version_key__lt=release.version_key)
    # a "problem" is a duplicate cluster (canonical id, or the item itself when it has none)
    clusters_here = set(on_release.annotate(cluster=_cluster()).values_list("cluster", flat=True).distinct())
    clusters_before = set(
        qs_all.filter(release__in=earlier_releases).annotate(cluster=_cluster())
        .filter(cluster__in=clusters_here).values_list("cluster", flat=True).distinct()
    )
    new_ids = sorted(clusters_here - clusters_before)
    new_problems = list(
        Feedback.objects.filter(pk__in=new_ids).annotate(n=F("duplicate_count") + 1).order_by("-n", "-received_at")
        .values("id", "title", "content", "n")[:20]
    )
    fixed_before = (Feedback.objects.filter(fixed_in__in=earlier_releases, resolution="fixed")
                    .annotate(cluster=_cluster()).values("cluster", "fixed_in__version"))
    fixed_map = {row["cluster"]: row["fixed_in__version"] for row in fixed_before.filter(cluster__in=clusters_here)}
    regressions = [
        {"id": row["id"], "cluster": row["cluster"], "content": row["content"][:200], "fixed_in": fixed_map[row["cluster"]]}
        for row in on_release.annotate(cluster=_cluster()).filter(cluster__in=list(fixed_map)).values("id", "cluster", "content")[:50]
    ]
    return {
        "kind": "release", "release": release_density(release, qs_all, until),
        "product": release.product.slug,
        "previous": release_density(previous, qs_all, release.released_at) if previous else None,
        "new_problems": [{"id": p["id"], "reports": p["n"], "text": (p["title"] or p["content"])[:200]} for p in new_problems],
        "new_problem_count": len(new_ids),
        "regressions": regressions,
        "generated_at": _iso(timezone.now()),
    }


def _cluster():
    from django.db.models.functions import Coalesce

    return Coalesce("canonical_id", "id")


def satisfaction_figures(qs_all, *, month: str, months_back: int = 5) -> dict:
    """Ratings given in the month (by `rated_at`) for feedback in scope: count, average, the 1–5
    distribution, the share at or below the low mark; and the months before, for the trend."""
    rated = Survey.objects.filter(feedback__in=qs_all.values("pk"), rating__isnull=False)
    start, end = month_bounds(month)
    low = low_rating()
    row = rated.filter(rated_at__gte=start, rated_at__lt=end).aggregate(
        count=Count("id"), average=Avg("rating"), low=Count("id", filter=Q(rating__lte=low)),
        **{f"r{n}": Count("id", filter=Q(rating=n)) for n in range(1, 6)},
    )
    prev_start = month_bounds(shift_month(month, -months_back))[0]
    prev = rated.filter(rated_at__gte=prev_start, rated_at__lt=start).aggregate(count=Count("id"), average=Avg("rating"))
    trend = []
    for n in range(months_back, 0, -1):
        m = shift_month(month, -n)
        s, e = month_bounds(m)
        t = rated.filter(rated_at__gte=s, rated_at__lt=e).aggregate(count=Count("id"), average=Avg("rating"))
        trend.append({"month": m, "count": t["count"],
                      "average": round(t["average"], 2) if t["average"] is not None else None})
    count = row["count"]
    return {
        "count": count,
        "average": round(row["average"], 2) if row["average"] is not None else None,
        "distribution": {str(n): row[f"r{n}"] for n in range(1, 6)},
        "low_threshold": low, "low": row["low"],
        "low_share": round(row["low"] / count, 4) if count else None,
        "previous_count": prev["count"],
        "previous_average": round(prev["average"], 2) if prev["average"] is not None else None,
        "trend": trend,
    }


def monthly_report(*, month: str, filters: dict | None = None, months_back: int = 5) -> dict:
    start, end = month_bounds(month)
    qs_all = scoped(filters)
    received = qs_all.filter(received_at__gte=start, received_at__lt=end)
    closed = qs_all.filter(resolved_at__gte=start, resolved_at__lt=end, status=Status.CLOSED)
    by_team = []
    for team in received.values("team__slug", "team__name").annotate(n=Count("id")).order_by("-n"):
        tq = received.filter(team__slug=team["team__slug"]) if team["team__slug"] else received.filter(team__isnull=True)
        by_team.append({"team": team["team__slug"], "name": team["team__name"] or "未分配", "received": team["n"],
                        "response": duration_stats(tq, "received_at", "first_response_at"),
                        "resolution": duration_stats(tq, "received_at", "resolved_at")})
    by_severity = []
    for lab in Label.objects.filter(dimension__code="severity").order_by("order"):
        sq = received.with_labels("severity", [lab.code])
        by_severity.append({"severity": lab.code, "name": lab.name_zh, "received": sq.count(),
                            "response": duration_stats(sq, "received_at", "first_response_at"),
                            "resolution": duration_stats(sq, "received_at", "resolved_at")})
    stages = list(
        TransitionLog.objects.filter(at__gte=start, at__lt=end, feedback__in=qs_all.values("pk"))
        .values("source").annotate(steps=Count("id"), total_seconds=Sum("seconds_in_previous")).order_by("source")
    )
    replied = closed.filter(Q(pk__in=Reply.objects.values("feedback_id"))).count()
    n_closed = closed.count()
    trend = []
    for n in range(months_back, -1, -1):
        m = shift_month(month, -n)
        s, e = month_bounds(m)
        mq = qs_all.filter(received_at__gte=s, received_at__lt=e)
        trend.append({"month": m, "received": mq.count(),
                      "resolution": duration_stats(mq, "received_at", "resolved_at")["median_hours"]})
    return {
        "kind": "monthly", "month": month, "start": _iso(start), "end": _iso(end),
        "filters": {k: v for k, v in (filters or {}).items() if v},
        "received": received.count(), "closed": n_closed,
        "response": duration_stats(received, "received_at", "first_response_at"),
        "resolution": duration_stats(received, "received_at", "resolved_at"),
        "by_team": by_team, "by_severity": by_severity,
        "stage_hours": [{"state": s["source"], "steps": s["steps"],
                         "mean_hours": round(s["total_seconds"] / s["steps"] / 3600, 2)} for s in stages],
        "reply_rate": round(replied / n_closed, 4) if n_closed else None,
        "replied": replied,
        "satisfaction": satisfaction_figures(qs_all, month=month, months_back=months_back),
        "trend": trend,
        "generated_at": _iso(timezone.now()),
    }
