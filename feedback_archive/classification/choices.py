from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")
    FAILED = "failed", _("failed")


class GoldSource(models.TextChoices):
    STANDARD = "standard", _("standard example")
    TRICKY = "tricky", _("tricky item")
    AGENT = "agent", _("added by a lead")
