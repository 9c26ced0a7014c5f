"""django-q2 entry points: thin, take ids, idempotent (a re-run resumes the job where it stands)."""
from django_q.models import Schedule

from feedback_archive.core.actors import Actor

from .services import import_job_run, pipeline_job, pipeline_sweep


def run_import(job_id: int) -> str:
    job = import_job_run(job_id=job_id, actor=Actor.system("import"))
    return f"{job.status}: {job.created} created, {job.existing} existing, {job.invalid} invalid"


def run_pipeline(feedback_ids: list[int]) -> dict:
    """One job per intake batch (enqueued with its commit): every stage still due for the items."""
    return pipeline_job(feedback_ids=feedback_ids)


def sweep_pipeline() -> dict:
    """Every minute: retries whose back-off has passed, items whose job was lost, the lag alert."""
    return pipeline_sweep()


SCHEDULES = [
    ("intake-pipeline-sweeper", "feedback_archive.intake.tasks.sweep_pipeline", Schedule.MINUTES, 1, None),
]
