"""django-q2 entry points: thin, take ids, idempotent."""
from django_q.models import Schedule

from .routing import route_feedback as _route
from .sla import sla_check as _sla_check
from .sla import sla_refresh


def route_feedback(feedback_id: int) -> str:
    """Enqueued (on commit) when an item is classified or re-labelled: route it, then recompute its
    SLA clock, since the severity — and so the policy — may have changed with the labels."""
    decision = _route(feedback_id=feedback_id)
    sla_refresh(feedback_id=feedback_id)
    return decision.outcome if decision else "unchanged"


def route_many(feedback_ids: list[int]) -> int:
    """One job per classified chunk (batch runs, bulk intake) instead of one per item."""
    for feedback_id in feedback_ids:
        route_feedback(feedback_id)
    return len(feedback_ids)


def sla_check() -> dict:
    return _sla_check()


SCHEDULES = [
    ("workflow-sla-check", "feedback_archive.workflow.tasks.sla_check", Schedule.MINUTES, 5, None),
]
