from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import get_language_from_request, gettext as _, override


class RequestSizeLimitMiddleware:
    """Answer 413 for API bodies over the limit before anything reads them (the contract says 413,
    while Django's own DATA_UPLOAD_MAX_MEMORY_SIZE check would answer 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = settings.API_MAX_BULK_BODY_BYTES if request.path.rstrip("/").endswith("/bulk") else settings.API_MAX_BODY_BYTES
            if length > limit:
                # this runs before LocaleMiddleware, so pick the client's language here
                with override(get_language_from_request(request)):
                    detail = _("Request body is %(length)d bytes; the limit here is %(limit)d bytes.") % {"length": length, "limit": limit}
                return JsonResponse({"detail": detail}, status=413)
        return self.get_response(request)
