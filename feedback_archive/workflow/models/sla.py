"""SLA policies, the business-hours calendar, pauses and notices (workflow/sla.py)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
