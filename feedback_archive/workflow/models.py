from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.choices import Resolution, Status, Via


class TransitionLog(models.Model):
    """One step of the workflow: from, to, who did it, who owned the item then, when, why, and how
    long the item had been in the previous state. The stage ledger and reports read these rows."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(_("transition"), max_length=20)
    source = models.CharField(_("from"), max_length=20, choices=Status.choices)
    target = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("actor"), max_length=150)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner_name = models.CharField(_("owner"), max_length=150, blank=True)
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    seconds_in_previous = models.FloatField(_("seconds in previous state"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [
            models.Index(fields=["feedback", "at"], name="transition_feedback_at"),
            models.Index(fields=["at"], name="transition_at"),
        ]

    def __str__(self):
        return f"{self.source} → {self.target}"


class ReplyEvent(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_PROGRESS = "in_progress", _("being handled")
    FIXED = "fixed", _("fixed in a release")
    NOT_NOW = "not_now", _("can't fix now")
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
