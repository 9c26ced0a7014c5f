import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.feedback.models import Channel

from .models import ApiKey, Scope, hash_key


@transaction.atomic
def api_key_issue(*, name: str, scope: str, channel: str | None = None, expires_at=None,
                  throttle_rate: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns (key, raw). The raw key is shown once and never stored."""
    if scope not in Scope.values:
        raise ApplicationError("bad scope", fields={"scope": [_("Use one of: %(choices)s.") % {"choices": ", ".join(Scope.values)}]})
    if ApiKey.objects.filter(name=name).exists():
        raise ApplicationError("exists", fields={"name": [_("A key named '%(name)s' exists; choose another name or rotate it.") % {"name": name}]})
    channel_obj = None
    if channel:
        channel_obj = Channel.objects.filter(slug=channel).first()
        if channel_obj is None:
            raise ApplicationError("bad channel", fields={"channel": [_("Unknown channel '%(channel)s'.") % {"channel": channel}]})
    if throttle_rate:
        from rest_framework.throttling import SimpleRateThrottle

        try:
            SimpleRateThrottle.parse_rate(None, throttle_rate)
        except (ValueError, KeyError, IndexError):
            raise ApplicationError("bad rate", fields={"throttle_rate": [_("Use a rate like 600/min or 20/s.")]}) from None
    raw = "fa_" + secrets.token_urlsafe(30)
    key = ApiKey.objects.create(name=name, scope=scope, channel=channel_obj, expires_at=expires_at,
                                prefix=raw[:10], key_hash=hash_key(raw), throttle_rate=throttle_rate)
    return key, raw


def api_key_revoke(*, key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


@transaction.atomic
def api_key_rotate(*, key: ApiKey) -> tuple[ApiKey, str]:
    """Revoke `key` and issue a new one with the same scope and channel (name gets a suffix)."""
    api_key_revoke(key=key)
    base = key.name.split("~")[0]
    n = ApiKey.objects.filter(name__startswith=f"{base}~").count() + 1
    return api_key_issue(name=f"{base}~{n}", scope=key.scope, channel=key.channel.slug if key.channel else None,
                         expires_at=key.expires_at, throttle_rate=key.throttle_rate)
