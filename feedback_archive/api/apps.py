from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "feedback_archive.api"
    label = "api"
    verbose_name = _("Integrations")

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI description of API-key auth)
