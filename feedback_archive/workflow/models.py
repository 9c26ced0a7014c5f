from django.conf import settings
from django.db import models
from django.db.models import Q
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


# --- routing (workflow/routing.py) ----------------------------------------------------------------
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


# --- SLA (workflow/sla.py) ---------------------------------------------------------------------------
class SlaClock(models.TextChoices):
    BUSINESS = "business", _("business hours")
    CALENDAR = "calendar", _("calendar hours")


class SlaPolicy(models.Model):
    """Targets for one severity (optionally one product): first response — leaving pending — and
    resolution, counted from receipt in business or calendar hours, paused time excluded."""

    name = models.CharField(_("name"), max_length=100)
    severity = models.ForeignKey(
        "taxonomy.Label", on_delete=models.PROTECT, related_name="+", verbose_name=_("severity"),
        limit_choices_to={"dimension__code": "severity"},
    )
    product = models.ForeignKey(
        "versions.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("product"),
        help_text=_("Empty: every product without a policy of its own."),
    )
    first_response_hours = models.DecimalField(_("first response within (hours)"), max_digits=7, decimal_places=2)
    resolution_hours = models.DecimalField(_("resolution within (hours)"), max_digits=7, decimal_places=2)
    clock = models.CharField(_("clock"), max_length=10, choices=SlaClock.choices, default=SlaClock.BUSINESS)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["severity__order", "product__slug", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["severity", "product"], condition=Q(product__isnull=False),
                                    name="slapolicy_unique_severity_product"),
            models.UniqueConstraint(fields=["severity"], condition=Q(product__isnull=True),
                                    name="slapolicy_unique_severity_any_product"),
        ]

    def __str__(self):
        return self.name


class HolidayKind(models.TextChoices):
    OFF = "off", _("day off (holiday)")
    WORKDAY = "workday", _("working day (调休 make-up day)")


class Holiday(models.Model):
    """A date that breaks the weekly pattern of the business-hours calendar: a public holiday on a
    weekday, or a weekend day that is worked (调休)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices, default=HolidayKind.OFF)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday / make-up day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self):
        return f"{self.date} {self.name}"


class SlaPause(models.Model):
    """A span during which the SLA clock of one feedback stood still (waiting for the reporter).
    An open pause has no `ended_at`; at most one per feedback."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="sla_pauses")
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    started_by = models.CharField(_("paused by"), max_length=150)
    ended_by = models.CharField(_("resumed by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("SLA pause")
        verbose_name_plural = _("SLA pauses")
        constraints = [
            models.UniqueConstraint(fields=["feedback"], condition=Q(ended_at__isnull=True), name="slapause_one_open"),
        ]
        indexes = [models.Index(fields=["feedback", "started_at"], name="slapause_feedback")]

    def __str__(self):
        return f"#{self.feedback_id} {self.started_at:%Y-%m-%d %H:%M}"


class SlaTarget(models.TextChoices):
    RESPONSE = "response", _("first response")
    RESOLUTION = "resolution", _("resolution")


class SlaNoticeKind(models.TextChoices):
    WARNING = "warning", _("about to breach")
    BREACH = "breach", _("breached")


class SlaNotice(models.Model):
    """One e-mail notice about one feedback to one person. The unique key is what keeps the
    five-minute job from telling someone twice about the same breach (or the same warning)."""

    feedback = models.ForeignKey("feedback.Feedback", on_delete=models.CASCADE, related_name="sla_notices")
    kind = models.CharField(_("kind"), max_length=10, choices=SlaNoticeKind.choices)
    target = models.CharField(_("target"), max_length=12, choices=SlaTarget.choices)
    due_at = models.DateTimeField(_("due at"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("recipient"))
    email = models.CharField(_("e-mail"), max_length=254)
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("SLA notice")
        verbose_name_plural = _("SLA notices")
        constraints = [
            models.UniqueConstraint(fields=["feedback", "kind", "target", "due_at", "recipient"], name="slanotice_once"),
        ]
