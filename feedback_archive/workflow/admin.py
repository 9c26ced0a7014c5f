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
from feedback_archive.core.admin import ReadOnlyAdmin
from feedback_archive.taxonomy.models import Label

from .models import Holiday, RoutingDecision, RoutingOutcome, RoutingRule, SlaNotice, SlaPause, SlaPolicy
from .routing import route_many, rule_validate
from .sla import sla_pause_many


def _feedback_link(feedback_id):
    return format_html('<a href="{}">#{}</a>', reverse("admin:feedback_feedback_change", args=[feedback_id]), feedback_id)


# --- routing ---------------------------------------------------------------------------------------
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
class SlaPauseAdmin(ReadOnlyAdmin):
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
class SlaNoticeAdmin(ReadOnlyAdmin):
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
    # re-routing moves an item to another team: only for items the person may change (the
    # permission matrix found agents re-routing other teams' items)
    from feedback_archive.core.permissions import user_can_change

    allowed, refused = [], []
    for fb in queryset.select_related("team")[:1000]:
        (allowed if user_can_change(request.user, fb) else refused).append(fb)
    for fb in refused[:10]:
        model_admin.message_user(request, _("#%(id)s belongs to the team “%(team)s”; you can only read it.") % {
            "id": fb.pk, "team": fb.team}, messages.WARNING)
    counts = route_many(feedback_ids=[fb.pk for fb in allowed])
    labels = {**dict(RoutingOutcome.choices), "unchanged": _("unchanged")}
    model_admin.message_user(request, ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "—", messages.INFO)


# --- closing the loop: templates, channel webhooks, the outbox and its dead letters ---------------------
from .models import (  # noqa: E402 — grouped with the admin classes that use them
    ChannelDelivery, DeadLetter, Delivery, DeliveryStatus, ReplyTemplate, RoadmapItem, RoadmapStatus, Survey,
)
from .outbox import delivery_retry_many  # noqa: E402
from .roadmap import roadmap_demand, roadmap_list, roadmap_set_links, roadmap_ship  # noqa: E402


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["event", "language", "subject", "updated_at"]
    list_filter = ["event", "language"]
    search_fields = ["subject", "body"]
    readonly_fields = ["event", "language", "updated_at"]
    fields = ["event", "language", "subject", "body", "updated_at"]

    def has_add_permission(self, request):
        return False  # one per event and language, seeded by a migration; edit, don't multiply

    def has_delete_permission(self, request, obj=None):
        return False


