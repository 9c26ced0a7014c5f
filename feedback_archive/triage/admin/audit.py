"""The audit trail (every field change), read-only: written by the feedback services only."""
from django.contrib import admin

from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin
from feedback_archive.feedback.models import FieldChange


@admin.register(FieldChange)
class FieldChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "feedback_id", "field", "old", "new", "actor_name", "via"]
    list_filter = ["field", "via"]
    show_full_result_count = False
    paginator = CappedCountPaginator
