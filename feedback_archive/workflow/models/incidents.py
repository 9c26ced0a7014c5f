"""Post-incident reviews of critical items and problems (workflow/incidents.py)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IncidentReview(models.Model):
    """What went wrong, what fixed it, and what will stop it happening again — for one critical
    feedback item, or for a problem (then it covers every member). Required before a critical
    item's fix is verified (the close from verifying)."""

    feedback = models.OneToOneField("feedback.Feedback", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("feedback"))
    problem = models.OneToOneField("feedback.Problem", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="+", verbose_name=_("problem"))
    cause = models.TextField(_("cause"))
    fix = models.TextField(_("fix"))
    created_by_name = models.CharField(_("written by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")
        constraints = [models.CheckConstraint(condition=Q(feedback__isnull=False) | Q(problem__isnull=False),
                                              name="incidentreview_has_subject")]

    def __str__(self):
        return f"#{self.feedback_id}" if self.feedback_id else f"P{self.problem_id}"


class FollowUpAction(models.Model):
    """One follow-up of a review, with who does it and by when."""

    review = models.ForeignKey(IncidentReview, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")

    def __str__(self):
        return self.description[:40]
