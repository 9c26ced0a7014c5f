from django.db import models
from django.utils.translation import gettext_lazy as _

from feedback_archive.core.models import TimeStampedModel


class Source(models.TextChoices):
    APP_STORE = "app_store", _("App-store reviews")
    TICKET = "ticket", _("Ticket-system webhooks")
    COMMUNITY = "community", _("Community posts")
    SOCIAL = "social", _("Social-media posts")
    SALES = "sales", _("Sales notes")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportJob(TimeStampedModel):
    """One import of one file. `position` is the number of records committed, moved in the same
    transaction as the rows it covers, so a re-run of the same file continues from there."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    product = models.CharField(_("product"), max_length=50, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(_("file SHA-256"), max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), default=0)
    # Admin uploads keep their bytes here so a worker on another machine can read them; the
    # command reads from `path` instead. Cleared once the job is done.
    content = models.BinaryField(_("uploaded file"), null=True, blank=True, editable=False)
    path = models.CharField(_("path"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    batch_size = models.PositiveIntegerField(_("batch size"), default=500)
    total_rows = models.PositiveIntegerField(_("rows in file"), null=True, blank=True)
    position = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    existing = models.PositiveIntegerField(_("already stored"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    errors = models.JSONField(_("row errors (sample)"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    started_by = models.CharField(_("started by"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["file_hash", "source", "status"], name="intake_job_resume_idx")]

    def __str__(self):
        return f"#{self.pk} {self.filename}"


class PipelineAlert(models.Model):
    """One episode of pipeline lag above PIPELINE_LAG_ALERT_SECONDS: opened (and the admins
    e-mailed) once when it starts, closed when the lag falls back under the threshold."""

    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    oldest_age_seconds = models.FloatField(_("lag when opened (s)"))
    depth = models.PositiveIntegerField(_("backlog when opened"))
    peak_age_seconds = models.FloatField(_("worst lag (s)"), default=0)
    notified = models.PositiveIntegerField(_("admins e-mailed"), default=0)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("pipeline lag alert")
        verbose_name_plural = _("pipeline lag alerts")
        constraints = [
            # at most one open episode: two sweepers racing cannot both alert
            models.UniqueConstraint(fields=["closed_at"], condition=models.Q(closed_at__isnull=True),
                                    name="pipelinealert_one_open"),
        ]
