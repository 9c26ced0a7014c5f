from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("pending")
    IN_PROGRESS = "in_progress", _("in progress")
    VERIFYING = "verifying", _("verifying")
    CLOSED = "closed", _("closed")


class Resolution(models.TextChoices):
    FIXED = "fixed", _("fixed")
    ANSWERED = "answered", _("answered")
    DUPLICATE = "duplicate", _("duplicate")
    NOT_REPRODUCIBLE = "not_reproducible", _("not reproducible")
    WONT_FIX = "wont_fix", _("won't fix for now")
    BY_DESIGN = "by_design", _("works as designed")


# Closing straight from pending / in progress is only for outcomes that need no fix to verify.
NON_FIX_RESOLUTIONS = frozenset(
    {Resolution.ANSWERED, Resolution.DUPLICATE, Resolution.NOT_REPRODUCIBLE, Resolution.WONT_FIX, Resolution.BY_DESIGN}
)

TRANSITION_NAMES = ("start", "submit", "reject", "close", "reopen")


class Via(models.TextChoices):
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    JOB = "job", _("job")
    IMPORT = "import", _("import")
    SYSTEM = "system", _("system")


class PipelineState(models.TextChoices):
    """Where an item stands in the worker pipeline (intake/pipeline.py): stored and acknowledged
    (received), every stage done (understood), or a stage raised (failed: retried with back-off)."""

    RECEIVED = "received", _("received")
    UNDERSTOOD = "understood", _("understood")
    FAILED = "failed", _("failed")
