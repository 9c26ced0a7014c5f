from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import efficiency_views, views
from .models import ProblemIncident, ReportSnapshot


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


class AlertInline(admin.TabularInline):
    """The incident's alerts, as the workflow's alert outbox holds them (retries, dead letters)."""

    model = ProblemIncident.alerts.through
    verbose_name = verbose_name_plural = _("alerts")
    fields = ["kind", "target", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("alertdelivery")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kind"))
    def kind(self, row):
        return row.alertdelivery.get_kind_display()

    @admin.display(description=_("to"))
    def target(self, row):
        return row.alertdelivery.target

    @admin.display(description=_("status"))
    def status(self, row):
        return row.alertdelivery.get_status_display()

    @admin.display(description=_("attempts"))
    def attempts(self, row):
        return row.alertdelivery.attempts

    @admin.display(description=_("sent at"))
    def sent_at(self, row):
        return row.alertdelivery.sent_at

    @admin.display(description=_("last error"))
    def last_error(self, row):
        return row.alertdelivery.last_error


@admin.register(ProblemIncident)
class ProblemIncidentAdmin(admin.ModelAdmin):
    """Early warnings: written only by reports/alerts.py, read here."""

    list_display = ["opened_at", "title", "team", "rule", "count", "expected", "last_triggered_at"]
    list_filter = ["rule", "team"]
    readonly_fields = [f.name for f in ProblemIncident._meta.fields]
    exclude = ["alerts"]
    inlines = [AlertInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
