"""The team alert outbox: where a team's alerts go (endpoints), and what was sent (deliveries, with
their dead letters and a retry)."""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin

from ..alerts import alert_retry_many
from ..models import AlertDelivery, AlertEndpoint
from .common import _feedback_link


@admin.register(AlertEndpoint)
class AlertEndpointAdmin(admin.ModelAdmin):
    list_display = ["team", "kind", "target", "is_active"]
    list_filter = ["kind", "is_active", "team"]


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "item", "kind", "target", "status", "attempts", "next_attempt_at", "sent_at",
                    "short_error"]
    list_filter = ["status", "kind"]
    search_fields = ["=feedback__id", "target", "subject"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["retry"]
    readonly_fields = ["feedback", "endpoint", "kind", "target", "subject", "body", "status", "attempts",
                       "next_attempt_at", "last_error", "sent_at", "created_at"]

    def has_retry_permission(self, request):
        return request.user.has_perm("workflow.change_alertdelivery")

    @admin.action(description=_("Send again (fresh retries)"), permissions=["retry"])
    def retry(self, request, queryset):
        done, refused = alert_retry_many(delivery_ids=list(queryset.values_list("pk", flat=True)[:1000]),
                                         actor=Actor.for_user(request.user))
        if done:
            self.message_user(request, ngettext("%(n)d alert queued again.", "%(n)d alerts queued again.",
                                                len(done)) % {"n": len(done)}, messages.SUCCESS)
        for why in list(refused.values())[:10]:
            self.message_user(request, why, messages.WARNING)

    @admin.display(description=_("about"), ordering="feedback_id")
    def item(self, obj):
        return _feedback_link(obj.feedback_id) if obj.feedback_id else "—"

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return (obj.last_error or "")[:80]
