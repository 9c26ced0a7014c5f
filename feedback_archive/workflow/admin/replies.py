"""Closing the loop: reply templates, channel webhooks, the outbox and its dead letters, surveys."""
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from feedback_archive.core.actors import Actor
from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin

from ..models import ChannelDelivery, DeadLetter, Delivery, DeliveryStatus, ReplyTemplate, Survey
from ..outbox import delivery_retry_many
from .common import _feedback_link


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
