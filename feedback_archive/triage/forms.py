from django import forms
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.choices import Resolution
from feedback_archive.feedback.filtersets import LABEL_DIMENSIONS
from feedback_archive.feedback.models import Feedback
from feedback_archive.taxonomy.models import Dimension, Label
from feedback_archive.workflow.models import ReplyEvent


def _definitions_html(dimension: Dimension) -> str:
    rows = format_html_join(
        "", "<li><b>{}</b> {}</li>", ((lab.name, lab.definition) for lab in dimension.labels.all() if lab.is_active)
    )
    return format_html('<details class="fa-defs"><summary>{}</summary><ul>{}</ul></details>',
                       _("Definitions of the standard"), rows)


class FeedbackChangeForm(forms.ModelForm):
    """Labels (one per dimension), owner and releases, plus what the workflow panel sends with a
    transition (note, resolution, reply). Saving goes through the services (triage.services.desk_step);
    the version field makes a stale page fail with a conflict instead of overwriting a colleague.

    `refusal` is the ApplicationError of a save the services refused: the form is then invalid with
    the refusal's messages on the fields they name, so the page re-renders with everything the
    agent typed still in it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    fa_note = forms.CharField(required=False, label=_("Note"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 2, "placeholder": _("What was done, or why")}))
    fa_resolution = forms.ChoiceField(choices=[("", "---------"), *Resolution.choices], required=False,
                                      label=_("Resolution (for close)"))
    fa_reply = forms.CharField(required=False, label=_("Reply to the reporter"), max_length=5000, widget=forms.Textarea(
        attrs={"rows": 4, "placeholder": _("Required before closing: what the reporter will read")}))
    fa_no_reply_reason = forms.CharField(required=False, label=_("Why no reply (reporter cannot be answered)"),
                                         max_length=300)

    class Meta:
        model = Feedback
        fields = ["assignee", "team", "release", "fixed_in"]

    def __init__(self, *args, suggestions=None, refusal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions or {}
        self.refusal = refusal
        current = {}
        if self.instance.pk:
            current = {link.dimension.code: link.label_id for link in self.instance.label_links.select_related("dimension")}
            self.fields["version"].initial = self.instance.version
            if refusal is not None and self.is_bound and self.data.get("version") != str(self.instance.version):
                # A stale page: the refusal says so; the next submit is a conscious overwrite of
                # the version now shown (the history below says what the colleague changed).
                self.data = self.data.copy()
                self.data["version"] = str(self.instance.version)
        self.label_names = []
        for dim in Dimension.objects.prefetch_related("labels").order_by("order"):
            name = f"label_{dim.code}"
            self.label_names.append((name, dim.code))
            self.fields[name] = forms.ModelChoiceField(
                queryset=Label.objects.filter(dimension=dim, is_active=True), required=False, label=dim.name,
                initial=current.get(dim.code), help_text=_definitions_html(dim),
            )
            # the choices are the dimension's prefetched labels: no query per field when rendered
            self.fields[name].choices = [("", "---------")] + [
                (lab.pk, lab.name) for lab in dim.labels.all() if lab.is_active]

    def clean(self):
        data = super().clean()
        if self.refusal is not None:
            for key, messages in (self.refusal.fields or {"": [self.refusal.message]}).items():
                field = REFUSAL_FIELDS.get(key) or (f"label_{key[len('labels.'):]}" if key.startswith("labels.") else None)
                if key == "labels" and any(k.startswith("labels.") for k in self.refusal.fields):
                    continue  # the per-dimension messages say it better
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data

    def label_values(self) -> dict[str, str]:
        return {
            name[len("label_"):]: value.code
            for name, value in self.cleaned_data.items()
            if name.startswith("label_") and value is not None
        }


# Field names of the services' errors → the form's fields (the rest go above the form).
REFUSAL_FIELDS = {"assignee": "assignee", "team": "team", "release": "release", "fixed_in": "fixed_in",
                  "note": "fa_note", "reply": "fa_reply", "resolution": "fa_resolution",
                  "no_reply_reason": "fa_no_reply_reason"}


class TriageActionForm(ActionForm):
    """Extra inputs for the bulk actions (assign to, set label, note/reply for transitions)."""

    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
                                      required=False, label=_("assignee"))
    label = forms.ModelChoiceField(
        queryset=Label.objects.filter(is_active=True, dimension__code__in=LABEL_DIMENSIONS).select_related("dimension"),
        required=False, label=_("label"),
    )
    resolution = forms.ChoiceField(choices=[("", "---------"), *Resolution.choices], required=False, label=_("resolution"))
    note = forms.CharField(required=False, label=_("internal note"), max_length=2000,
                           widget=forms.TextInput(attrs={"size": 30, "placeholder": _("for colleagues, not sent")}))
    reply_template = forms.ChoiceField(required=False, label=_("reply template"))
    reply = forms.CharField(required=False, label=_("reply to the reporters"), max_length=5000,
                            widget=forms.TextInput(attrs={"size": 40, "placeholder": _("sent to each reporter on close")}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].label_from_instance = lambda lab: f"{lab.dimension.name}: {lab.name}"
        # an event's template, filled in per item (number, title, the reporter's language)
        self.fields["reply_template"].choices = [("", "---------"), *[
            (value, label) for value, label in ReplyEvent.choices if value != ReplyEvent.RECEIVED]]
