import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    INGEST = "ingest", _("ingest: create feedback only")
    READ = "read", _("read: list and read")
    WRITE = "write", _("write: read, transition, edit labels")


# What DRF's SimpleRateThrottle.parse_rate understands: <count>/<s|m|h|d…> (it reads the unit's first
# letter). Checked by the model so the admin's add AND change forms refuse anything else.
_RATE = re.compile(r"^[1-9][0-9]{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)$")


def validate_throttle_rate(value: str) -> None:
    if value and not _RATE.match(value):
        raise ValidationError(_("Use a rate like 600/min or 20/s (a number, then /s, /min, /hour or /day)."),
                              code="invalid_rate")


def hash_key(raw: str) -> str:
    # Keys are 40 random URL-safe characters, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """An integration's credential. Only the hash is stored; the key is shown once."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    channel = models.ForeignKey(
        "feedback.Channel", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("bound to channel"),
        help_text=_("An ingest key bound to a channel may only create feedback for that channel."),
    )
    throttle_rate = models.CharField(
        _("rate limit"), max_length=20, blank=True, validators=[validate_throttle_rate],
        help_text=_("e.g. 600/min or 20/s; empty: the default for all keys (API_THROTTLE_RATE)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
