"""File imports: preview, prepare (find or create the ImportJob), run in resumable batches.

Resume: a job's `position` (records consumed) moves in the same transaction as the feedback those
records produced, so after a crash the rows before `position` are stored and the ones after are
not; re-running the same file (same SHA-256, source and product) continues from there.
Idempotency on top: every item carries an external_id, so even a row imported twice (a new job
for a file already done, or an overlap) is found by feedback_create instead of stored again."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.bulk import each
from feedback_archive.core.exceptions import ApplicationError, ConflictError, error_text
from feedback_archive.core.permissions import check_can_change
from feedback_archive.core.roles import ADMINISTRATOR
from feedback_archive.feedback.choices import PipelineState
from feedback_archive.feedback.models import Feedback
from feedback_archive.feedback.selectors import pipeline_lag
from feedback_archive.feedback.services import feedback_create, feedback_create_many

from . import pipeline
from .adapters import ADAPTERS, Adapted, RowError
from .models import ImportJob, JobStatus, PipelineAlert, Source
from .readers import count_records, open_records

RUN_TASK = "feedback_archive.intake.tasks.run_import"
PIPELINE_TASK = "feedback_archive.intake.tasks.run_pipeline"
INLINE_MAX_ROWS = 2000  # admin uploads up to this run in the request; larger ones go to a worker
ERRORS_KEPT = 200
PREVIEW_ROWS = 50


def _check_source(source: str) -> None:
    if source not in Source.values:
        raise ApplicationError("unknown source", fields={"source": [
            _("Unknown source '%(s)s'; one of: %(all)s.") % {"s": source, "all": ", ".join(Source.values)}]})


def _open(*, data: bytes | None = None, path: str = ""):
    if data is not None:
        return io.BytesIO(bytes(data))
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ApplicationError("unreadable file", fields={"file": [str(exc)]}) from None


def _job_stream(job: ImportJob):
    return _open(data=job.content, path=job.path) if job.content is not None else _open(path=job.path)


def adapted_rows(fh, *, filename: str, source: str, product: str = "", today: dt.date | None = None):
    """(headers, iterator of Adapted) for an open binary file; raises ApplicationError for a bad file."""
    _check_source(source)
    records = open_records(fh, filename=filename, source=source)
    adapter = ADAPTERS[source]
    today = today or timezone.localdate()

    def rows():
        for row, record in records.rows:
            if "__invalid__" in record:
                yield Adapted(row=row, errors=[RowError(row, "record", record["__invalid__"])])
                continue
            yield adapter(record, row=row, product=product, today=today, raw_headers=records.headers)

    return records.headers, rows()


def import_preview(*, data: bytes | None = None, path: str = "", filename: str, source: str, product: str = "",
                   limit: int = PREVIEW_ROWS) -> dict:
    """Read the whole file without writing: the first `limit` normalised items, every row error
    (up to ERRORS_KEPT), counts. The admin's preview and the command's --dry-run."""
    items, errors = [], []
    total = valid = invalid = blank = 0
    with _open(data=data, path=path) as fh:
        headers, rows = adapted_rows(fh, filename=filename, source=source, product=product)
        try:
            for adapted in rows:
                total += 1
                if adapted.blank:
                    blank += 1
                elif adapted.errors:
                    invalid += 1
                    if len(errors) < ERRORS_KEPT:
                        errors.extend(e.as_dict() for e in adapted.errors)
                else:
                    valid += len(adapted.items)
                    for item in adapted.items:
                        if len(items) < limit:
                            items.append({"row": adapted.row, **item})
        except UnicodeDecodeError:
            raise _encoding_error(total) from None
    return {"headers": headers, "items": items, "errors": errors[:ERRORS_KEPT], "rows": total,
            "valid": valid, "invalid": invalid, "blank": blank}


def _encoding_error(after: int) -> ApplicationError:
    message = _("The text encoding changes after record %(n)d; save the file again as CSV UTF-8.") % {"n": after}
    return ApplicationError(message, fields={"file": [message]})


def file_sha256(*, data: bytes | None = None, path: str = "") -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with _open(data=data, path=path) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def import_job_prepare(*, source: str, actor: Actor, filename: str = "", data: bytes | None = None, path: str = "",
                       product: str = "", batch_size: int = 500) -> ImportJob:
    """The unfinished job for this very file (to resume), or a new one. Refuses files that cannot be
    read at all (empty, wrong encoding, no text column) before anything is stored."""
    _check_source(source)
    if batch_size < 1:
        raise ApplicationError("bad batch", fields={"batch": [_("The batch size must be at least 1.")]})
    filename = filename or Path(path).name
    with _open(data=data, path=path) as fh:
        adapted_rows(fh, filename=filename, source=source, product=product)  # raises for a bad file
    file_hash, size = file_sha256(data=data, path=path)
    job = (ImportJob.objects.filter(file_hash=file_hash, source=source, product=product)
           .exclude(status=JobStatus.DONE).order_by("-id").first())
    if job is not None:
        changed = []
        if path and job.path != path:
            job.path = path  # the same file moved: resume from where it is now
            changed.append("path")
        if job.batch_size != batch_size and job.status == JobStatus.PENDING:
            job.batch_size = batch_size
            changed.append("batch_size")
        if changed:
            job.save(update_fields=[*changed, "updated_at"])
        return job
    return ImportJob.objects.create(
        source=source, product=product, filename=filename[:255], file_hash=file_hash, file_size=size,
        content=data if data is not None else None, path=path if data is None else "", batch_size=batch_size,
        started_by=actor.name[:150],
    )


def import_job_start(*, job_id: int, actor: Actor) -> ImportJob:
    """The admin's confirm: small files import now, large ones go to a worker after commit."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        raise ConflictError(_("Import #%(id)d is already under way; its page shows the progress.") % {"id": job.pk})
    if job.status == JobStatus.DONE:
        raise ConflictError(_("Import #%(id)d is finished.") % {"id": job.pk})
    if job.total_rows is None:
        with _job_stream(job) as fh:
            job.total_rows = count_records(fh, filename=job.filename, source=job.source)
        job.save(update_fields=["total_rows", "updated_at"])
    if job.total_rows - job.position <= INLINE_MAX_ROWS:
        return import_job_run(job_id=job.pk, actor=actor)
    job.status = JobStatus.QUEUED
    job.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task(RUN_TASK, job_id, task_name=f"import-{job_id}", group="import")


