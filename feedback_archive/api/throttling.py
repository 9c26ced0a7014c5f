from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Per API key (or per logged-in user, or per address for anonymous calls)."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        key = getattr(request, "auth", None)
        if key is not None and getattr(key, "pk", None):
            ident = f"key-{key.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
