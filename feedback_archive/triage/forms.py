from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.choices import Resolution
from feedback_archive.feedback.filtersets import LABEL_DIMENSIONS
from feedback_archive.feedback.models import Feedback
from feedback_archive.taxonomy.models import Dimension, Label


def _definitions_html(dimension: Dimension) -> str:
    rows = format_html_join(
        "", "<li><b>{}</b> {}</li>", ((lab.name, lab.definition) for lab in dimension.labels.all() if lab.is_active)
    )
    return format_html('<details class="fa-defs"><summary>{}</summary><ul>{}</ul></details>',
                       _("Definitions of the standard"), rows)


class FeedbackChangeForm(forms.ModelForm):
    """Labels (one per dimension), owner and releases. Saving goes through feedback_update; the
    version field makes a stale page fail with a conflict instead of overwriting a colleague."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Feedback
        fields = ["assignee", "team", "release", "fixed_in"]

    def __init__(self, *args, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        suggestions = suggestions or {}
        current = {}
        if self.instance.pk:
            current = {link.dimension.code: link.label_id for link in self.instance.label_links.select_related("dimension")}
            self.fields["version"].initial = self.instance.version
        for dim in Dimension.objects.prefetch_related("labels").order_by("order"):
            sug = suggestions.get(dim.code)
            help_parts = []
            if sug:
                help_parts.append(format_html(
                    '<span class="fa-suggestion">{} <b>{}</b> ({}) — {} {}</span>',
                    _("Suggested:"), sug.label.name, f"{sug.confidence:.0%}", _("evidence:"), "、".join(map(str, sug.evidence)) or "-",
                ))
            help_parts.append(_definitions_html(dim))
            self.fields[f"label_{dim.code}"] = forms.ModelChoiceField(
                queryset=Label.objects.filter(dimension=dim, is_active=True), required=False, label=dim.name,
                initial=current.get(dim.code), help_text=mark_safe("".join(conditional_escape(p) for p in help_parts)),
            )

    def label_values(self) -> dict[str, str]:
        return {
            name[len("label_"):]: value.code
            for name, value in self.cleaned_data.items()
            if name.startswith("label_") and value is not None
        }


class TriageActionForm(ActionForm):
    """Extra inputs for the bulk actions (assign to, set label, note/reply for transitions)."""

    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
                                      required=False, label=_("assignee"))
    label = forms.ModelChoiceField(
        queryset=Label.objects.filter(is_active=True, dimension__code__in=LABEL_DIMENSIONS).select_related("dimension"),
        required=False, label=_("label"),
    )
    resolution = forms.ChoiceField(choices=[("", "---------"), *Resolution.choices], required=False, label=_("resolution"))
    note = forms.CharField(required=False, label=_("note / reply"), widget=forms.TextInput(attrs={"size": 40}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].label_from_instance = lambda lab: f"{lab.dimension.name}: {lab.name}"
