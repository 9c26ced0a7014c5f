from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "feedback_archive.taxonomy"
    label = "taxonomy"
    verbose_name = _("Classification standard")
