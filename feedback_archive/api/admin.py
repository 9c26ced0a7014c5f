"""API keys: issued, rotated and revoked through api.services; the raw key is shown once."""
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from feedback_archive.api.models import ApiKey
from feedback_archive.api.services import api_key_issue, api_key_revoke, api_key_rotate


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "channel", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["scope", "channel"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "scope", "channel", "throttle_rate", "expires_at", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "rotate"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name", "scope", "channel"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["expires_at", "throttle_rate"])
            return
        key, raw = api_key_issue(name=obj.name, scope=obj.scope, channel=obj.channel.slug if obj.channel else None,
                                 expires_at=obj.expires_at, throttle_rate=obj.throttle_rate)
        obj.pk = key.pk
        self.message_user(request, format_html(_("New key (shown once — copy it now): <code>{key}</code>"), key=raw), messages.WARNING)

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key)
        self.message_user(request, _("Revoked."), messages.SUCCESS)

    @admin.action(description=_("Rotate: revoke and issue a replacement"))
    def rotate(self, request, queryset):
        for key in queryset:
            new, raw = api_key_rotate(key=key)
            self.message_user(request, format_html(_("Replacement for {name}: <code>{key}</code> (shown once)"), name=key.name, key=raw), messages.WARNING)
