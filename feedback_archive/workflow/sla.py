"""SLA clocks: policies per severity (and optionally product), business or calendar hours, paused
spans excluded, and the five-minute job that flags breaches and warns owners and team leads.

Both targets run from `received_at`: first response (the item leaves pending: `first_response_at`)
and resolution (`resolved_at`). While the item is pending the response target is the one shown in
`sla_due_at`; afterwards the resolution target. `sla_breached` stays true once either target was
missed. Both fields are derived and written with `update()` (not audited); anything may recompute
them at any time and get the same answer.

The business-hours calendar is weekdays 09:00–18:00 Asia/Shanghai unless settings say otherwise
(SLA_TIME_ZONE, SLA_BUSINESS_HOURS = ("09:00", "18:00"), SLA_WORKING_WEEKDAYS = (0, 1, 2, 3, 4)),
with `Holiday` rows for days off and worked weekend days (调休).
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, ConflictError
from feedback_archive.core.permissions import check_can_change
from feedback_archive.feedback.choices import Status
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.feedback.services import audit_record
from feedback_archive.taxonomy.models import Label

from .models import Holiday, HolidayKind, SlaClock, SlaNotice, SlaNoticeKind, SlaPause, SlaPolicy, SlaTarget

log = logging.getLogger(__name__)

MAX_DAYS = 3 * 366  # a target further away than this is a misconfiguration, not a deadline
FINAL_LOOKBACK = dt.timedelta(days=1)  # closed items re-checked once more so a late close is flagged


# --- the calendar --------------------------------------------------------------------------------
def _time(value: str) -> dt.time:
    hours, _sep, minutes = value.partition(":")
    return dt.time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class BusinessCalendar:
    tz: ZoneInfo
    day_start: dt.time = dt.time(9)
    day_end: dt.time = dt.time(18)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    days_off: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.days_off:
            return False
        return day in self.workdays or day.weekday() in self.weekdays

    def windows(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working spans from `start` on, in order (the first one clipped to `start`)."""
        day = start.astimezone(self.tz).date()
        for _step in range(MAX_DAYS):
            span = _working_window(self, day)
            if span is not None and span[1] > start:
                yield max(span[0], start), span[1]
            day += ONE_DAY


