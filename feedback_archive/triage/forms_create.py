from django import forms
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.models import Channel


class FeedbackCreateForm(forms.Form):
    """Typing in a feedback by hand (a phone call, a chat): goes through feedback_create."""

    channel_in = forms.ModelChoiceField(queryset=Channel.objects.filter(is_active=True), label=_("channel"))
    content_in = forms.CharField(widget=forms.Textarea, label=_("content"), max_length=20000)
    title_in = forms.CharField(required=False, label=_("title"), max_length=300)
    app_version_in = forms.CharField(required=False, label=_("reported version"), max_length=100)

    def __init__(self, *args, instance=None, **kwargs):
        kwargs.pop("initial", None)
        super().__init__(*args, **kwargs)
        from feedback_archive.feedback.models import Feedback

        self.instance = instance or Feedback()

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"channel": d["channel_in"], "content": d["content_in"], "title": d["title_in"],
                "app_version": d["app_version_in"]}

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass

