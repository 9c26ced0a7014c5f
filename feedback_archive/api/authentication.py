from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .models import ApiKey, hash_key


class ApiKeyUser(AnonymousUser):
    """The request.user of an API-key request: not a person, but named after the key."""

    def __init__(self, key: ApiKey):
        self.key = key

    @property
    def is_authenticated(self):
        return True

    def get_username(self):
        return self.key.name

    def __str__(self):
        return self.key.name


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in (b"token", b"bearer"):
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: use 'Token <key>'."))
        raw = header[1].decode(errors="replace")
        key = ApiKey.objects.select_related("channel").filter(key_hash=hash_key(raw)).first()
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if not key.is_usable:
            raise exceptions.AuthenticationFailed(_("This API key is revoked or expired."))
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # at most once a minute per key
        return ApiKeyUser(key), key

    def authenticate_header(self, request):
        return self.keyword
