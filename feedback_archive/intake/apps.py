from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Channel adapters and file imports: the shapes each source really produces, normalised into
    feedback_create."""

    name = "feedback_archive.intake"
    label = "intake"
    verbose_name = _("Imports")
