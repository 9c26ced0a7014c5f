"""The guidance loop: questions and false alarms show where help text is missing.

- **Consultation** items: the confirmed type label `consultation` (how do I …?).
- **误报 (false alarms)**: items closed as `by_design` — the user reported a fault, the product was
  working as designed, so the user could not tell from the product or its help.
Both are counted per **topic** (the item's module label; `unlabelled` without one) per month of
receipt (Asia/Shanghai). The docs owner (GUIDANCE_DOCS_OWNER_TEAM's members and/or
GUIDANCE_DOCS_OWNER_ROLE) sees the table and marks "guidance written" with a link
(`guidance_mark`). The monthly report then compares each marked topic's volume in the 30 days before
the guidance with the report month (`guidance_effect`).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, PermissionDeniedError
from feedback_archive.core.models import Team
from feedback_archive.core.validation import text_error
from feedback_archive.feedback.choices import Resolution
from feedback_archive.feedback.models import Feedback, FeedbackLabel
from feedback_archive.taxonomy.models import Label

from .models import GuidanceNote

UNLABELLED = "unlabelled"
BEFORE_WINDOW = dt.timedelta(days=30)  # the volume a guidance note is measured against


def _shanghai():
    return ZoneInfo(settings.TIME_ZONE)


def _month_start(moment: dt.datetime) -> dt.datetime:
    local = timezone.localtime(moment, _shanghai())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _shift(month_start: dt.datetime, n: int) -> dt.datetime:
    y, m = month_start.year, month_start.month + n
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return month_start.replace(year=y, month=m)


def _guidance_items():
    consultation = Exists(FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension__code="type",
                                                       label__code="consultation"))
    return Feedback.objects.filter(consultation | Q(resolution=Resolution.BY_DESIGN)).annotate(
        is_consultation=consultation)


def _counts(start: dt.datetime, end: dt.datetime) -> dict[tuple[str, str], dict]:
    """(month 'YYYY-MM', topic code) → {consultation, false_alarm, total} for items received in [start, end)."""
    module = FeedbackLabel.objects.filter(feedback=OuterRef("pk"), dimension__code="module").values("label__code")[:1]
    rows = (_guidance_items().filter(received_at__gte=start, received_at__lt=end)
            .annotate(month=TruncMonth("received_at", tzinfo=_shanghai()), topic=Subquery(module))
            .values("month", "topic", "is_consultation")
            .annotate(n=Count("id")))
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (f"{r['month']:%Y-%m}", r["topic"] or UNLABELLED)
        cell = out.setdefault(key, {"consultation": 0, "false_alarm": 0, "total": 0})
        cell["consultation" if r["is_consultation"] else "false_alarm"] += r["n"]
        cell["total"] += r["n"]
    return out


def guidance_topics(*, months: int = 6, now: dt.datetime | None = None) -> dict:
    """The docs owner's table: topics × the last `months` months, with the guidance already written."""
    now = now or timezone.now()
    first = _shift(_month_start(now), -(months - 1))
    labels = [m.strftime("%Y-%m") for m in (_shift(first, i) for i in range(months))]
    counts = _counts(first, _shift(first, months))
    names = dict(Label.objects.filter(dimension__code="module").values_list("code", "name_zh"))
    notes: dict[str, list] = {}
    for note in GuidanceNote.objects.select_related("topic"):
        notes.setdefault(note.topic.code, []).append({"link": note.link, "written_at": note.written_at,
                                                      "by": note.written_by_name, "note": note.note})
    topics = sorted({t for _m, t in counts} | set(notes))
    rows = []
    for topic in topics:
        per_month = [counts.get((m, topic), {"consultation": 0, "false_alarm": 0, "total": 0}) for m in labels]
        rows.append({"topic": topic, "name": names.get(topic, topic), "months": per_month,
                     "total": sum(c["total"] for c in per_month), "guidance": notes.get(topic, [])})
    rows.sort(key=lambda r: -r["total"])
    return {"months": labels, "topics": rows}


def is_docs_owner(user) -> bool:
    if user.is_superuser:
        return True
    team = settings.GUIDANCE_DOCS_OWNER_TEAM
    role = settings.GUIDANCE_DOCS_OWNER_ROLE
    if team and Team.objects.filter(slug=team, members=user).exists():
        return True
    return bool(role) and user.groups.filter(name=role).exists()


def guidance_mark(*, topic_code: str, link: str, actor: Actor, user, note: str = "", at=None) -> GuidanceNote:
    if not is_docs_owner(user):
        raise PermissionDeniedError(_("Only the docs owner marks guidance as written."))
    errors = {}
    topic = Label.objects.filter(dimension__code="module", code=topic_code).first()
    if topic is None:
        errors["topic"] = [_("Unknown topic '%(t)s'.") % {"t": topic_code}]
    link = (link or "").strip()
    if not link.startswith(("https://", "http://")) or len(link) > 500 or text_error(link):
        errors["link"] = [_("Give the address (http/https) where the guidance is published.")]
    if note and text_error(note):
        errors["note"] = [text_error(note)]
    if errors:
        raise ApplicationError("bad guidance", fields=errors)
    return GuidanceNote.objects.create(topic=topic, link=link, note=(note or "").strip()[:2000],
                                       written_at=at or timezone.now(), written_by_name=actor.name)


def guidance_effect(*, month_start: dt.datetime, month_end: dt.datetime) -> list[dict]:
    """For the monthly report: each topic with guidance written before the report month ended —
    its volume in the 30 days before the guidance went out, and in the report month; `fell` says
    whether it went down (None while the guidance is from the report month itself: too early)."""
    now = _counts(month_start, month_end)
    out = []
    for note in GuidanceNote.objects.filter(written_at__lt=month_end).select_related("topic").order_by("written_at"):
        before = _counts(note.written_at - BEFORE_WINDOW, note.written_at)
        b = sum(c["total"] for (_m, t), c in before.items() if t == note.topic.code)
        n = sum(c["total"] for (_m, t), c in now.items() if t == note.topic.code)
        out.append({"topic": note.topic.code, "name": note.topic.name_zh, "link": note.link,
                    "written_at": timezone.localtime(note.written_at).isoformat(),
                    "before_days": BEFORE_WINDOW.days, "before": b, "this_month": n,
                    "fell": None if note.written_at >= month_start else n < b})
    return out
