"""Guidance written because users kept asking (workflow/guidance.py)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class GuidanceNote(models.Model):
    """The docs owner's "guidance written" mark for one topic (a module label): where the new help
    text lives and when it went out, so the monthly report can show whether the questions fell."""

    topic = models.ForeignKey("taxonomy.Label", on_delete=models.PROTECT, related_name="+", verbose_name=_("topic"),
                              limit_choices_to={"dimension__code": "module"})
    link = models.URLField(_("link to the guidance"), max_length=500)
    note = models.TextField(_("note"), blank=True)
    written_at = models.DateTimeField(_("written at"))
    written_by_name = models.CharField(_("written by"), max_length=150)

    class Meta:
        ordering = ["-written_at", "-id"]
        verbose_name = _("guidance note")
        verbose_name_plural = _("guidance notes")

    def __str__(self):
        return f"{self.topic_id} {self.written_at:%Y-%m-%d}"
