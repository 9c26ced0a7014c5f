from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("feedback_archive.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("s/", include("feedback_archive.workflow.survey_urls")),
]


def _api_aware(default_view, status, detail):
    """Outside the API, Django's pages; under /api/, the contract's JSON errors."""
    from django.http import JsonResponse

    def view(request, exception=None, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        return default_view(request, exception, **kwargs) if exception is not None else default_view(request, **kwargs)

    return view


def handler404(request, exception):
    from django.views.defaults import page_not_found

    return _api_aware(page_not_found, 404, "Not found.")(request, exception)


def handler500(request):
    from django.views.defaults import server_error

    return _api_aware(server_error, 500, "Server error; it has been logged.")(request)


def handler400(request, exception):
    from django.views.defaults import bad_request

    return _api_aware(bad_request, 400, "Bad request.")(request, exception)
