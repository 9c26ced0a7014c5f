"""The parameters of a report request, checked once for the API and the admin pages.

Everything here reaches a query or date arithmetic: a NUL in a filter is refused by PostgreSQL, a
year 0 or 9999 month overflows Python's dates while the report computes its trend and its next
period. Each problem is an ApplicationError naming the parameter — the API answers 400 with it,
the admin pages show it as a message."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError, error_fields
from feedback_archive.core.models import Team
from feedback_archive.core.validation import max_length, text_error
from feedback_archive.feedback.models import Channel, Feedback
from feedback_archive.versions.models import Product

from .periods import month_bounds, month_of, week_bounds, week_of
from .selectors import FILTERS

# Reports cover stored feedback (received_at ≥ 1970) and look a year back and a period ahead.
MIN_YEAR, MAX_YEAR = 1970, 9998

_FILTER_COLUMNS = {"product": (Product, "slug"), "team": (Team, "slug"), "channel": (Channel, "slug"),
                   "platform": (Feedback, "platform")}
_FRESH = {"": False, "0": False, "false": False, "no": False, "1": True, "true": True, "yes": True}


@dataclass
class ReportParams:
    period: str | None
    filters: dict = field(default_factory=dict)
    fresh: bool = False


def _text(name: str, value: str, limit: int | None) -> str | None:
    if err := text_error(value):
        return err
    if limit is not None and len(value) > limit:
        return _("'%(name)s' has at most %(n)d characters.") % {"name": name, "n": limit}
    return None


def report_params(query, *, kind: str, default_period=None) -> ReportParams:
    """`query`: request.GET / query_params. `kind`: weekly, monthly or release. `default_period`:
    a callable for the period when none is given. Raises ApplicationError with every problem."""
    errors: dict[str, list[str]] = {}
    filters = {}
    for name in FILTERS:
        value = query.get(name) or ""
        if not value:
            continue
        model, column = _FILTER_COLUMNS[name]
        if err := _text(name, value, max_length(model, column)):
            errors[name] = [err]
        else:
            filters[name] = value
    fresh_raw = (query.get("fresh") or "").lower()
    if fresh_raw not in _FRESH:
        errors["fresh"] = [_("Use fresh=1 (recompute) or fresh=0.")]
    period_name = {"weekly": "week", "monthly": "month", "release": "id"}[kind]
    period = query.get(period_name) or ""
    if period:
        if err := _text(period_name, period, 20):
            errors[period_name] = [err]
        else:
            try:
                period = _checked_period(kind, period)
            except ApplicationError as exc:
                errors.update(error_fields(exc, period_name))
    elif default_period is not None:
        period = default_period()
    if errors:
        raise ApplicationError("bad report parameters", fields=errors)
    return ReportParams(period=period or None, filters=filters, fresh=_FRESH.get(fresh_raw, False))


def _checked_period(kind: str, period: str) -> str:
    if kind == "release":
        if not period.isascii() or not period.isdigit() or len(period) > 18:
            raise ApplicationError("bad release", fields={"id": [_("'%(id)s' is not a release id.") % {"id": period}]})
        return str(int(period))
    name, bounds = ("week", week_bounds) if kind == "weekly" else ("month", month_bounds)
    year = period[:4]
    # the year first: month_bounds('0000-01') or ('9999-12') would overflow before saying anything
    if year.isascii() and year.isdigit() and not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise ApplicationError("bad year", fields={name: [
            _("Reports cover the years %(lo)d to %(hi)d; '%(period)s' is outside.") % {"lo": MIN_YEAR, "hi": MAX_YEAR, "period": period}]})
    start, _end = bounds(period)  # the format: raises with the parameter's own message
    # the canonical spelling ("2026-W4" → "2026-W04", "2026-1" → "2026-01"): the reports key their
    # periods (and snapshots) by it, so another spelling of the same period found nothing — a 500
    if kind == "weekly":
        return week_of(start + dt.timedelta(days=3))
    return month_of(start + dt.timedelta(days=3))


def top_problems_params(query) -> tuple[dict, str | None, str | None]:
    """(filters, week, month) for the top-problems ranking: a week, a month or neither (all time),
    checked like every other report's parameters."""
    week, month = query.get("week") or None, query.get("month") or None
    if week and month:
        raise ApplicationError("bad report parameters", fields={"month": [_("Give a week or a month, not both.")]})
    p = report_params(query, kind="monthly" if month else "weekly")
    return p.filters, (p.period if week else None), (p.period if month else None)
