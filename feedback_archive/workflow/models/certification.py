"""Certification of the people who classify: a quiz per dimension drawn from the gold set, its
result against the pass mark, and whether the standard it was taken on still holds; and the
choices of uncertified agents kept as suggestions for review (workflow/certification.py)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CertificationStatus(models.TextChoices):
    PENDING = "pending", _("quiz in progress")
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")


class Certification(models.Model):
    """One certification quiz of one agent on one dimension, and its outcome. A pass counts until
    the dimension's definitions change (`standard_fingerprint` no longer matches): then it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent"))
    user_name = models.CharField(_("agent"), max_length=150)
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("dimension"))
    attempt = models.ForeignKey("classification.QuizAttempt", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("quiz attempt"))
    status = models.CharField(_("status"), max_length=10, choices=CertificationStatus.choices,
                              default=CertificationStatus.PENDING)
    standard_fingerprint = models.CharField(_("standard fingerprint"), max_length=64)
    started_at = models.DateTimeField(_("started at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    n = models.PositiveSmallIntegerField(_("items"), default=0)
    accuracy = models.FloatField(_("accuracy"), null=True, blank=True)
    kappa = models.FloatField(_("kappa"), null=True, blank=True)
    pass_accuracy = models.FloatField(_("pass mark: accuracy"), null=True, blank=True)
    pass_kappa = models.FloatField(_("pass mark: kappa"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    expiry_reason = models.CharField(_("expiry reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [models.UniqueConstraint(fields=["attempt", "dimension"], name="certification_once_per_attempt")]
        indexes = [models.Index(fields=["user", "dimension", "status"], name="certification_user_dim")]

    def __str__(self):
        return f"{self.user_name} · {self.dimension_id} · {self.status}"


class LabelSuggestionStatus(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class LabelSuggestion(models.Model):
    """A label an uncertified agent chose while only certified agents may confirm labels: kept for a
    certified agent to accept (it then becomes the confirmed label) or reject."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="+")
    dimension = models.ForeignKey("taxonomy.Dimension", on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey("taxonomy.Label", on_delete=models.CASCADE, related_name="+", verbose_name=_("label"))
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_by_name = models.CharField(_("proposed by"), max_length=150)
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=LabelSuggestionStatus.choices,
                              default=LabelSuggestionStatus.PENDING)
    reviewed_by_name = models.CharField(_("reviewed by"), max_length=150, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("label suggestion for review")
        verbose_name_plural = _("label suggestions for review")
        constraints = [models.UniqueConstraint(fields=["feedback", "dimension", "proposed_by"],
                                               condition=Q(status="pending"), name="labelsuggestion_one_pending")]

    def __str__(self):
        return f"#{self.feedback_id} {self.dimension_id}→{self.label_id}"
