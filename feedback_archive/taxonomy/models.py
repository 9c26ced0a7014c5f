from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Dimension(models.Model):
    """An axis of the classification standard: type, severity, scope, module, intent."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50)
    description = models.TextField(_("how to choose"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # what sync_standard last loaded from taxonomy/data/standard.yaml, per field: the base of a
    # three-way merge, so a later standard never silently overwrites an admin's edit
    standard_loaded = models.JSONField(_("loaded from the standard"), default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Label(models.Model):
    """One value of a dimension, with the written definition agents are trained and assessed on."""

    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="labels", verbose_name=_("dimension"))
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50)
    definition = models.TextField(_("definition"), help_text=_("Where this label starts and ends, in words an agent can apply."))
    definition_en = models.TextField(_("definition (English)"), blank=True)
    positive_examples = models.TextField(_("examples"), blank=True, help_text=_("One per line: feedback that belongs here."))
    negative_examples = models.TextField(_("counter-examples"), blank=True, help_text=_("One per line: look-alikes that belong elsewhere."))
    keywords = models.TextField(_("keywords"), blank=True, help_text=_("One per line, optionally word:weight (1-3). Used by the automatic pre-classification."))
    negative_keywords = models.TextField(_("negative keywords"), blank=True, help_text=_("One per line: phrases that cancel this label (不卡, 没有延迟)."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    standard_loaded = models.JSONField(_("loaded from the standard"), default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["dimension__order", "order", "code"]
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        constraints = [models.UniqueConstraint(fields=["dimension", "code"], name="label_unique_code_per_dimension")]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def keyword_weights(self) -> dict[str, float]:
        out = {}
        for line in _lines(self.keywords):
            word, _sep, weight = line.rpartition(":") if ":" in line else (line, "", "1")
            try:
                out[word.strip()] = float(weight)
            except ValueError:
                out[line] = 1.0
        return out

    @property
    def negative_keyword_list(self) -> list[str]:
        return _lines(self.negative_keywords)

    @property
    def example_list(self) -> list[str]:
        return _lines(self.positive_examples)

    @property
    def counter_example_list(self) -> list[str]:
        return _lines(self.negative_examples)
