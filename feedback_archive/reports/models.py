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
class AlertKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    FEISHU = "feishu", _("Feishu / Lark bot")
    DINGTALK = "dingtalk", _("DingTalk bot")
    WECOM = "wecom", _("WeCom bot")


class AlertEndpoint(models.Model):
    """Where a team's early warnings go: an e-mail address or a group bot's webhook. An endpoint
    without a team receives the alerts of problems no team owns yet."""

    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("team"))
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    target = models.CharField(_("webhook URL or e-mail address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("Feishu 签名校验 / DingTalk 加签 secret; WeCom needs none (the key is in the URL)."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alert endpoint")
        verbose_name_plural = _("alert endpoints")

    def __str__(self):
        return f"{self.get_kind_display()} → {self.team or _('unowned problems')}"


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

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("problem incident")
        verbose_name_plural = _("early warnings")
        indexes = [models.Index(fields=["key", "-last_triggered_at"], name="incident_key_recent")]

    def __str__(self):
        return f"{self.title} ({self.count})"


class AlertDelivery(models.Model):
    """The outbox of early warnings: one row per endpoint per incident, written with the incident,
    sent after the commit, retried with the outbox's backoff (workflow.outbox.backoff_seconds)."""

    incident = models.ForeignKey(ProblemIncident, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(AlertEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    target = models.CharField(_("to"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, default="pending")  # workflow DeliveryStatus values
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alertdelivery_due")]

    def __str__(self):
        return f"{self.kind} → {self.target} ({self.status})"
