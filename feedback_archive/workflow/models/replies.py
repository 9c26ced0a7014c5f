"""Messages to reporters, the templates they start from, and the outbox that carries them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReplyEvent(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_PROGRESS = "in_progress", _("being handled")
    FIXED = "fixed", _("fixed in a release")
    NOT_NOW = "not_now", _("can't fix now")
    NOT_REPRODUCIBLE = "not_reproducible", _("could not reproduce")
    BY_DESIGN = "by_design", _("works as designed")
    ANSWERED = "answered", _("answered")
    DUPLICATE = "duplicate", _("duplicate of a known issue")
    OTHER = "other", _("other")


class Reply(models.Model):
    """A message to the reporter. Closing needs one (close the loop)."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="replies")
    reporter = models.ForeignKey("feedback.Reporter", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    event = models.CharField(_("event"), max_length=20, choices=ReplyEvent.choices, default=ReplyEvent.OTHER)
    body = models.TextField(_("reply"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(_("author"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        indexes = [models.Index(fields=["feedback", "created_at"], name="reply_feedback_created")]

    def __str__(self):
        return self.body[:40]


class TemplateLanguage(models.TextChoices):
    ZH = "zh", "中文"
    EN = "en", "English"


SURVEY_EVENT = "survey"
TEMPLATE_EVENTS = [*ReplyEvent.choices, (SURVEY_EVENT, _("satisfaction survey invitation"))]


class ReplyTemplate(models.Model):
    """The text sent to a reporter for one event in one language. Placeholders in braces are
    filled in when a reply is written: {number} {title} {release} {reason} {expectation}
    {canonical} {survey_url} {days}; unknown ones are left as they are."""

    event = models.CharField(_("event"), max_length=20, choices=TEMPLATE_EVENTS)
    language = models.CharField(_("language"), max_length=5, choices=TemplateLanguage.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["event", "language"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        constraints = [models.UniqueConstraint(fields=["event", "language"], name="replytemplate_event_language")]

    def __str__(self):
        return f"{self.get_event_display()} · {self.get_language_display()}"


class ChannelDelivery(models.Model):
    """How replies reach the reporters of one channel through its own system (in-app messages,
    the ticket system): a webhook we POST a signed JSON body to."""

    channel = models.OneToOneField("feedback.Channel", on_delete=models.CASCADE, related_name="delivery",
                                   verbose_name=_("channel"))
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200,
        help_text=_("Shared with the receiver; the body is signed with HMAC-SHA256 in the X-Feedback-Signature header."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["channel__slug"]
        verbose_name = _("channel delivery")
        verbose_name_plural = _("channel deliveries")

    def __str__(self):
        return f"{self.channel} → {self.webhook_url}"


class DeliveryMethod(models.TextChoices):
    EMAIL = "email", _("e-mail")
    WEBHOOK = "webhook", _("signed webhook")
    NONE = "none", _("none")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RETRYING = "retrying", _("retrying")
    SENT = "sent", _("sent")
    DEAD = "dead", _("dead letter")
    NOT_APPLICABLE = "not_applicable", _("not applicable (no way to reach the reporter)")


class OutboxRow(models.Model):
    """What every outbox row carries to be sent, retried and given up on (workflow/outbox.py
    `claim_due`): the reporters' outbox (Delivery) and the team alerts (AlertDelivery)."""

    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


class Delivery(OutboxRow):
    """One message in the outbox: a reply, or a survey invitation, on its way to one reporter.
    Written by workflow/outbox.py only."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="deliveries")
    reply = models.OneToOneField(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery")
    survey = models.OneToOneField("workflow.Survey", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="delivery")
    method = models.CharField(_("method"), max_length=10, choices=DeliveryMethod.choices)
    recipient = models.CharField(_("recipient"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=TemplateLanguage.choices, default="zh")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("outbox")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["feedback", "created_at"], name="delivery_feedback"),
        ]

    def __str__(self):
        return f"#{self.feedback_id} {self.method} {self.status}"


class DeadLetter(Delivery):
    """The deliveries that gave up after every retry, for the dead-letter view."""

    class Meta:
        proxy = True
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")
