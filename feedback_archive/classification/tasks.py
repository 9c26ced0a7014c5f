"""django-q2 entry points: thin, take ids, idempotent."""
from django.conf import settings
from django.db import transaction
from django_q.models import Schedule

from feedback_archive.core.actors import Actor

from . import services
from .services import feedback_classify, feedback_classify_many, unclassified_ids


def classify_feedback(feedback_id: int) -> bool:
    return feedback_classify(feedback_id=feedback_id)


def classify_many(feedback_ids: list[int]) -> int:
    return feedback_classify_many(feedback_ids=feedback_ids)


def sweep_unclassified() -> int:
    """Scheduled: re-enqueue feedback whose job was lost (crashed worker, broker restart)."""
    from django_q.tasks import async_task

    ids = unclassified_ids(older_than_seconds=settings.JOB_LOST_AFTER_SECONDS)
    size = settings.JOB_MAX_ITEMS
    for start in range(0, len(ids), size):
        async_task("feedback_archive.classification.tasks.classify_many", ids[start:start + size], group="classify-sweep")
    return len(ids)


def classification_run_step(run_id: int) -> bool:
    """One chunk of a batch run; chains the next chunk until the run is done."""
    more = services.classification_run_step(run_id=run_id)
    if more:
        transaction.on_commit(lambda: services.classification_run_enqueue(run_id=run_id))
    return more


def resume_stalled_runs() -> int:
    """Scheduled: a run whose worker was killed continues from its last processed id."""
    ids = services.stalled_run_ids()
    for run_id in ids:
        services.classification_run_enqueue(run_id=run_id)
    return len(ids)


def train_models(actor_name: str = "job") -> dict:
    rows = services.classifier_train(actor=Actor(key_name=actor_name, via="job"))
    return {r.dimension.code: {"active": r.is_active, **r.metrics} for r in rows}


SCHEDULES = [
    # every JOB_SWEEP_MINUTES: bounds how long a job lost with a killed cluster stays undone
    ("classification-sweeper", "feedback_archive.classification.tasks.sweep_unclassified", Schedule.MINUTES,
     settings.JOB_SWEEP_MINUTES, None),
    ("classification-resume-runs", "feedback_archive.classification.tasks.resume_stalled_runs", Schedule.MINUTES,
     settings.JOB_SWEEP_MINUTES, None),
    # nightly: yesterday's confirmations improve today's suggestions; a model that does not beat
    # the rules on held-out items stays inactive, so this is safe to run unattended
    ("classification-train-models", "feedback_archive.classification.tasks.train_models", Schedule.DAILY, None, None),
]
