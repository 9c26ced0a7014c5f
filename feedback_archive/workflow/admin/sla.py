"""SLA policies and the holiday calendar (edited here), pauses and notices (read-only), and the
SLA / routing actions for the feedback list."""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin
from feedback_archive.core.permissions import user_can_change

from ..models import Holiday, RoutingOutcome, SlaNotice, SlaPause, SlaPolicy
from ..routing import route_many
from ..sla import sla_pause_many
from .common import _feedback_link


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
    allowed, refused = [], []
    for fb in queryset.select_related("team")[:1000]:
        (allowed if user_can_change(request.user, fb) else refused).append(fb)
    for fb in refused[:10]:
        model_admin.message_user(request, _("#%(id)s belongs to the team “%(team)s”; you can only read it.") % {
            "id": fb.pk, "team": fb.team}, messages.WARNING)
    counts = route_many(feedback_ids=[fb.pk for fb in allowed])
    labels = {**dict(RoutingOutcome.choices), "unchanged": _("unchanged")}
    model_admin.message_user(request, ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items())) or "—", messages.INFO)
