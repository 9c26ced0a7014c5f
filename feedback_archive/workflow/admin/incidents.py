"""Post-incident reviews in the admin: the leads' list (open follow-ups, next due date), editing
with the follow-up actions inline, and the CSV export."""
import csv

from django.contrib import admin
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from ..incidents import review_rows
from ..models import FollowUpAction, IncidentReview


class FollowUpActionInline(admin.TabularInline):
    model = FollowUpAction
    extra = 1
    fields = ["description", "owner", "due_date", "done_at"]


@admin.register(IncidentReview)
class IncidentReviewAdmin(admin.ModelAdmin):
    list_display = ["__str__", "feedback", "problem", "cause_short", "open_actions", "next_due", "created_by_name",
                    "created_at"]
    raw_id_fields = ["feedback", "problem"]
    readonly_fields = ["created_by_name", "created_at", "updated_at"]
    inlines = [FollowUpActionInline]
    actions = ["export_csv"]
    search_fields = ["cause", "fix"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_open=Count("actions", filter=Q(actions__done_at__isnull=True)),
            due=Min("actions__due_date", filter=Q(actions__done_at__isnull=True)))

    @admin.display(description=_("cause"))
    def cause_short(self, obj):
        return obj.cause[:60]

    @admin.display(description=_("open follow-ups"), ordering="n_open")
    def open_actions(self, obj):
        return obj.n_open

    @admin.display(description=_("next due"), ordering="due")
    def next_due(self, obj):
        return obj.due or "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by_name = request.user.get_username()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Export the selected reviews (CSV, one row per follow-up)"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="post-incident-reviews.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly with a BOM
        # a cell a spreadsheet would run as a formula is written as text
        safe = [[f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row]
                for row in review_rows(queryset)]
        csv.writer(response).writerows(safe)
        return response
