from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VersionsConfig(AppConfig):
    name = "feedback_archive.versions"
    label = "versions"
    verbose_name = _("Products and releases")