ONE_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=16384)
def _working_window(calendar: BusinessCalendar, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    # cached: the monthly efficiency figures measure every stage span of the month on this calendar
    # (tens of thousands of spans, each crossing days); building the aware datetimes was most of it
    if not calendar.is_working_day(day):
        return None
    return (dt.datetime.combine(day, calendar.day_start, tzinfo=calendar.tz),
            dt.datetime.combine(day, calendar.day_end, tzinfo=calendar.tz))


def calendar_load() -> BusinessCalendar:
    opens, closes = settings.SLA_BUSINESS_HOURS
    off, work = set(), set()
    for day, kind in Holiday.objects.values_list("date", "kind"):
        (work if kind == HolidayKind.WORKDAY else off).add(day)
    return BusinessCalendar(
        tz=ZoneInfo(settings.SLA_TIME_ZONE), day_start=_time(opens), day_end=_time(closes),
        weekdays=frozenset(settings.SLA_WORKING_WEEKDAYS),
        days_off=frozenset(off), workdays=frozenset(work),
    )


# --- clock arithmetic (pure) ---------------------------------------------------------------------------
Span = tuple[dt.datetime, dt.datetime]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _minus(start: dt.datetime, end: dt.datetime, pauses: list[Span]) -> Iterator[Span]:
    cursor = start
    for p_start, p_end in pauses:
        if p_end <= cursor:
            continue
        if p_start >= end:
            break
        if p_start > cursor:
            yield cursor, p_start
        cursor = max(cursor, p_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def counting_windows(start: dt.datetime, *, calendar: BusinessCalendar, clock: str, pauses: list[Span]) -> Iterator[Span]:
    """The spans in which the clock runs, from `start` on: working hours (or all hours) minus pauses."""
    source = calendar.windows(start) if clock == SlaClock.BUSINESS else iter([(start, start + dt.timedelta(days=MAX_DAYS))])
    for w_start, w_end in source:
        yield from _minus(w_start, w_end, pauses)


def add_clock_time(start: dt.datetime, seconds: float, *, calendar: BusinessCalendar, clock: str,
                   pauses: list[Span] = ()) -> dt.datetime:
    """The moment at which `seconds` of counting time have passed since `start`."""
    remaining = max(0.0, float(seconds))
    for w_start, w_end in counting_windows(start, calendar=calendar, clock=clock, pauses=merge_spans(pauses)):
        span = (w_end - w_start).total_seconds()
        if span >= remaining:
            return w_start + dt.timedelta(seconds=remaining)
        remaining -= span
    raise ApplicationError("SLA target out of range", fields={"resolution_hours": [_("The target is more than three years of working time away.")]})


def clock_seconds(start: dt.datetime, end: dt.datetime, *, calendar: BusinessCalendar, clock: str,
                  pauses: list[Span] = ()) -> float:
    """Counting time between two moments (0 if end is before start)."""
    total = 0.0
    if end <= start:
        return total
    if clock == SlaClock.BUSINESS and not pauses:
        # the common case (no pause) day by day, without the generators: the same windows, clipped
        day, last = start.astimezone(calendar.tz).date(), end.astimezone(calendar.tz).date()
        last = min(last, day + dt.timedelta(days=MAX_DAYS - 1))
        while day <= last:
            span = _working_window(calendar, day)
            if span is not None:
                w_start, w_end = max(span[0], start), min(span[1], end)
                if w_end > w_start:
                    total += (w_end - w_start).total_seconds()
            day += ONE_DAY
        return total
    for w_start, w_end in counting_windows(start, calendar=calendar, clock=clock, pauses=merge_spans(pauses)):
        if w_start >= end:
            break
        total += (min(w_end, end) - w_start).total_seconds()
    return total


# --- evaluating one item -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SlaState:
    policy_id: int | None
    target: str = ""
    due_at: dt.datetime | None = None
    response_due: dt.datetime | None = None
    resolution_due: dt.datetime | None = None
    response_breached: bool = False
    resolution_breached: bool = False
    paused: bool = False
    warning: bool = False

    @property
    def breached(self) -> bool:
        return self.response_breached or self.resolution_breached

    @property
    def target_breached(self) -> bool:
        return self.response_breached if self.target == SlaTarget.RESPONSE else self.resolution_breached


NO_SLA = SlaState(policy_id=None)


def sla_evaluate(*, received_at, first_response_at, resolved_at, status: str, policy: SlaPolicy | None,
                 calendar: BusinessCalendar, pauses: list[tuple], now: dt.datetime,
                 warning_seconds: float = 0) -> SlaState:
    """Pure: the SLA state of one item at `now`. An open pause counts as ending now (the due time
    shown is "if work resumed now"); on a closed item the clock stops at `resolved_at`."""
    if policy is None:
        return NO_SLA
    closed = status == Status.CLOSED
    stop = (resolved_at or now) if closed else now
    spans = merge_spans((start, min(end or stop, stop) if closed else (end or stop)) for start, end in pauses)
    paused = not closed and any(end is None for _start, end in pauses)
    kw = {"calendar": calendar, "clock": policy.clock, "pauses": spans}
    response_due = add_clock_time(received_at, float(policy.first_response_hours) * 3600, **kw)
    resolution_due = add_clock_time(received_at, float(policy.resolution_hours) * 3600, **kw)
    responded = first_response_at or (resolved_at if closed else None)
    response_breached = (responded or stop) > response_due
    resolution_breached = stop > resolution_due
    target = SlaTarget.RESPONSE if (status == Status.PENDING and first_response_at is None) else SlaTarget.RESOLUTION
    due = response_due if target == SlaTarget.RESPONSE else resolution_due
    state = SlaState(policy_id=policy.pk, target=target, due_at=due, response_due=response_due,
                     resolution_due=resolution_due, response_breached=response_breached,
                     resolution_breached=resolution_breached, paused=paused)
    if not closed and not paused and not state.target_breached and warning_seconds > 0:
        left = clock_seconds(now, due, calendar=calendar, clock=policy.clock)
        if left <= warning_seconds:
            state = replace(state, warning=True)
    return state


# --- loading what evaluation needs, in bulk ----------------------------------------------------------
class SlaContext:
    """Policies, calendar and the fallback severity, loaded once per job run or service call."""

    def __init__(self):
        self.calendar = calendar_load()
        self.policies: dict[tuple[int, int | None], SlaPolicy] = {
            (p.severity_id, p.product_id): p for p in SlaPolicy.objects.filter(is_active=True)
        }
        default_code = settings.SLA_DEFAULT_SEVERITY
        self.default_severity_id = (Label.objects.filter(dimension__code="severity", code=default_code)
                                    .values_list("pk", flat=True).first())
        self.warning_seconds = float(settings.SLA_WARNING_HOURS) * 3600

    def policy_for(self, severity_id: int | None, product_id: int | None) -> SlaPolicy | None:
        severity_id = severity_id or self.default_severity_id
        return self.policies.get((severity_id, product_id)) or self.policies.get((severity_id, None))


def _severities(ids: list[int]) -> dict[int, int]:
    """feedback id → severity label id: the confirmed label, else the classifier's suggestion
    (read through the reverse relation; classification is not a layer below workflow)."""
    out = dict(Feedback.objects.filter(pk__in=ids, suggestions__dimension__code="severity")
               .values_list("pk", "suggestions__label_id"))
    out.update(FeedbackLabel.objects.filter(feedback_id__in=ids, dimension__code="severity")
               .values_list("feedback_id", "label_id"))
    return out


def _pauses(ids: list[int]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = defaultdict(list)
    for fid, start, end in SlaPause.objects.filter(feedback_id__in=ids).values_list("feedback_id", "started_at", "ended_at"):
        out[fid].append((start, end))
    return out


_ROW_FIELDS = ("id", "title", "content", "status", "received_at", "first_response_at", "resolved_at", "product_id",
               "sla_due_at", "sla_breached", "assignee_id", "team_id", "team__name", "team__lead_id")


def _evaluate_rows(rows: list[dict], *, ctx: SlaContext, now: dt.datetime) -> list[tuple[dict, SlaState]]:
    ids = [r["id"] for r in rows]
    severities, pauses = _severities(ids), _pauses(ids)
    out, changed = [], []
    for row in rows:
        policy = ctx.policy_for(severities.get(row["id"]), row["product_id"])
        state = sla_evaluate(received_at=row["received_at"], first_response_at=row["first_response_at"],
                             resolved_at=row["resolved_at"], status=row["status"], policy=policy,
                             calendar=ctx.calendar, pauses=pauses.get(row["id"], []), now=now,
                             warning_seconds=ctx.warning_seconds)
        if (row["sla_due_at"], row["sla_breached"]) != (state.due_at, state.breached):
            changed.append(Feedback(pk=row["id"], sla_due_at=state.due_at, sla_breached=state.breached))
        out.append((row, state))
    _write_clocks(changed)
    return out


def _write_clocks(changed: list[Feedback]) -> None:
    """The changed clocks of a batch (the pipeline's chunk, a chunk of sla_check) in one
    statement on PostgreSQL (UPDATE … FROM UNNEST of three arrays) and one prepared statement run
    per row on SQLite (executemany, in C). Not `bulk_update`: its CASE WHEN per row costs ~3 ms of
    Python per row to build (1.7 s of a 500-item pipeline batch, measured by
    bench/pipeline_profile.py --cprofile), far more than the database's work."""
    if not changed:
        return
    table = connection.ops.quote_name(Feedback._meta.db_table)
    due = Feedback._meta.get_field("sla_due_at")
    rows = [(due.get_db_prep_save(f.sla_due_at, connection), bool(f.sla_breached), f.pk) for f in changed]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS f SET sla_due_at = v.due, sla_breached = v.breached "
                "FROM UNNEST(%s::timestamptz[], %s::boolean[], %s::bigint[]) AS v(due, breached, id) WHERE f.id = v.id",
                [list(col) for col in zip(*rows)])
        else:
            cursor.executemany(f"UPDATE {table} SET sla_due_at = %s, sla_breached = %s WHERE id = %s", rows)


# --- services -------------------------------------------------------------------------------------------
def sla_refresh(*, feedback_id: int, now: dt.datetime | None = None, ctx: SlaContext | None = None) -> SlaState | None:
    """Recompute and store `sla_due_at` / `sla_breached` of one item (after a re-label, a pause…)."""
    row = Feedback.objects.filter(pk=feedback_id).values(*_ROW_FIELDS).first()
    if row is None:
        return None
    return _evaluate_rows([row], ctx=ctx or SlaContext(), now=now or timezone.now())[0][1]


def sla_refresh_many(*, feedback_ids: list[int], now: dt.datetime | None = None,
                     ctx: SlaContext | None = None) -> int:
    """sla_refresh for a batch (the intake pipeline's route stage): the rows, severities and
    pauses read once, the changed clocks written with one bulk update. Returns how many existed."""
    rows = list(Feedback.objects.filter(pk__in=list(feedback_ids)).order_by("id").values(*_ROW_FIELDS))
    if rows:
        _evaluate_rows(rows, ctx=ctx or SlaContext(), now=now or timezone.now())
    return len(rows)


def sla_pause(*, feedback_id: int, actor: Actor, reason: str, now: dt.datetime | None = None) -> SlaPause:
    """Stop the SLA clock while the item waits for the reporter."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason needed", fields={"reason": [_("Say what the item is waiting for.")]})
    now = now or timezone.now()
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update(of=("self",)).select_related("team").filter(pk=feedback_id).first()
        if feedback is None:
            raise ApplicationError("unknown feedback", fields={"feedback": [_("No feedback #%(id)s.") % {"id": feedback_id}]})
        check_can_change(actor, feedback)
        if feedback.status == Status.CLOSED:
            raise ConflictError(_("Feedback #%(id)s is closed; its SLA clock has already stopped.") % {"id": feedback_id})
        if SlaPause.objects.filter(feedback=feedback, ended_at__isnull=True).exists():
            raise ConflictError(_("The SLA clock of feedback #%(id)s is already paused.") % {"id": feedback_id})
        pause = SlaPause.objects.create(feedback=feedback, started_at=now, reason=reason[:300], started_by=actor.name)
        audit_record(feedback=feedback, actor=actor, field="sla_paused", old="", new=reason[:300])
        sla_refresh(feedback_id=feedback_id, now=now)
    return pause


def sla_resume(*, feedback_id: int, actor: Actor, now: dt.datetime | None = None) -> SlaPause:
    now = now or timezone.now()
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update(of=("self",)).select_related("team").filter(pk=feedback_id).first()
        pause = SlaPause.objects.filter(feedback_id=feedback_id, ended_at__isnull=True).first()
        if feedback is None or pause is None:
            raise ConflictError(_("The SLA clock of feedback #%(id)s is not paused.") % {"id": feedback_id})
        check_can_change(actor, feedback)
        pause.ended_at = max(now, pause.started_at)
        pause.ended_by = actor.name
        pause.save(update_fields=["ended_at", "ended_by"])
        audit_record(feedback=feedback, actor=actor, field="sla_paused", old=pause.reason, new="")
        sla_refresh(feedback_id=feedback_id, now=now)
    return pause


def sla_pause_many(*, feedback_ids: list[int], actor: Actor, reason: str, resume: bool = False,
                   now: dt.datetime | None = None) -> tuple[list[int], dict[int, str]]:
    """For admin bulk actions: each item on its own; (done ids, {id: why not})."""
    def one(fid):
        if resume:
            sla_resume(feedback_id=fid, actor=actor, now=now)
        else:
            sla_pause(feedback_id=fid, actor=actor, reason=reason, now=now)

    return tuple(each(feedback_ids, one))


# --- the scheduled check ------------------------------------------------------------------------------
@dataclass
class _Due:
    kind: str
    target: str
    due_at: dt.datetime
    row: dict


def sla_check(*, now: dt.datetime | None = None, chunk: int = 1000) -> dict[str, int]:
    """Recompute every open item's clock (and that of items closed in the last day), then e-mail
    each owner and team lead one digest of their newly breached and about-to-breach items.
    Idempotent: a notice already sent for the same item, target and due time is not sent again."""
    now = now or timezone.now()
    ctx = SlaContext()
    scope = Feedback.objects.filter(~Q(status=Status.CLOSED) | Q(resolved_at__gte=now - FINAL_LOOKBACK))
    ids = list(scope.order_by("id").values_list("id", flat=True))
    stats = {"checked": 0, "breached": 0, "warnings": 0, "emails": 0}
    pending: list[_Due] = []
    for start in range(0, len(ids), chunk):
        rows = list(Feedback.objects.filter(pk__in=ids[start:start + chunk]).values(*_ROW_FIELDS))
        for row, state in _evaluate_rows(rows, ctx=ctx, now=now):
            stats["checked"] += 1
            stats["breached"] += state.breached
            stats["warnings"] += state.warning
            if row["status"] == Status.CLOSED or state.policy_id is None:
                continue
            if state.target_breached:
                pending.append(_Due(SlaNoticeKind.BREACH, state.target, state.due_at, row))
            elif state.warning:
                pending.append(_Due(SlaNoticeKind.WARNING, state.target, state.due_at, row))
    if pending:
        stats["emails"] = _notify(pending, now=now)
    return stats


def _notify(items: list[_Due], *, now: dt.datetime) -> int:
    sent_keys = set(
        SlaNotice.objects.filter(feedback_id__in={d.row["id"] for d in items})
        .values_list("feedback_id", "kind", "target", "due_at", "recipient_id")
    )
    by_user: dict[int, list[_Due]] = defaultdict(list)
    for due in items:
        for user_id in {due.row["assignee_id"], due.row["team__lead_id"]} - {None}:
            if (due.row["id"], due.kind, due.target, due.due_at, user_id) not in sent_keys:
                by_user[user_id].append(due)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=by_user, is_active=True).exclude(email="")}
    sent = 0
    for user_id, dues in sorted(by_user.items()):
        user = users.get(user_id)
        if user is None:
            continue  # no address to write to; the admin list still shows the flag
        subject, body = digest_text(user=user, items=dues, now=now)
        try:
            with transaction.atomic():
                SlaNotice.objects.bulk_create([
                    SlaNotice(feedback_id=d.row["id"], kind=d.kind, target=d.target, due_at=d.due_at,
                              recipient=user, email=user.email, sent_at=now) for d in dues
                ])
                # Sent inside the transaction: a failed send leaves no notice rows, so the next run retries.
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except IntegrityError:
            continue  # a concurrent run got there first
        except Exception:
            log.exception("SLA digest to %s failed; will retry on the next run", user.email)
            continue
        sent += 1
    return sent


_TARGET_ZH = {SlaTarget.RESPONSE: "首次响应", SlaTarget.RESOLUTION: "解决"}


def _admin_link(feedback_id: int) -> str:
    try:
        path = reverse("admin:feedback_feedback_change", args=[feedback_id])
    except NoReverseMatch:
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def digest_text(*, user, items: list[_Due], now: dt.datetime) -> tuple[str, str]:
    """The Chinese digest one person gets from one run (agents and leads read Chinese first)."""
    tz = ZoneInfo(settings.SLA_TIME_ZONE)
    breaches = [d for d in items if d.kind == SlaNoticeKind.BREACH]
    warnings = [d for d in items if d.kind == SlaNoticeKind.WARNING]
    parts = []
    if breaches:
        parts.append(f"{len(breaches)} 条已超时")
    if warnings:
        parts.append(f"{len(warnings)} 条即将超时")
    subject = f"【反馈归档】SLA 提醒：{'，'.join(parts)}"
    name = user.get_full_name() or user.first_name or user.get_username()
    hours = settings.SLA_WARNING_HOURS
    lines = [f"{name}，您好：", "", "以下反馈需要您关注（时间为北京时间）：", ""]
    for title, group in (("已超时：", breaches), (f"即将超时（{hours} 个工作小时内）：", warnings)):
        if not group:
            continue
        lines.append(title)
        for d in sorted(group, key=lambda d: d.due_at):
            row = d.row
            role = "负责人" if row["assignee_id"] == user.pk else "团队负责人"
            text = (row["title"] or row["content"] or "").replace("\n", " ")
            lines.append(f"  #{row['id']} [{_TARGET_ZH[d.target]}] 截止 {d.due_at.astimezone(tz):%Y-%m-%d %H:%M}"
                         f" · {row['team__name'] or '未分派团队'} · 您是{role}")
            lines.append(f"      {text[:60]}")
            link = _admin_link(row["id"])
            if link:
                lines.append(f"      {link}")
        lines.append("")
    lines.append(f"此邮件由反馈归档的 SLA 检查（每 5 分钟）于 {now.astimezone(tz):%Y-%m-%d %H:%M} 自动发送；"
                 "同一条反馈的同一次超时只提醒一次。")
    return subject, "\n".join(lines)
