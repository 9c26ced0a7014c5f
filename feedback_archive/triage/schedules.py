"""The recurring jobs, created idempotently at setup (bootstrap) — never by hand in the admin."""
from django_q.models import Schedule

SCHEDULES = [
    # name, func, schedule type, minutes
    ("classification-sweeper", "feedback_archive.classification.tasks.sweep_unclassified", Schedule.MINUTES, 5),
]


def ensure_schedules() -> None:
    for name, func, kind, minutes in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1}
        )
