import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.core.validation import max_length, text_error
from feedback_archive.feedback.models import Channel

from .models import ApiKey, Scope, hash_key, validate_throttle_rate


@transaction.atomic
def api_key_issue(*, name: str, scope: str, channel: str | None = None, expires_at=None,
                  throttle_rate: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns (key, raw). The raw key is shown once and never stored."""
    limit = max_length(ApiKey, "name")
    if not name or not name.strip() or len(name) > limit or text_error(name):
        raise ApplicationError("bad name", fields={"name": [
            _("A key needs a name of 1 to %(n)d characters (no NUL or unpaired surrogates).") % {"n": limit}]})
    if scope not in Scope.values:
        raise ApplicationError("bad scope", fields={"scope": [_("Use one of: %(choices)s.") % {"choices": ", ".join(Scope.values)}]})
    if ApiKey.objects.filter(name=name).exists():
        raise ApplicationError("exists", fields={"name": [_("A key named '%(name)s' exists; choose another name or rotate it.") % {"name": name}]})
    channel_obj = None
    if channel:
        channel_obj = Channel.objects.filter(slug=channel).first()
        if channel_obj is None:
            raise ApplicationError("bad channel", fields={"channel": [_("Unknown channel '%(channel)s'.") % {"channel": channel}]})
    try:
        validate_throttle_rate(throttle_rate)  # the model's rule, as in the admin's forms
    except ValidationError as exc:
        raise ApplicationError("bad rate", fields={"throttle_rate": list(exc.messages)}) from None
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
    """Revoke `key` and issue a new one with the same scope and channel. The name gets a suffix
    ~2, ~3 …; a name already at the column's limit is shortened to make room, so the replacement
    of a 100-character name is still a valid name."""
    api_key_revoke(key=key)
    return api_key_issue(name=rotated_name(key.name), scope=key.scope, channel=key.channel.slug if key.channel else None,
                         expires_at=key.expires_at,
                         # a rate stored before the model validated it is not carried over
                         throttle_rate=key.throttle_rate if _valid_rate(key.throttle_rate) else "")


def _valid_rate(rate: str) -> bool:
    try:
        validate_throttle_rate(rate)
    except ValidationError:
        return False
    return True


def rotated_name(name: str) -> str:
    limit = max_length(ApiKey, "name")
    base = name.rsplit("~", 1)[0] if "~" in name and name.rsplit("~", 1)[1].isdigit() else name
    n = 2
    while True:
        suffix = f"~{n}"
        candidate = base[: limit - len(suffix)] + suffix
        if not ApiKey.objects.filter(name=candidate).exists():
            return candidate
        n += 1
