"""The workflow's own history: one row per status change (the stage ledger reads these)."""
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
            # time in each state for a month (reports): answered from the index
            models.Index(fields=["at"], include=["source", "seconds_in_previous", "feedback"], name="transition_report_at"),
        ]

    def __str__(self):
        return f"{self.source} → {self.target}"
