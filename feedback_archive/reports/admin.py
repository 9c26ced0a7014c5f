from django.contrib import admin
from django.urls import path

from . import efficiency_views, views
from .models import ReportSnapshot


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
        ] + super().get_urls()
