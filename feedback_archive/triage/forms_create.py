from django import forms
from django.utils.translation import gettext_lazy as _

from feedback_archive.feedback.models import Channel, Feedback
from feedback_archive.versions.models import Platform, Product


class FeedbackCreateForm(forms.Form):
    """Typing in a feedback by hand (a phone call, a sales visit, a chat): goes through
    feedback_create, with the product, platform and version it is about and the person to answer
    (contact optional), so it lands on the right release and can be answered like any other."""

    FIELDS = ["channel_in", "content_in", "title_in", ("product_in", "platform_in", "app_version_in"),
              ("reporter_name_in", "reporter_contact_in", "reporter_id_in")]

    channel_in = forms.ModelChoiceField(queryset=Channel.objects.filter(is_active=True), label=_("channel"))
    content_in = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label=_("content"), max_length=20000)
    title_in = forms.CharField(required=False, label=_("title"), max_length=300)
    product_in = forms.ModelChoiceField(queryset=Product.objects.all(), required=False, label=_("product"),
                                        help_text=_("Empty: the default product."))
    platform_in = forms.ChoiceField(choices=Platform.choices, required=False, label=_("platform"))
    app_version_in = forms.CharField(required=False, label=_("reported version"), max_length=100,
                                     help_text=_("e.g. 5.3.1"))
    reporter_name_in = forms.CharField(required=False, label=_("reporter's name"), max_length=200)
    reporter_contact_in = forms.CharField(required=False, label=_("contact (optional)"), max_length=200,
                                          help_text=_("Email, phone or IM handle: how the reply reaches them."))
    reporter_id_in = forms.CharField(required=False, label=_("reporter's id in the channel (optional)"), max_length=200)

    def __init__(self, *args, instance=None, refusal=None, **kwargs):
        kwargs.pop("initial", None)
        super().__init__(*args, **kwargs)
        self.instance = instance or Feedback()
        self.refusal = refusal

    def clean(self):
        data = super().clean()
        if self.refusal is not None:
            # the service's field names → ours (`app_version` → `app_version_in` …)
            for key, messages in (self.refusal.fields or {"": [self.refusal.message]}).items():
                name = f"{key.split('.')[0]}_in" if key else None
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        reporter = {"name": d["reporter_name_in"], "contact": d["reporter_contact_in"],
                    "external_id": d["reporter_id_in"]}
        return {"channel": d["channel_in"], "content": d["content_in"], "title": d["title_in"],
                "product": d["product_in"].slug if d["product_in"] else None, "platform": d["platform_in"] or "",
                "app_version": d["app_version_in"],
                "reporter": reporter if any(reporter.values()) else None}

    def save(self, commit=True):
        return self.instance

    def save_m2m(self):
        pass
