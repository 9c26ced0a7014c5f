import logging

from rest_framework.throttling import SimpleRateThrottle

from feedback_archive.core.clientip import client_ip

from .models import validate_throttle_rate

log = logging.getLogger(__name__)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Per API key (or per logged-in user, or per address for anonymous calls)."""

    scope = "api_key"

    def allow_request(self, request, view):
        key = getattr(request, "auth", None)
        rate = getattr(key, "throttle_rate", "")
        if rate:
            try:
                validate_throttle_rate(rate)
            except Exception:
                # stored before the model validated it (or written around it): the default
                # limit still protects us, and the key keeps working instead of 500ing
                log.warning("API key %s has an invalid rate limit %r; using the default rate", key.pk, rate)
            else:
                self.rate = rate
                self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and getattr(key, "pk", None):
            ident = f"key-{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = client_ip(request) or ""  # the trusted-proxy rule of the login lockout
        return self.cache_format % {"scope": self.scope, "ident": ident}
