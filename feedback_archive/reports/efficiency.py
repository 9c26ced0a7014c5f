"""The efficiency review: where the time goes, per owner and per team, for one month.

Every time figure is given on both clocks and says which: `business_hours` (the SLA's working-hours
calendar: SLA_BUSINESS_HOURS on SLA_WORKING_WEEKDAYS in SLA_TIME_ZONE, the holiday calendar and its
make-up days, SLA pauses left out) and `calendar_hours` (wall-clock time). Stage figures come from
the stage ledger (workflow/ledger.py): a span belongs to the month in which it *ended* and to the
owner and team at its end. Open age and workload are "now" figures (as_of), not the month's.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.models import Team
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback
from feedback_archive.workflow.ledger import hours_summary, item_handoffs, stage_spans

from .periods import month_bounds

DRILL_LIMIT = 200  # ids per row for the drill-down; the counts are exact
AGE_BUCKETS = [("<1d", 1), ("1-3d", 3), ("3-7d", 7), ("7-30d", 30), (">30d", None)]
OPEN = [s for s in Status.values if s != Status.CLOSED]


def clocks() -> dict:
    opens, closes = settings.SLA_BUSINESS_HOURS
    days = settings.SLA_WORKING_WEEKDAYS
    tz = settings.SLA_TIME_ZONE
    return {
        "business": f"business hours: {opens}–{closes} on weekdays {','.join(str(d + 1) for d in days)} ({tz}), "
                    "holiday calendar applied, SLA pauses excluded",
        "calendar": "calendar hours: wall-clock time, 24 h a day",
    }


def _stage_rows(spans: list[dict], key: str, names: dict) -> list[dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for span in spans:
        groups[(span[key], span["state"])].append(span)
    rows = []
    for (group, state), members in groups.items():
        members.sort(key=lambda s: -s["business_seconds"])
        rows.append({
            key: group, "name": names.get(group) or "", "state": state, "spans": len(members),
            "items": len({m["feedback_id"] for m in members}),
            "business_hours": hours_summary([m["business_seconds"] for m in members]),
            "calendar_hours": hours_summary([m["calendar_seconds"] for m in members]),
            "feedback_ids": list(dict.fromkeys(m["feedback_id"] for m in members))[:DRILL_LIMIT],
        })
    rows.sort(key=lambda r: (r["name"] or "~", Status.values.index(r["state"]) if r["state"] in Status.values else 9))
    return rows


def _open_age(base, now: dt.datetime) -> dict:
    ages = base.filter(status__in=OPEN).values_list("pk", "received_at")
    buckets = {name: [] for name, _days in AGE_BUCKETS}
    for pk, received in ages:
        days = (now - received).total_seconds() / 86400
        for name, limit in AGE_BUCKETS:
            if limit is None or days < limit:
                buckets[name].append(pk)
                break
    return {"as_of": timezone.localtime(now).isoformat(), "clock": "calendar",
            "measured_from": "received_at",
            "buckets": [{"bucket": name, "items": len(ids), "feedback_ids": ids[:DRILL_LIMIT]}
                        for name, ids in buckets.items()]}


def _workload(base) -> list[dict]:
    rows = (base.filter(status__in=OPEN).values("assignee_id", "assignee__username", "team__slug")
            .annotate(open=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in OPEN})
            .order_by("-open", "assignee__username"))
    out: dict = {}
    for r in rows:  # one row per agent; an agent working for two teams lists both
        row = out.setdefault(r["assignee_id"], {"assignee_id": r["assignee_id"],
                                                 "assignee": r["assignee__username"] or "", "teams": [],
                                                 "open": 0, **dict.fromkeys(OPEN, 0)})
        row["teams"].append(r["team__slug"])
        row["open"] += r["open"]
        for s in OPEN:
            row[s] += r[s]
    return sorted(out.values(), key=lambda r: (-r["open"], r["assignee"]))


def _sla_breaches(base, start, end, teams: dict) -> list[dict]:
    rows = (base.filter(received_at__gte=start, received_at__lt=end, sla_due_at__isnull=False)
            .values("team_id").annotate(with_sla=Count("id"), breached=Count("id", filter=Q(sla_breached=True)))
            .order_by("team_id"))
    out = [{"team": teams.get(r["team_id"], {}).get("slug"), "name": teams.get(r["team_id"], {}).get("name", ""),
            "items_with_sla": r["with_sla"], "breached": r["breached"],
            "share": round(r["breached"] / r["with_sla"], 4) if r["with_sla"] else None} for r in rows]
    return sorted(out, key=lambda r: (-r["breached"], r["name"]))


def efficiency_report(*, month: str, team: str | None = None, now: dt.datetime | None = None,
                      now_figures: bool = True) -> dict:
    """The whole review as plain data (the admin page, the API and the monthly report share it).
    `now_figures=False` leaves out open age and workload (the monthly summary does not carry them:
    at 1M rows they read every open item, ~400k, and took ~4 s of the monthly report's time)."""
    try:
        start, end = month_bounds(month)
    except (ValueError, OverflowError):  # a month the calendar cannot hold (0000-01, 9999-12)
        raise ApplicationError("bad month", fields={"month": [_("'%(month)s' is out of range.") % {"month": month}]}) from None
    now = now or timezone.now()
    teams = {t["id"]: t for t in Team.objects.values("id", "slug", "name")}
    team_id = None
    if team:
        team_id = next((k for k, t in teams.items() if t["slug"] == team), 0)  # unknown slug: an empty report
    spans = stage_spans(start=start, end=end, team_id=team_id)
    owners = {s["owner_id"]: s["owner"] for s in spans}
    team_names = {k: t["name"] for k, t in teams.items()}
    base = Feedback.objects.all() if team_id is None else Feedback.objects.filter(team_id=team_id)

    closed = base.filter(status=Status.CLOSED, resolved_at__gte=start, resolved_at__lt=end)
    per_item = item_handoffs(feedback_ids=list(closed.values_list("pk", flat=True)), source=closed)
    dist = {"0": 0, "1": 0, "2": 0, "3+": 0}
    for n in per_item.values():
        dist[str(n) if n < 3 else "3+"] += 1
    top = sorted(((n, fid) for fid, n in per_item.items() if n), reverse=True)[:20]
    return {
        "kind": "efficiency", "month": month, "start": timezone.localtime(start).isoformat(),
        "end": timezone.localtime(end).isoformat(), "team": team or None,
        "clocks": clocks(),
        "includes": {
            "stages": "status spans that ended in the month (one TransitionLog row each), attributed to the owner "
                      "and team when the span ended; median and p90 per owner/team and state",
            "handoffs": "items closed in the month; a hand-off is a change of assignee or team after the first owner",
            "open_age": "items open now, by calendar age since received",
            "workload": "items open now, per assignee (unassigned: assignee null)",
            "sla_breaches": "items received in the month that have an SLA target, per team",
        },
        "stages": {"by_owner": _stage_rows(spans, "owner_id", owners),
                   "by_team": _stage_rows(spans, "team_id", team_names)},
        "handoffs": {"items": len(per_item), "total": sum(per_item.values()),
                     "mean": round(sum(per_item.values()) / len(per_item), 2) if per_item else None,
                     "max": max(per_item.values(), default=0), "distribution": dist,
                     "top": [{"feedback_id": fid, "handoffs": n} for n, fid in top]},
        "open_age": _open_age(base, now) if now_figures else None,
        "workload": _workload(base) if now_figures else None,
        "sla_breaches": _sla_breaches(base, start, end, teams),
    }


def efficiency_summary(*, month: str, filters: dict | None = None) -> dict:
    """What the monthly report (and its e-mail) carries: per team, the median/p90 of time in each
    open state on both clocks, hand-offs and SLA breaches; per owner only the five slowest."""
    data = efficiency_report(month=month, team=(filters or {}).get("team"), now_figures=False)
    slowest = sorted((r for r in data["stages"]["by_owner"] if r["business_hours"]["median"] is not None),
                     key=lambda r: -r["business_hours"]["median"])[:5]
    return {"clocks": data["clocks"], "by_team": [{k: v for k, v in r.items() if k != "feedback_ids"}
                                                  for r in data["stages"]["by_team"]],
            "slowest_owners": [{k: v for k, v in r.items() if k != "feedback_ids"} for r in slowest],
            "handoffs": {k: v for k, v in data["handoffs"].items() if k != "top"},
            "sla_breaches": data["sla_breaches"], "includes": data["includes"]}
