"""django-q2 entry points: thin, take ids, idempotent (a re-run resumes the job where it stands)."""
from feedback_archive.core.actors import Actor

from .services import import_job_run


def run_import(job_id: int) -> str:
    job = import_job_run(job_id=job_id, actor=Actor.system("import"))
    return f"{job.status}: {job.created} created, {job.existing} existing, {job.invalid} invalid"
