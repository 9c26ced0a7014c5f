"""Routing rules and what routing decided (workflow/routing.py)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssignmentStrategy(models.TextChoices):
    LEAST_OPEN = "least_open", _("least open work")
    ROUND_ROBIN = "round_robin", _("round robin")
    TEAM_ONLY = "team_only", _("team only (nobody inside it)")


class RoutingRule(models.Model):
    """If a feedback matches every condition that is filled in, it goes to `team`. Empty conditions
    match anything; within a condition any one value is enough. Rules are tried by `order`, the
    default rule last, and the first match wins."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=100, help_text=_("Lower numbers are tried first."))
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default rule"), default=False,
        help_text=_("Used when no other rule matches; its conditions are ignored. At most one."),
    )
    labels = models.ManyToManyField(
        "taxonomy.Label", verbose_name=_("labels"), blank=True, related_name="+",
        help_text=_("Module, type, severity … The item needs one of the chosen labels of every dimension chosen here."),
    )
    products = models.ManyToManyField("versions.Product", verbose_name=_("products"), blank=True, related_name="+")
    platforms = models.CharField(
        _("platforms"), max_length=200, blank=True, help_text=_("Comma-separated, e.g. ios, android."),
    )
    locales = models.CharField(
        _("locales / regions"), max_length=200, blank=True,
        help_text=_("Comma-separated prefixes of the reporter's locale, e.g. en, ja, zh-TW."),
    )
    channels = models.ManyToManyField("feedback.Channel", verbose_name=_("channels"), blank=True, related_name="+")
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("One per line; any one of them in the title or text is enough."),
    )
    team = models.ForeignKey("core.Team", on_delete=models.PROTECT, related_name="routing_rules", verbose_name=_("team"))
    strategy = models.CharField(
        _("assignment"), max_length=20, choices=AssignmentStrategy.choices, default=AssignmentStrategy.LEAST_OPEN,
    )
    reroute_on_relabel = models.BooleanField(
        _("re-route on re-label"), default=False,
        help_text=_("Hand over items that already belong to another team when a re-label makes this rule match. "
                    "Items a person assigned by hand are never moved."),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["is_default", "order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="routingrule_one_default"),
        ]
        indexes = [models.Index(fields=["is_active", "is_default", "order"], name="routingrule_order")]

    def __str__(self):
        return self.name


class RoutingOutcome(models.TextChoices):
    ROUTED = "routed", _("routed")
    REROUTED = "rerouted", _("handed over to another team")
    KEPT_MANUAL = "kept_manual", _("kept: assigned by a person")
    KEPT = "kept", _("kept: already owned")
    NO_MATCH = "no_match", _("no rule matched")


class RoutingDecision(models.Model):
    """What routing did to one feedback, and why. Written by `route_feedback` only."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="routing_decisions")
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions",
                             verbose_name=_("rule"))
    rule_name = models.CharField(_("rule name"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=RoutingOutcome.choices)
    previous_team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("previous team"))
    team = models.ForeignKey("core.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("team"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("assignee"))
    strategy = models.CharField(_("assignment"), max_length=20, choices=AssignmentStrategy.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")
        indexes = [
            models.Index(fields=["feedback", "-at"], name="routingdecision_feedback"),
            models.Index(fields=["team", "strategy", "-id"], name="routingdecision_team"),
        ]

    def __str__(self):
        return f"#{self.feedback_id} → {self.team_id or '-'} ({self.outcome})"
