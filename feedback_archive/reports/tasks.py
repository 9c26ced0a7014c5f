"""Scheduled reports: when a period closes, store its snapshot once and mail the team leads."""
import datetime as dt

from django.utils import timezone
from django_q.models import Schedule

from feedback_archive.versions.models import Release

from . import alerts, conf
from .delivery import report_email_leads
from .models import ReportSnapshot
from .periods import month_of, week_of
from .services import snapshot_store

SCHEDULES = [
    # 00:30 Shanghai time every day (schedules run in the server's TIME_ZONE); each period is
    # stored and mailed once, on the first run after it closed.
    ("reports-close-periods", "feedback_archive.reports.tasks.close_periods", Schedule.CRON, None, "30 0 * * *"),
    # every minute: problems rising sharply alert their team (reports/alerts.py); retries of the
    # alerts are the workflow's alert outbox's (workflow-alert-retry)
    ("reports-early-warning", "feedback_archive.reports.tasks.early_warning", Schedule.MINUTES, 1, None),
]


def early_warning(now=None) -> dict:
    opened = alerts.early_warning_run(now=now)
    return {"opened": [i.pk for i in opened]}


def _due_releases(now) -> list[int]:
    """Releases out for REPORTS_RELEASE_REPORT_AFTER_DAYS (and not older than the look-back, so a
    first run does not mail the whole history) without a stored report yet."""
    after = dt.timedelta(days=conf.get("REPORTS_RELEASE_REPORT_AFTER_DAYS"))
    lookback = dt.timedelta(days=conf.get("REPORTS_RELEASE_REPORT_LOOKBACK_DAYS"))
    ids = list(Release.objects.filter(is_known=True, released_at__lte=now - after, released_at__gt=now - after - lookback)
               .order_by("released_at").values_list("pk", flat=True))
    stored = set(ReportSnapshot.objects.filter(kind="release", params="", period__in=[str(i) for i in ids])
                 .values_list("period", flat=True))
    return [i for i in ids if str(i) not in stored]


def close_periods(now=None) -> list[str]:
    """Daily: the week and the month that closed, and the releases whose report is due."""
    now = now or timezone.now()
    done = []
    for release_id in _due_releases(now):
        snap, created = snapshot_store(kind="release", period=str(release_id), with_created=True)
        if created:
            report_email_leads(snapshot=snap)
            done.append(f"release {release_id}")
    last_week = week_of(now - dt.timedelta(days=7))
    last_month = month_of(timezone.localtime(now).replace(day=1) - dt.timedelta(days=1))
    for kind, period in (("weekly", last_week), ("monthly", last_month)):
        snap, created = snapshot_store(kind=kind, period=period, with_created=True)
        if created:
            report_email_leads(snapshot=snap)
            done.append(f"{kind} {period}")
    return done
