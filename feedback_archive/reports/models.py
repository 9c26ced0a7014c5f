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


# --- early warning (reports/alerts.py) -----------------------------------------------------------
class ProblemIncident(models.Model):
    """One sharp rise of one problem, alerted once. It stays open while its trigger keeps holding and
    ends REPORTS_ALERT_QUIET_HOURS after it last held; the next rise is a new incident."""

    key = models.BigIntegerField(_("problem key"))  # reports.problems.problem_key: −problem id, or lead item id
    problem = models.ForeignKey("feedback.Problem", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("problem"))
    lead = models.ForeignKey("feedback.Feedback", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("lead item"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("team"))
    title = models.CharField(_("title"), max_length=200)
    rule = models.CharField(_("rule"), max_length=10)  # count | jump
    count = models.PositiveIntegerField(_("reports in the window"))
    expected = models.FloatField(_("expected in the window"))
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    first_report_at = models.DateTimeField(_("first report of the window"))
    opened_at = models.DateTimeField(_("alerted at"))
    last_triggered_at = models.DateTimeField(_("trigger last held at"))
    # the alerts sent for it, in the workflow's team alert outbox (workflow/alerts.py)
    alerts = models.ManyToManyField("workflow.AlertDelivery", blank=True, related_name="+",
                                    verbose_name=_("alerts"))

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("problem incident")
        verbose_name_plural = _("early warnings")
        indexes = [models.Index(fields=["key", "-last_triggered_at"], name="incident_key_recent")]

    def __str__(self):
        return f"{self.title} ({self.count})"
