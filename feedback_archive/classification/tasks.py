"""django-q2 entry points: thin, take ids, idempotent."""
from django_q.models import Schedule

from .services import feedback_classify, feedback_classify_many, unclassified_ids


def classify_feedback(feedback_id: int) -> bool:
    return feedback_classify(feedback_id=feedback_id)


def classify_many(feedback_ids: list[int]) -> int:
    return feedback_classify_many(feedback_ids=feedback_ids)


def sweep_unclassified() -> int:
    """Scheduled: re-enqueue feedback whose job was lost (crashed worker, broker restart)."""
    from django_q.tasks import async_task

    ids = unclassified_ids()
    for start in range(0, len(ids), 200):
        async_task("feedback_archive.classification.tasks.classify_many", ids[start:start + 200], group="classify-sweep")
    return len(ids)


SCHEDULES = [
    ("classification-sweeper", "feedback_archive.classification.tasks.sweep_unclassified", Schedule.MINUTES, 5, None),
]
