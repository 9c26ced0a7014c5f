"""The roadmap: items, their demand, links and shipping."""
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.exceptions import ApplicationError, error_text

from ..models import RoadmapItem, RoadmapStatus
from ..planning import planning_decline, planning_link, planning_queue
from ..roadmap import roadmap_demand, roadmap_list, roadmap_set_links, roadmap_ship


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
                self.message_user(request, error_text(exc), messages.WARNING)
                continue
            self.message_user(request, _("“%(title)s” shipped: %(c)d closed, %(v)d waiting for verification, "
                                         "%(r)d replied, %(x)d not yours to change.") % {
                "title": item.title, "c": len(out["closed"]), "v": len(out["verifying"]),
                "r": len(out["replied"]), "x": len(out["refused"])}, messages.SUCCESS)

    # --- the product owners' planning queue -------------------------------------------------------------
    def get_urls(self):
        return [path("planning/", self.admin_site.admin_view(self.planning_view), name="workflow_roadmapitem_planning"),
                *super().get_urls()]

    def planning_view(self, request):
        if not request.user.has_perm("workflow.change_roadmapitem"):
            raise PermissionDenied
        if request.method == "POST":
            ids = [int(v) for v in request.POST.get("feedback_ids", "").split(",") if v.strip().isdigit()]
            actor = Actor.for_user(request.user)
            try:
                if request.POST.get("decision") == "link":
                    raw = request.POST.get("roadmap_item", "")
                    done, refused = planning_link(feedback_ids=ids, roadmap_item_id=int(raw) if raw.isdigit() else 0,
                                                  actor=actor)
                else:
                    done, refused = planning_decline(feedback_ids=ids, reason=request.POST.get("reason", ""),
                                                     actor=actor)
            except ApplicationError as exc:
                self.message_user(request, error_text(exc), messages.ERROR)
            else:
                if done:
                    self.message_user(request, ngettext("%(n)d item decided.", "%(n)d items decided.", len(done))
                                      % {"n": len(done)}, messages.SUCCESS)
                for fid, why in list(refused.items())[:10]:
                    self.message_user(request, f"#{fid}: {why}", messages.WARNING)
            return HttpResponseRedirect(request.path)
        return TemplateResponse(request, "workflow/planning_queue.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Product planning queue"),
            "groups": planning_queue(), "roadmap": RoadmapItem.objects.exclude(status=RoadmapStatus.SHIPPED)})
