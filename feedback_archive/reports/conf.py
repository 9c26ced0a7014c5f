"""The report settings, each with its default: override any of them in Django settings."""
from django.conf import settings

DEFAULTS = {
    # Density of a release counts the new problems of its first N days: a fixed window, so reports
    # arriving months later (or a late next release) cannot inflate or dilute it.
    "REPORTS_RELEASE_WINDOW_DAYS": 14,
    # The release report is stored and mailed to the leads once the release has been out this long
    # (by default when its density window has closed, so the mailed figures are final).
    "REPORTS_RELEASE_REPORT_AFTER_DAYS": 14,
    # …but not for releases older than this on the first run (no flood of reports after an upgrade).
    "REPORTS_RELEASE_REPORT_LOOKBACK_DAYS": 30,
    # Rows per page of the release report's problem list (API `page_size` may ask for up to 500).
    "REPORTS_PROBLEM_PAGE_SIZE": 50,
    # Early warning (reports/alerts.py): a problem's Nth report within ALERT_WINDOW_MINUTES alerts its
    # team, unless that many is ordinary for it (Poisson tail against its own baseline ≥ COUNT_ALPHA)…
    "REPORTS_ALERT_COUNT": 5,
    "REPORTS_ALERT_COUNT_ALPHA": 1e-3,
    "REPORTS_ALERT_WINDOW_MINUTES": 60,
    # …or a jump against its own baseline (the BASELINE_DAYS before the window) with a Poisson upper
    # tail below ALERT_ALPHA and at least ALERT_MIN_JUMP reports in the window.
    "REPORTS_ALERT_ALPHA": 1e-6,
    "REPORTS_ALERT_MIN_JUMP": 3,
    "REPORTS_ALERT_BASELINE_DAYS": 28,
    # the rate assumed for a problem with (almost) no history: reports per day
    "REPORTS_ALERT_FLOOR_PER_DAY": 2.0,
    # An incident stays open while reports keep coming; this long without one ends it, and the next
    # spike is a new incident (and a new alert).
    "REPORTS_ALERT_QUIET_HOURS": 24,
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
