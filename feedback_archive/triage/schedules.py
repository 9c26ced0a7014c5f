"""The recurring jobs, created idempotently at setup (`manage.py bootstrap` / `ensure_schedules`).

Each app lists its own in `tasks.py` as SCHEDULES = [(name, dotted func, schedule_type, minutes
or None, cron or None), …]; this collects them, so apps don't edit one shared list."""
from importlib import import_module

from django.apps import apps
from django_q.models import Schedule


def all_schedules() -> list[tuple]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("feedback_archive."):
            continue
        try:
            module = import_module(f"{config.name}.tasks")
        except ModuleNotFoundError:
            continue
        found.extend(getattr(module, "SCHEDULES", []))
    return found


def ensure_schedules() -> list[str]:
    names = []
    for name, func, kind, minutes, cron in all_schedules():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "minutes": minutes, "cron": cron, "repeats": -1}
        )
        names.append(name)
    return names
