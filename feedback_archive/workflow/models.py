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
            # time in each state for a month (reports): answered from the index
            models.Index(fields=["at"], include=["source", "seconds_in_previous", "feedback"], name="transition_report_at"),
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


# --- closing the loop: reply templates and the outbox (workflow/outbox.py) ------------------------------
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


class Delivery(models.Model):
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
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

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


# --- satisfaction (workflow/satisfaction.py) ----------------------------------------------------------
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


# --- roadmap (workflow/roadmap.py) ----------------------------------------------------------------------
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
