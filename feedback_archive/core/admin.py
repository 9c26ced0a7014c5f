from django.contrib import admin
from django.db import connection
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .models import Team

admin.site.site_header = _("Feedback Archive")
admin.site.site_title = _("Feedback Archive")
admin.site.index_title = _("Triage desk")
admin.site.enable_nav_sidebar = False  # the triage list needs the width


class CappedCountPaginator(Paginator):
    """Counting a million rows on every list page is what makes admin lists slow. Count at most
    CAP+1 rows (a LIMIT subquery) and, for the unfiltered table on PostgreSQL, use the planner's
    estimate; the page shows "1,000+" rather than waiting for an exact number."""

    CAP = 1_000

    @cached_property
    def count(self):
        qs = self.object_list
        if connection.vendor == "postgresql" and not qs.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [qs.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] and row[0] > self.CAP:
                return int(row[0])
        return qs.order_by()[: self.CAP + 1].count()


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written only by services (audit trail, transition log, routing decisions,
    deliveries): visible, never added, edited or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lead", "allow_self_verify"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["members"]
    prepopulated_fields = {"slug": ["name"]}
