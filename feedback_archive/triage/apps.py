from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    """The triage desk: the admin screens agents work in all day. An interface layer (like the
    API), so it may call every app's services and selectors."""

    name = "feedback_archive.triage"
    label = "triage"
    verbose_name = _("Triage desk")
