"""The transition log, read-only: rows are written by workflow.services.feedback_transition only."""
from django.contrib import admin

from feedback_archive.core.admin import CappedCountPaginator, ReadOnlyAdmin

from ..models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "feedback_id", "name", "source", "target", "actor_name", "owner_name", "seconds_in_previous", "note"]
    list_filter = ["name", "target", "via"]
    show_full_result_count = False
    paginator = CappedCountPaginator
