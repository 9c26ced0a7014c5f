from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Per API key (or per logged-in user, or per address for anonymous calls)."""

    scope = "api_key"

    def allow_request(self, request, view):
        key = getattr(request, "auth", None)
        if getattr(key, "throttle_rate", ""):
            self.rate = key.throttle_rate
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and getattr(key, "pk", None):
            ident = f"key-{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
