"""Channels and reporters: contact details masked for roles without "view reporter contact";
a reporter's data exported or erased on request (PIPL/GDPR)."""
import json
from weakref import WeakKeyDictionary

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator
from feedback_archive.core.permissions import user_sees_contacts
from feedback_archive.feedback.models import Channel, Reporter
from feedback_archive.feedback.privacy import mask_contact, mask_name, reporter_erase, reporter_export


# request → its display callables; entries go with their request
_PERSONAL: WeakKeyDictionary = WeakKeyDictionary()


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "can_reply", "acknowledge", "is_active"]
    list_editable = ["acknowledge"]


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
    """Reporters' contact details are masked for roles without "view reporter contact"; a
    reporter's data can be exported and erased on request (PIPL/GDPR)."""

    list_filter = ["channel", ("erased_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id", "name"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["export_data", "erase_data"]

    def _personal(self, request):
        """Display callables bound to this request's permission (the ModelAdmin is shared
        between requests, so nothing request-specific is stored on it)."""
        if request in _PERSONAL:
            # the same two callables for the whole request: Django tells read-only fields from form
            # fields by identity, so get_fields and get_readonly_fields must hand out the same ones
            return _PERSONAL[request]
        sees = user_sees_contacts(request.user)

        @admin.display(description=_("name"))
        def name(obj):
            return obj.name if sees else mask_name(obj.name)

        @admin.display(description=_("contact"))
        def contact(obj):
            return obj.contact if sees else mask_contact(obj.contact)

        _PERSONAL[request] = (name, contact)
        return name, contact

    def get_list_display(self, request):
        name, contact = self._personal(request)
        return ["id", name, "external_id", "channel", contact, "erased_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        name, contact = self._personal(request)
        return ["channel", "external_id", name, contact, "locale", "erased_at", "created_at"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        # every field is read-only (display callables bound to this request): the form edits none,
        # so it gets no fields — callables passed on as form fields made the change page a 500
        kwargs["fields"] = []
        return super().get_form(request, obj, **kwargs)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Export the selected reporters' data (JSON)"), permissions=["view"])
    def export_data(self, request, queryset):
        data = [reporter_export(reporter=r, user=request.user) for r in queryset.select_related("channel")[:100]]
        resp = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="reporter-data.json"'
        return resp

    @admin.action(description=_("Erase the selected reporters' personal data"), permissions=["change"])
    def erase_data(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            actor = Actor.for_user(request.user)
            for reporter in queryset:
                reporter_erase(reporter=reporter, actor=actor)
            self.message_user(request, _("Erased %(n)d reporters; their feedback stays, anonymised.") % {"n": queryset.count()}, messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/feedback/reporter/erase_confirm.html", {
            **self.admin_site.each_context(request), "title": _("Erase personal data?"), "reporters": queryset,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
