"""Satisfaction surveys after a close (workflow/satisfaction.py)."""
from django.db.models import Q
from django.db import models
from django.utils.translation import gettext_lazy as _

from .replies import TemplateLanguage


class Survey(models.Model):
    """One invitation to rate the handling of one closing of one feedback. Re-submitting through
    the same link (until it expires) updates the rating; a later closing gets its own survey."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="surveys")
    reporter = models.ForeignKey("feedback.Reporter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("language"), max_length=5, choices=TemplateLanguage.choices, default="zh")
    sent_at = models.DateTimeField(_("sent at"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged (low rating)"), default=False)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="survey_rating_1_to_5"),
        ]
        indexes = [
            models.Index(fields=["rated_at"], name="survey_rated_at"),
            models.Index(fields=["feedback", "-sent_at"], name="survey_feedback"),
        ]

    def __str__(self):
        return f"#{self.feedback_id} {self.rating or '-'}"
