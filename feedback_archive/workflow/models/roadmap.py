"""Planned work linked to the feedback that asks for it (workflow/roadmap.py)."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoadmapStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    SHIPPED = "shipped", _("shipped")


class RoadmapItem(models.Model):
    """Planned work that answers many feedback items. Shipping it (`roadmap_ship`) tells every
    linked reporter, through the workflow services."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RoadmapStatus.choices, default=RoadmapStatus.PLANNED)
    target_release = models.ForeignKey("versions.Release", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+", verbose_name=_("target release"))
    shipped_in = models.ForeignKey("versions.Release", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("shipped in"))
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    feedback = models.ManyToManyField("feedback.Feedback", blank=True, related_name="roadmap_items",
                                      verbose_name=_("feedback"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["status", "-updated_at", "-id"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap")
        indexes = [models.Index(fields=["status", "-updated_at"], name="roadmap_status")]

    def __str__(self):
        return self.title


class DecisionKind(models.TextChoices):
    LINKED = "linked", _("linked to a roadmap item")
    DECLINED = "declined", _("declined")


class ProductDecision(models.Model):
    """The product owners' answer to one suggestion or won't-fix item in the planning queue: linked to a
    roadmap item, or declined with the reason the reporter was told. One per item; a later decision
    replaces it (workflow/planning.py)."""

    feedback = models.OneToOneField("feedback.Feedback", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    roadmap_item = models.ForeignKey(RoadmapItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("roadmap item"))
    reason = models.TextField(_("reason"), blank=True)
    decided_by_name = models.CharField(_("decided by"), max_length=150)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("product decision")
        verbose_name_plural = _("product decisions")

    def __str__(self):
        return f"#{self.feedback_id} {self.kind}"