def import_job_run(*, job_id: int, actor: Actor, progress: Callable[[ImportJob, float], None] | None = None,
                   stop_after_batches: int | None = None) -> ImportJob:
    """Import from the job's position to the end, one transaction per batch.
    `stop_after_batches` stops early, as an interruption would (tests, and a way to sample)."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status == JobStatus.DONE:
        return job
    if job.total_rows is None:
        with _job_stream(job) as fh:
            job.total_rows = count_records(fh, filename=job.filename, source=job.source)
    job.status = JobStatus.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.message = ""
    job.save(update_fields=["status", "started_at", "message", "total_rows", "updated_at"])
    started, done_here, batches = time.monotonic(), 0, 0
    try:
        with _job_stream(job) as fh:
            _headers, rows = adapted_rows(fh, filename=job.filename, source=job.source, product=job.product)
            batch: list[Adapted] = []
            consumed = 0
            for adapted in rows:
                consumed += 1
                if consumed <= job.position:
                    continue  # committed by an earlier run
                batch.append(adapted)
                if len(batch) >= job.batch_size:
                    job = _commit_batch(job=job, batch=batch, actor=actor)
                    done_here += len(batch)
                    batch, batches = [], batches + 1
                    if progress:
                        progress(job, done_here / max(time.monotonic() - started, 1e-6))
                    if stop_after_batches is not None and batches >= stop_after_batches:
                        return job
            if batch:
                job = _commit_batch(job=job, batch=batch, actor=actor)
                done_here += len(batch)
                if progress:
                    progress(job, done_here / max(time.monotonic() - started, 1e-6))
    except UnicodeDecodeError:
        return _fail(job, str(_encoding_error(job.position).message))
    except ConflictError as exc:
        return _fail(job, error_text(exc), keep_status=True)
    except ApplicationError as exc:
        return _fail(job, error_text(exc))
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.total_rows = job.position
    job.content = None  # the bytes were only kept to run (or resume) the job
    job.save(update_fields=["status", "finished_at", "total_rows", "content", "updated_at"])
    return job


def _fail(job: ImportJob, message: str, keep_status: bool = False) -> ImportJob:
    job.refresh_from_db()
    job.message = message
    fields = ["message", "updated_at"]
    if not keep_status:
        job.status = JobStatus.FAILED
        fields.append("status")
    job.save(update_fields=fields)
    return job


def _commit_batch(*, job: ImportJob, batch: list[Adapted], actor: Actor) -> ImportJob:
    expected = job.position
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.position != expected:
            # two processes on one file: the second one stops rather than counting twice
            raise ConflictError(_("Another process is importing this file (it is at record %(n)d).") % {"n": job.position})
        items, rows_of_item, errors = [], [], []
        invalid_rows = set()
        for adapted in batch:
            if adapted.errors:
                errors.extend(adapted.errors)
                invalid_rows.add(adapted.row)
            for item in adapted.items:
                items.append(item)
                rows_of_item.append(adapted.row)
        for result in feedback_receive_many(items=items, actor=actor):
            row = rows_of_item[result["index"]]
            if "errors" in result:
                invalid_rows.add(row)
                errors.extend(RowError(row, f, str(m)) for f, msgs in result["errors"].items() for m in msgs)
            elif result["created"]:
                job.created += 1
            else:
                job.existing += 1
        job.invalid += len(invalid_rows)
        room = ERRORS_KEPT - len(job.errors)
        if room > 0:
            job.errors = job.errors + [e.as_dict() for e in errors[:room]]
        job.position = expected + len(batch)
        job.save(update_fields=["position", "created", "existing", "invalid", "errors", "updated_at"])
    return job


# --- receiving: the thin store, then one pipeline job per batch ------------------------------------
# The API, imports and the admin call these (not feedback_create directly): the feedback layer
# stores, and intake — the layer above classification and workflow — enqueues the understanding.

def feedback_receive(*, actor: Actor, **fields):
    """One item: stored (or found by its external id) and, when new, its pipeline job enqueued
    with the commit. Returns (feedback, created) like feedback_create."""
    with transaction.atomic():
        feedback, created = feedback_create(actor=actor, **fields)
        if created:
            pipeline_enqueue(feedback_ids=[feedback.pk])
    return feedback, created


def feedback_receive_many(*, items: list[dict], actor: Actor) -> list[dict]:
    """A batch (bulk API, an import batch): per-item results as feedback_create_many gives them,
    and ONE pipeline job for the items it created."""
    with transaction.atomic():
        results = feedback_create_many(items=items, actor=actor)
        new_ids = [r["id"] for r in results if r.get("created") is True]
        if new_ids:
            pipeline_enqueue(feedback_ids=new_ids)
    return results


def pipeline_enqueue(*, feedback_ids: list[int]) -> None:
    """The job for a batch, committed with it. The ORM broker keeps its jobs in this database, so
    there the job row is written inside the transaction and commits or rolls back with the items
    (one commit per request, not two); a Redis worker could take the job before the items are
    visible, so that waits for the commit."""
    ids = list(feedback_ids)
    q = settings.Q_CLUSTER
    if q.get("orm") and not q.get("sync"):
        _send_pipeline_job(ids)
    else:
        transaction.on_commit(lambda: _send_pipeline_job(ids))


def _send_pipeline_job(ids: list[int]) -> None:
    from django_q.tasks import async_task

    # jobs of at most JOB_MAX_ITEMS: a stopping worker finishes the jobs it holds (docs/reliability.md)
    size = settings.JOB_MAX_ITEMS
    for start in range(0, len(ids), size):
        async_task(PIPELINE_TASK, ids[start:start + size], group="pipeline")


def pipeline_job(*, feedback_ids: list[int]) -> dict:
    """The job: its own items plus, when it has room (PIPELINE_BATCH), items waiting for a job
    that has not started yet — under a flood of single creates the first job takes the backlog in
    batches and the later jobs find their items done (a cheap no-op)."""
    room = settings.PIPELINE_BATCH - len(feedback_ids)
    # the claim makes concurrent jobs take disjoint rows (they used to all pick the oldest
    # waiting items and queue behind each other's row locks); items another live job holds are
    # left to it
    token, ids = pipeline.pipeline_claim(feedback_ids=feedback_ids, room=room)
    try:
        return pipeline.pipeline_run(feedback_ids=ids) if ids else {"understood": 0, "failed": 0}
    finally:
        pipeline.pipeline_release(token=token)


def pipeline_rerun(*, feedback_ids: list[int], actor: Actor) -> tuple[list[int], dict[int, str]]:
    """Re-run the pipeline for items not yet understood (an admin action, after fixing what broke a
    stage): fresh attempts, one job for them. Returns (queued ids, {id: why skipped}); an item the
    actor may not change, or one already understood, is skipped with the reason."""
    rows = {f.pk: f for f in Feedback.objects.filter(pk__in=list(feedback_ids)).select_related("team")}

    def may_rerun(fid):
        feedback = rows.get(fid)
        if feedback is None:
            raise ApplicationError(_("No such feedback."))
        if feedback.pipeline_state == PipelineState.UNDERSTOOD:
            raise ApplicationError(_("Already understood."))
        check_can_change(actor, feedback)

    queued, skipped = each(feedback_ids, may_rerun)
    if queued:
        with transaction.atomic():
            pipeline.pipeline_reset_attempts(queued)
            pipeline_enqueue(feedback_ids=queued)
    return queued, skipped


def pipeline_sweep(*, now=None) -> dict:
    """Every minute: re-enqueue failed items whose back-off has passed and received items whose
    job was lost, in batches; then check the lag alert."""
    ids = pipeline.pipeline_due_ids(now=now)
    batch = settings.PIPELINE_BATCH
    for start in range(0, len(ids), batch):
        _send_pipeline_job(ids[start:start + batch])
    return {"enqueued": len(ids), **pipeline_lag_check(now=now)}


def pipeline_lag_check(*, now=None) -> dict:
    """Alert the administrators (e-mail, like the SLA digests) once per episode of lag above
    PIPELINE_LAG_ALERT_SECONDS; the episode (a PipelineAlert row) closes when lag is back under it."""
    now = now or timezone.now()
    lag = pipeline_lag(now=now)
    threshold = float(settings.PIPELINE_LAG_ALERT_SECONDS)
    age = lag["oldest_age_seconds"] or 0.0
    open_alert = PipelineAlert.objects.filter(closed_at__isnull=True).first()
    if age <= threshold:
        if open_alert is not None:
            PipelineAlert.objects.filter(pk=open_alert.pk).update(closed_at=now)
        return {**lag, "alert": "closed" if open_alert else "none"}
    if open_alert is not None:
        if age > open_alert.peak_age_seconds:
            PipelineAlert.objects.filter(pk=open_alert.pk).update(peak_age_seconds=age)
        return {**lag, "alert": "open"}
    admins = list(get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name=ADMINISTRATOR), is_active=True)
                  .exclude(email="").values_list("email", flat=True).distinct())
    subject = _("[Feedback archive] Pipeline lag %(min)d min (%(n)d items waiting)") % {
        "min": age // 60, "n": lag["depth"]}
    body = _("The oldest item not yet understood was received %(age)d s ago; %(n)d items are waiting, "
             "%(failed)d of them failed a stage. Search and duplicate links lag intake by as much. "
             "Check the workers (manage.py pipeline_status) and the failed items in the admin.") % {
        "age": age, "n": lag["depth"], "failed": lag["failed"]}
    try:
        with transaction.atomic():
            PipelineAlert.objects.create(opened_at=now, oldest_age_seconds=age, depth=lag["depth"],
                                         peak_age_seconds=age, notified=len(admins))
            if admins:
                # inside the transaction: a failed send leaves no episode, so the next sweep retries
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, admins)
    except IntegrityError:
        return {**lag, "alert": "open"}  # a concurrent sweep opened it
    return {**lag, "alert": "opened"}
