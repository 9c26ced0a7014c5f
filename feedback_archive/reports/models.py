from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSnapshot(models.Model):
    """A report as it was when its period closed. Never changed afterwards: later edits to the
    feedback do not rewrite history; `fresh=1` recomputes from current data without touching it."""

    kind = models.CharField(_("kind"), max_length=20)  # weekly | monthly | release
    period = models.CharField(_("period"), max_length=40)  # 2026-W47 | 2026-11 | release id
    params = models.CharField(_("filters"), max_length=200, blank=True)  # e.g. product=im
    data = models.JSONField(_("data"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "period", "params"], name="snapshot_unique_period")]

    def __str__(self):
        return f"{self.kind} {self.period} {self.params}".strip()
