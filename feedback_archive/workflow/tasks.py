"""django-q2 entry points: thin, take ids, idempotent."""
from django_q.models import Schedule

from .alerts import alert_send as _alert_send
from .alerts import alert_send_due as _alert_send_due
from .outbox import delivery_send as _delivery_send
from .outbox import delivery_send_due as _delivery_send_due
from .regressions import problem_regressions_handle
from .replies import feedback_acknowledge
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


def delivery_send(delivery_id: int) -> str:
    """Enqueued after the commit that wrote the reply or survey; one attempt if it is due."""
    return _delivery_send(delivery_id=delivery_id)


def delivery_send_due() -> int:
    """Every minute: retries whose backoff has passed, and deliveries whose job was lost."""
    return _delivery_send_due()


def alert_send(delivery_id: int) -> str:
    """Enqueued after the commit that decided to alert a team (early warning, regression)."""
    return _alert_send(delivery_id=delivery_id)


def alert_send_due() -> int:
    """Every minute: team alerts whose retry is due, and those whose job was lost."""
    return _alert_send_due()


SCHEDULES = [
    ("workflow-sla-check", "feedback_archive.workflow.tasks.sla_check", Schedule.MINUTES, 5, None),
    ("workflow-outbox-retry", "feedback_archive.workflow.tasks.delivery_send_due", Schedule.MINUTES, 1, None),
    ("workflow-alert-retry", "feedback_archive.workflow.tasks.alert_send_due", Schedule.MINUTES, 1, None),
    ("workflow-problem-regressions", "feedback_archive.workflow.tasks.problem_regressions", Schedule.MINUTES, 1, None),
]


def problem_regressions() -> int:
    """Every minute (and after matching in the pipeline): reopen regressed problems, alert teams."""
    return problem_regressions_handle()


def acknowledge_feedback(feedback_ids: list[int]) -> int:
    """Enqueued by intake after commit, for channels that acknowledge receipt."""
    return feedback_acknowledge(feedback_ids=feedback_ids)
