"""Scheduled reports: when a period closes, store its snapshot once and mail the team leads."""
import datetime as dt

from django.utils import timezone
from django_q.models import Schedule

from .delivery import report_email_leads
from .periods import month_of, week_of
from .services import snapshot_store

SCHEDULES = [
    # 00:30 Shanghai time every day (schedules run in the server's TIME_ZONE); each period is
    # stored and mailed once, on the first run after it closed.
    ("reports-close-periods", "feedback_archive.reports.tasks.close_periods", Schedule.CRON, None, "30 0 * * *"),
]


def close_periods(now=None) -> list[str]:
    now = now or timezone.now()
    done = []
    last_week = week_of(now - dt.timedelta(days=7))
    last_month = month_of(timezone.localtime(now).replace(day=1) - dt.timedelta(days=1))
    for kind, period in (("weekly", last_week), ("monthly", last_month)):
        snap, created = snapshot_store(kind=kind, period=period, with_created=True)
        if created:
            report_email_leads(snapshot=snap)
            done.append(f"{kind} {period}")
    return done
