"""Admin for routing rules, SLA policies, the holiday calendar, pauses and what routing and the SLA
job did. Rules, policies and holidays are configuration edited here directly; pauses, decisions
and notices are written by the services only and shown read-only.

`pause_sla`, `resume_sla` and `route_again` are actions for the feedback list (triage admin):
`actions = [..., pause_sla, resume_sla, route_again]`.
"""
from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator
from feedback_archive.core.exceptions import ApplicationError
from feedback_archive.taxonomy.models import Label

from .models import Holiday, RoutingDecision, RoutingOutcome, RoutingRule, SlaNotice, SlaPause, SlaPolicy
from .routing import route_many, rule_validate
from .sla import sla_pause_many


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _feedback_link(feedback_id):
    return format_html('<a href="{}">#{}</a>', reverse("admin:feedback_feedback_change", args=[feedback_id]), feedback_id)


# --- routing ---------------------------------------------------------------------------------------
class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = "__all__"

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
class RoutingDecisionAdmin(ReadOnly):
    list_display = ["at", "item", "outcome", "rule_name", "previous_team", "team", "assignee", "reason"]
    list_filter = ["outcome", "team", "rule"]
    list_select_related = ["team", "previous_team", "assignee"]
    search_fields = ["=feedback__id"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)


# --- SLA ---------------------------------------------------------------------------------------------
@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "severity", "product", "first_response_hours", "resolution_hours", "clock", "is_active"]
    list_editable = ["first_response_hours", "resolution_hours", "clock", "is_active"]
    list_filter = ["clock", "is_active", "severity", "product"]
    list_select_related = ["severity", "product"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "name", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]


@admin.register(SlaPause)
class SlaPauseAdmin(ReadOnly):
    list_display = ["item", "started_at", "ended_at", "reason", "started_by", "ended_by"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["=feedback__id", "reason"]
    actions = ["resume"]

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)

    def has_resume_permission(self, request):
        return request.user.has_perm("feedback.change_feedback")

    @admin.action(description=_("Resume the SLA clock"), permissions=["resume"])
    def resume(self, request, queryset):
        ids = list(queryset.filter(ended_at__isnull=True).values_list("feedback_id", flat=True)[:1000])
        _run_pause_action(self, request, ids, resume=True)


@admin.register(SlaNotice)
class SlaNoticeAdmin(ReadOnly):
    list_display = ["sent_at", "item", "kind", "target", "due_at", "recipient", "email"]
    list_filter = ["kind", "target"]
    list_select_related = ["recipient"]
    search_fields = ["=feedback__id", "email"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)


# --- actions for the feedback list ---------------------------------------------------------------------
def _run_pause_action(model_admin, request, ids, *, resume: bool, reason: str = ""):
    done, refused = sla_pause_many(feedback_ids=ids, actor=Actor.for_user(request.user), reason=reason, resume=resume)
    if done:
        what = _("SLA clock resumed") if resume else _("SLA clock paused")
        model_admin.message_user(request, ngettext("%(n)d item: %(what)s.", "%(n)d items: %(what)s.", len(done)) % {
            "n": len(done), "what": what}, messages.SUCCESS)
    for fid, why in list(refused.items())[:10]:
        model_admin.message_user(request, f"#{fid}: {why}", messages.WARNING)


@admin.action(description=_("Pause the SLA clock (waiting for the reporter; reason in the note field)"), permissions=["change"])
def pause_sla(model_admin, request, queryset):
    reason = (request.POST.get("note") or "").strip() or str(_("waiting for the reporter"))
    _run_pause_action(model_admin, request, list(queryset.values_list("pk", flat=True)[:1000]), resume=False, reason=reason)


@admin.action(description=_("Resume the SLA clock"), permissions=["change"])
def resume_sla(model_admin, request, queryset):
    _run_pause_action(model_admin, request, list(queryset.values_list("pk", flat=True)[:1000]), resume=True)


@admin.action(description=_("Route again by the routing rules"), permissions=["change"])
def route_again(model_admin, request, queryset):
    counts = route_many(feedback_ids=list(queryset.values_list("pk", flat=True)[:1000]))
    labels = {**dict(RoutingOutcome.choices), "unchanged": _("unchanged")}
    model_admin.message_user(request, ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "—", messages.INFO)
