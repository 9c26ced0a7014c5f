"""The stage ledger: how long items spent in each state, and with whom — read from TransitionLog.

Each TransitionLog row closes one span: the item was in `source` for `seconds_in_previous`
seconds, and at that moment it was owned by `owner` in `team`. So a span is attributed to the
period in which it *ended* and to the owner and team at its end (a hand-off in the middle of a
span gives the whole span to the receiving side). Time in the state an open item is in now is not
in the log; `open_age` covers it.

Everything here is a GROUP BY in the database (no loops over rows), for the monthly efficiency
review in the reports app. Rows are plain dicts so the reports can render or export them.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Q, Sum, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, FieldChange

from .models import SlaClock, SlaPause, TransitionLog
from .sla import calendar_load, clock_seconds

# What each grouping is keyed by in the rows returned.
GROUPS = {
    "item": ("feedback_id",),
    "owner": ("owner_id", "owner_name"),
    "team": ("team_id", "team__slug", "team__name"),
    "state": (),
}
LEDGER_STATES = list(Status.values)


def _period(start: dt.datetime, end: dt.datetime) -> None:
    if start is None or end is None or start >= end:
        raise ApplicationError("bad period", fields={"period": [_("The start of the period must be before its end.")]})


def ledger_spans(*, start: dt.datetime, end: dt.datetime, team_id: int | None = None, owner_id: int | None = None,
                 feedback_ids: list[int] | None = None):
    """The TransitionLog rows (= closed spans) that ended in [start, end)."""
    _period(start, end)
    qs = TransitionLog.objects.filter(at__gte=start, at__lt=end)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if feedback_ids is not None:
        qs = qs.filter(feedback_id__in=feedback_ids)
    return qs


def stage_time(*, start: dt.datetime, end: dt.datetime, by: str = "team", **filters) -> list[dict]:
    """Long form: one row per group and state — {<group keys>, state, seconds, spans, avg_seconds,
    max_seconds}. `by` is item, owner, team or state."""
    if by not in GROUPS:
        raise ApplicationError("bad grouping", fields={"by": [_("Use one of: %(choices)s.") % {"choices": ", ".join(GROUPS)}]})
    keys = GROUPS[by]
    rows = (ledger_spans(start=start, end=end, **filters)
            .values(*keys, "source")
            .annotate(seconds=Sum("seconds_in_previous"), spans=Count("id"), avg_seconds=Avg("seconds_in_previous"),
                      max_seconds=Max("seconds_in_previous"))
            .order_by(*keys, "source"))
    return [{**{k: r[k] for k in keys}, "state": r["source"], "seconds": r["seconds"] or 0.0, "spans": r["spans"],
             "avg_seconds": r["avg_seconds"] or 0.0, "max_seconds": r["max_seconds"] or 0.0} for r in rows]


def stage_time_table(*, start: dt.datetime, end: dt.datetime, by: str = "team", **filters) -> list[dict]:
    """Wide form: one row per group with `<state>_seconds` for each state, `total_seconds`,
    `transitions` and `items` — what a report table shows."""
    if by not in GROUPS or by == "state":
        raise ApplicationError("bad grouping", fields={"by": [_("Use item, owner or team.")]})
    keys = GROUPS[by]
    per_state = {f"{s}_seconds": Sum("seconds_in_previous", filter=Q(source=s), default=0.0) for s in LEDGER_STATES}
    rows = (ledger_spans(start=start, end=end, **filters).values(*keys)
            .annotate(**per_state, total_seconds=Sum("seconds_in_previous", default=0.0), transitions=Count("id"),
                      items=Count("feedback_id", distinct=True))
            .order_by(*keys))
    return [dict(r) for r in rows]


def resolutions(*, start: dt.datetime, end: dt.datetime, by: str = "team", **filters) -> list[dict]:
    """How items were resolved: closings in the period per group and resolution."""
    if by not in GROUPS or by == "item":
        raise ApplicationError("bad grouping", fields={"by": [_("Use owner, team or state.")]})
    keys = GROUPS[by]
    rows = (ledger_spans(start=start, end=end, **filters).filter(name="close")
            .values(*keys, "resolution").annotate(count=Count("id")).order_by(*keys, "resolution"))
    return [dict(r) for r in rows]


def handoffs(*, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Team-to-team hand-offs in the period (from the audit trail), per (from, to) pair."""
    _period(start, end)
    rows = (FieldChange.objects.filter(field="team", at__gte=start, at__lt=end).exclude(old="")
            .values("old", "new").annotate(count=Count("id")).order_by("-count", "old", "new"))
    return [{"from_team": r["old"], "to_team": r["new"], "count": r["count"]} for r in rows]