class ChannelDeliveryForm(forms.ModelForm):
    webhook_url = forms.URLField(label=_("webhook URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = ChannelDelivery
        fields = ["channel", "webhook_url", "secret", "is_active"]
        widgets = {"secret": forms.PasswordInput(render_value=True)}


@admin.register(ChannelDelivery)
class ChannelDeliveryAdmin(admin.ModelAdmin):
    form = ChannelDeliveryForm
    list_display = ["channel", "webhook_url", "is_active", "updated_at"]
    list_select_related = ["channel"]


class _RetryMixin:
    def has_retry_permission(self, request):
        return request.user.has_perm("workflow.change_delivery")

    @admin.action(description=_("Send again (fresh retries)"), permissions=["retry"])
    def retry(self, request, queryset):
        done, refused = delivery_retry_many(delivery_ids=list(queryset.values_list("pk", flat=True)[:1000]),
                                            actor=Actor.for_user(request.user))
        if done:
            self.message_user(request, ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.",
                                                len(done)) % {"n": len(done)}, messages.SUCCESS)
        for why in list(refused.values())[:10]:
            self.message_user(request, why, messages.WARNING)


@admin.register(Delivery)
class DeliveryAdmin(_RetryMixin, ReadOnlyAdmin):
    list_display = ["created_at", "item", "kind", "method", "status", "attempts", "next_attempt_at", "sent_at", "short_error"]
    list_filter = ["status", "method", ("survey", admin.EmptyFieldListFilter)]
    search_fields = ["=feedback__id", "recipient"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["retry"]
    readonly_fields = ["feedback", "reply", "survey", "method", "recipient", "language", "subject", "body", "status",
                       "attempts", "next_attempt_at", "last_error", "sent_at", "created_at"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("workflow.view_delivery")

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)

    @admin.display(description=_("kind"))
    def kind(self, obj):
        return _("survey") if obj.survey_id else _("reply")

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return (obj.last_error or "")[:80]


@admin.register(DeadLetter)
class DeadLetterAdmin(DeliveryAdmin):
    list_filter = ["method"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=DeliveryStatus.DEAD)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("workflow.view_delivery") or request.user.has_perm("workflow.view_deadletter")


# --- satisfaction -----------------------------------------------------------------------------------------
@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "item", "language", "rating", "short_comment", "rated_at", "flagged"]
    list_filter = ["flagged", "rating", "language", ("rated_at", admin.EmptyFieldListFilter)]
    search_fields = ["=feedback__id", "comment"]
    date_hierarchy = "sent_at"
    show_full_result_count = False
    paginator = CappedCountPaginator

    @admin.display(description=_("feedback"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id)

    @admin.display(description=_("comment"))
    def short_comment(self, obj):
        return (obj.comment or "")[:80]


# --- roadmap ----------------------------------------------------------------------------------------------
class RoadmapItemForm(forms.ModelForm):
    class Meta:
        model = RoadmapItem
        fields = ["title", "description", "status", "target_release", "feedback"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:  # shipping runs the workflow for the linked items: only the action does it
            self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0] != RoadmapStatus.SHIPPED]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(admin.ModelAdmin):
    form = RoadmapItemForm
    list_display = ["title", "status", "target_release", "shipped_in", "feedback_count", "reporter_count"]
    list_filter = ["status"]
    search_fields = ["title", "description"]
    raw_id_fields = ["feedback"]
    readonly_fields = ["shipped_in", "shipped_at", "demand"]
    actions = ["ship"]

    def get_queryset(self, request):
        return roadmap_list()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["status", "feedback"] if obj and obj.status == RoadmapStatus.SHIPPED else fields

    @admin.display(description=_("feedback"), ordering="n_feedback")
    def feedback_count(self, obj):
        return obj.n_feedback

    @admin.display(description=_("reporters"), ordering="n_reporters")
    def reporter_count(self, obj):
        return obj.n_reporters

    @admin.display(description=_("demand (linked items and their duplicates)"))
    def demand(self, obj):
        if not obj or not obj.pk:
            return "—"
        d = roadmap_demand(item=obj)
        parts = [_("%(n)d items from %(r)d reporters") % {"n": d["feedback"], "r": d["reporters"]},
                 _("channels: %(c)s") % {"c": ", ".join(f"{k} {v}" for k, v in d["channels"].items()) or "—"},
                 _("severity: %(s)s") % {"s": ", ".join(f"{k} {v}" for k, v in d["severity"].items()) or "—"}]
        return "; ".join(str(p) for p in parts)

    def save_related(self, request, form, formsets, change):
        # links go through the service so each one lands in the feedback's audit trail
        wanted = [fb.pk for fb in form.cleaned_data.get("feedback", [])] if "feedback" in form.cleaned_data else None
        form.cleaned_data.pop("feedback", None)
        super().save_related(request, form, formsets, change)
        if wanted is not None:
            roadmap_set_links(item=form.instance, feedback_ids=wanted, actor=Actor.for_user(request.user))

    @admin.action(description=_("Ship in the target release (replies to / closes the linked feedback)"),
                  permissions=["change"])
    def ship(self, request, queryset):
        for item in queryset[:50]:
            if item.target_release is None:
                self.message_user(request, _("“%(title)s” has no target release.") % {"title": item.title}, messages.WARNING)
                continue
            try:
                out = roadmap_ship(item=item, release=item.target_release, actor=Actor.for_user(request.user))
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)
                continue
            self.message_user(request, _("“%(title)s” shipped: %(c)d closed, %(v)d waiting for verification, "
                                         "%(r)d replied, %(x)d not yours to change.") % {
                "title": item.title, "c": len(out["closed"]), "v": len(out["verifying"]),
                "r": len(out["replied"]), "x": len(out["refused"])}, messages.SUCCESS)
