from django.contrib import admin
from django.urls import path

from . import efficiency_views, views
from .models import AlertDelivery, AlertEndpoint, ProblemIncident, ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    list_display = ["kind", "period", "params", "created_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("weekly/", wrap(views.weekly), name="reports_weekly"),
            path("monthly/", wrap(views.monthly), name="reports_monthly"),
            path("release/", wrap(views.release), name="reports_release"),
            path("efficiency/", wrap(efficiency_views.efficiency), name="reports_efficiency"),
            path("release/<int:pk>/", wrap(views.release), name="reports_release_detail"),
            path("top-problems/", wrap(views.top_problems), name="reports_top_problems"),
        ] + super().get_urls()


@admin.register(AlertEndpoint)
class AlertEndpointAdmin(admin.ModelAdmin):
    list_display = ["team", "kind", "target", "is_active"]
    list_filter = ["kind", "is_active", "team"]


class AlertDeliveryInline(admin.TabularInline):
    model = AlertDelivery
    fields = ["kind", "target", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ProblemIncident)
class ProblemIncidentAdmin(admin.ModelAdmin):
    """Early warnings: written only by reports/alerts.py, read here."""

    list_display = ["opened_at", "title", "team", "rule", "count", "expected", "last_triggered_at"]
    list_filter = ["rule", "team"]
    readonly_fields = [f.name for f in ProblemIncident._meta.fields]
    inlines = [AlertDeliveryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
