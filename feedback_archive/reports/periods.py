"""Report periods in the users' time zone (Asia/Shanghai), as UTC-aware bounds [start, end)."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from feedback_archive.core.exceptions import ApplicationError

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def tz():
    return ZoneInfo(settings.TIME_ZONE)


def _at_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz())


def week_bounds(week: str) -> tuple[dt.datetime, dt.datetime]:
    m = _WEEK.match(week or "")
    try:
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1) if m else None
    except ValueError:
        monday = None
    if monday is None:
        raise ApplicationError("bad week", fields={"week": [gettext("'%(week)s' is not an ISO week like 2026-W47.") % {"week": week}]})
    return _at_midnight(monday), _at_midnight(monday + dt.timedelta(days=7))


def week_of(moment: dt.datetime) -> str:
    y, w, _ = timezone.localtime(moment, tz()).isocalendar()
    return f"{y}-W{w:02d}"


def shift_week(week: str, n: int) -> str:
    start, _ = week_bounds(week)
    return week_of(start + dt.timedelta(days=7 * n, hours=12))


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    m = _MONTH.match(month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ApplicationError("bad month", fields={"month": [gettext("'%(month)s' is not a month like 2026-11.") % {"month": month}]})
    y, mo = int(m.group(1)), int(m.group(2))
    nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
    return _at_midnight(dt.date(y, mo, 1)), _at_midnight(nxt)


def month_of(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, tz())
    return f"{local.year}-{local.month:02d}"


def shift_month(month: str, n: int) -> str:
    start, _ = month_bounds(month)
    idx = start.year * 12 + start.month - 1 + n
    return f"{idx // 12}-{idx % 12 + 1:02d}"
