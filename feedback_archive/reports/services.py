"""Report snapshots: stored when a period closes, never changed afterwards."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback_archive.workflow.guidance import guidance_effect

from .efficiency import efficiency_summary
from .periods import month_bounds
from .db import report_statements
from .models import ReportSnapshot
from .selectors import monthly_report, release_page, release_report, weekly_report

BUILDERS = {
    "weekly": lambda period, filters: weekly_report(week=period, filters=filters),
    "monthly": lambda period, filters: {**monthly_report(month=period, filters=filters),
                                        "efficiency": efficiency_summary(month=period, filters=filters),
                                        "guidance": guidance_effect(month_start=month_bounds(period)[0],
                                                                    month_end=month_bounds(period)[1])},
    "release": lambda period, filters: release_report(release_id=int(period), filters=filters),
}


def params_key(filters: dict | None) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted((filters or {}).items()) if v)


def report_get(*, kind: str, period: str, filters: dict | None = None, fresh: bool = False,
               page: int = 1, page_size: int | None = None, problem_kind: str | None = None,
               section_pages: dict | None = None) -> dict:
    """The stored snapshot of a closed period, or the figures computed from current data. A release
    report is returned with one page of its problems (`page`, `page_size`; `problem_kind`: of one
    kind only; `section_pages`: also one page of each kind, see selectors.release_page)."""
    data, snapshot = None, None
    if not fresh:
        snap = ReportSnapshot.objects.filter(kind=kind, period=period, params=params_key(filters)).first()
        if snap is not None:
            data = snap.data
            snapshot = {"id": snap.pk, "created_at": timezone.localtime(snap.created_at).isoformat()}
    with report_statements():
        if data is None:
            data = BUILDERS[kind](period, filters)
        if kind == "release" and "problem_index" in data:
            data = release_page(data, page=page, page_size=page_size, problem_kind=problem_kind,
                                section_pages=section_pages)
    return {**data, "snapshot": snapshot}


def snapshot_store(*, kind: str, period: str, filters: dict | None = None, with_created: bool = False):
    """Idempotent: a period already stored is left as it was. Returns the snapshot, or
    (snapshot, created) with `with_created`."""
    key = params_key(filters)
    existing = ReportSnapshot.objects.filter(kind=kind, period=period, params=key).first()
    if existing is not None:
        return (existing, False) if with_created else existing
    with report_statements():
        data = BUILDERS[kind](period, filters)
    try:
        with transaction.atomic():
            snap, created = ReportSnapshot.objects.create(kind=kind, period=period, params=key, data=data), True
    except IntegrityError:
        snap, created = ReportSnapshot.objects.get(kind=kind, period=period, params=key), False
    return (snap, created) if with_created else snap
