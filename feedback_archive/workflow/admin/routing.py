"""Routing rules (edited here) and routing decisions (read-only)."""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.taxonomy.models import Label

from ..models import RoutingDecision, RoutingRule
from ..routing import rule_validate
from .common import _feedback_link


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = "__all__"  # noqa: DJ007 -- every rule field is edited here; the form only adds choices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "labels" in self.fields:
            self.fields["labels"].queryset = Label.objects.filter(is_active=True).select_related("dimension")
            self.fields["labels"].label_from_instance = lambda lab: f"{lab.dimension.name} · {lab.name} ({lab.code})"

    def clean(self):
        data = super().clean()
        has_conditions = any(data.get(f) for f in ("labels", "products", "channels", "platforms", "locales", "keywords"))
        try:
            rule_validate(platforms=data.get("platforms", ""), keywords=data.get("keywords", ""),
                          is_default=bool(data.get("is_default")), has_conditions=has_conditions)
        except ApplicationError as exc:
            for name, msgs in exc.fields.items():
                for msg in msgs:
                    self.add_error(name if name in self.fields else None, msg)
        if data.get("is_default") and RoutingRule.objects.filter(is_default=True).exclude(pk=self.instance.pk).exists():
            self.add_error("is_default", _("There is already a default rule; untick it there first."))
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["name", "order", "conditions", "team", "strategy", "reroute_on_relabel", "is_default", "is_active"]
    list_display_links = ["name"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "team", "strategy"]
    search_fields = ["name", "keywords", "description"]
    filter_horizontal = ["labels", "products", "channels"]
    fieldsets = [
        (None, {"fields": ["name", "order", "is_active", "is_default", "description"]}),
        (_("Conditions (all filled-in ones must hold; empty = any)"),
         {"fields": ["labels", "products", "platforms", "locales", "channels", "keywords"]}),
        (_("Target"), {"fields": ["team", "strategy", "reroute_on_relabel"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("team").prefetch_related("labels__dimension", "products", "channels")

    @admin.display(description=_("conditions"))
    def conditions(self, obj):
        if obj.is_default:
            return _("everything else")
        parts = [f"{lab.dimension.code}={lab.code}" for lab in obj.labels.all()]
        parts += [p.slug for p in obj.products.all()] + [c.slug for c in obj.channels.all()]
        parts += [_("platform: %(platforms)s") % {"platforms": obj.platforms}] if obj.platforms else []
        parts += [_("locale: %(locales)s") % {"locales": obj.locales}] if obj.locales else []
        words = [w.strip() for w in obj.keywords.splitlines() if w.strip()]
        parts += [_("keywords: %(words)s") % {"words": "、".join(words[:5]) + ("…" if len(words) > 5 else "")}] if words else []
        return "; ".join(parts) or "—"


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["at", "item", "outcome", "rule_name", "previous_team", "team", "assignee", "reason"]
    list_filter = ["outcome", "team", "rule"]
    list_select_related = ["team", "previous_team", "assignee"]
    search_fields = ["=feedback__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)