def open_age(*, now: dt.datetime | None = None, by: str = "team") -> list[dict]:
    """Open items by current state: how many, and how long they have been in it so far."""
    if by not in ("team", "owner", "state"):
        raise ApplicationError("bad grouping", fields={"by": [_("Use team, owner or state.")]})
    now = now or timezone.now()
    keys = {"team": ("team_id", "team__slug", "team__name"), "owner": ("assignee_id", "assignee__username"), "state": ()}[by]
    age = ExpressionWrapper(Value(now) - F("status_changed_at"), output_field=DurationField())
    rows = (Feedback.objects.exclude(status=Status.CLOSED).filter(status_changed_at__isnull=False)
            .values(*keys, "status").annotate(items=Count("id"), total_age=Sum(age), max_age=Max(age))
            .order_by(*keys, "status"))
    return [{**{k: r[k] for k in keys}, "state": r["status"], "items": r["items"],
             "seconds": r["total_age"].total_seconds() if r["total_age"] else 0.0,
             "max_seconds": r["max_age"].total_seconds() if r["max_age"] else 0.0} for r in rows]


def item_ledger(*, feedback_id: int, now: dt.datetime | None = None) -> list[dict]:
    """One item's history as spans: state, from, to, seconds, owner and team at the span's end,
    the step that ended it and the resolution; the current state last (to = None)."""
    now = now or timezone.now()
    feedback = Feedback.objects.filter(pk=feedback_id).values("status", "status_changed_at", "received_at",
                                                              "assignee__username", "team__name").first()
    if feedback is None:
        return []
    spans, entered = [], feedback["received_at"]
    for log in (TransitionLog.objects.filter(feedback_id=feedback_id).select_related("team")
                .order_by("at", "id")):
        spans.append({"state": log.source, "from": entered, "to": log.at, "seconds": log.seconds_in_previous,
                      "owner": log.owner_name, "team": log.team.name if log.team else "", "step": log.name,
                      "actor": log.actor_name, "resolution": log.resolution, "note": log.note})
        entered = log.at
    since = feedback["status_changed_at"] or entered
    spans.append({"state": feedback["status"], "from": since, "to": None,
                  "seconds": 0.0 if feedback["status"] == Status.CLOSED else max(0.0, (now - since).total_seconds()),
                  "owner": feedback["assignee__username"] or "", "team": feedback["team__name"] or "", "step": "",
                  "actor": "", "resolution": "", "note": ""})
    return spans


# --- stage time on both clocks (the efficiency review) --------------------------------------------------
def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1): a value that occurred, as a lead would read it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def hours_summary(seconds: list[float]) -> dict:
    """{median, p90} in hours, rounded; None when there is nothing to measure."""
    med, p90 = _percentile(seconds, 0.5), _percentile(seconds, 0.9)
    return {"median": round(med / 3600, 2) if med is not None else None,
            "p90": round(p90 / 3600, 2) if p90 is not None else None}


def stage_spans(*, start: dt.datetime, end: dt.datetime, team_id: int | None = None) -> list[dict]:
    """Every span that ended in [start, end), with its length on both clocks: `calendar_seconds`
    (wall time, as logged) and `business_seconds` (the SLA's working-hours calendar, holidays and
    make-up days included, SLA pauses — waiting for the reporter — left out)."""
    spans = ledger_spans(start=start, end=end, team_id=team_id)
    rows = list(spans.values("feedback_id", "source", "at", "seconds_in_previous", "owner_id", "owner_name", "team_id",
                             "team__slug", "team__name"))
    calendar = calendar_load()
    pauses: dict[int, list] = defaultdict(list)
    # the pauses of the spans' items by a sub-query: a month at 1M rows has ~60k spans, and their
    # ids as a parameter list cost about a second to build and send
    for fid, p_start, p_end in SlaPause.objects.filter(feedback_id__in=spans.values("feedback_id")).values_list(
            "feedback_id", "started_at", "ended_at"):
        pauses[fid].append((p_start, p_end or end))
    out = []
    for r in rows:
        span_start = r["at"] - dt.timedelta(seconds=r["seconds_in_previous"])
        business = clock_seconds(span_start, r["at"], calendar=calendar, clock=SlaClock.BUSINESS,
                                 pauses=pauses.get(r["feedback_id"], []))
        out.append({"feedback_id": r["feedback_id"], "state": r["source"], "ended_at": r["at"],
                    "owner_id": r["owner_id"], "owner": r["owner_name"], "team_id": r["team_id"],
                    "team": r["team__slug"], "team_name": r["team__name"],
                    "calendar_seconds": r["seconds_in_previous"], "business_seconds": business})
    return out


def item_handoffs(*, feedback_ids: list[int], source=None) -> dict[int, int]:
    """Hand-offs per item: changes of assignee or team after the first owner was set (audit trail).
    `source`: the queryset the ids were read from, to filter by sub-query instead of a long id list."""
    counts = dict.fromkeys(feedback_ids, 0)
    within = source.values("pk") if source is not None else feedback_ids
    for row in (FieldChange.objects.filter(feedback_id__in=within, field__in=("assignee", "team"))
                .exclude(old="").values("feedback_id").annotate(n=Count("id"))):
        counts[row["feedback_id"]] = row["n"]
    return counts
