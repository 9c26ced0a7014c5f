"""The team alert outbox: messages to a team (its lead's e-mail, its group bots) rather than to a
reporter — early warnings of a rising problem (reports/alerts.py) and regressions
(workflow/regressions.py). Written and sent by workflow/alerts.py only."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from .replies import OutboxRow


class AlertKind(models.TextChoices):
    EMAIL = "email", _("e-mail")
    FEISHU = "feishu", _("Feishu / Lark bot")
    DINGTALK = "dingtalk", _("DingTalk bot")
    WECOM = "wecom", _("WeCom bot")


class AlertEndpoint(models.Model):
    """Where a team's alerts go: an e-mail address or a group bot's webhook. An endpoint without a
    team receives the alerts of problems no team owns yet."""

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


class AlertDelivery(OutboxRow):
    """One alert on its way to one endpoint (or a colleague's address): written in the transaction
    that decided to alert, sent after the commit, retried with the outbox's backoff
    (OUTBOX_BACKOFF_SECONDS), a dead letter after the last try, which the admin can send again."""

    feedback = models.ForeignKey("feedback.Feedback", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="alert_deliveries", verbose_name=_("about"))
    endpoint = models.ForeignKey(AlertEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("endpoint"))
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    target = models.CharField(_("to"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alert_delivery_due")]

    def __str__(self):
        return f"{self.kind} → {self.target} ({self.status})"
