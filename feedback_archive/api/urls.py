from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .health import HealthView
from .efficiency import EfficiencyReportView
from .roadmap import PlanningDeclineView, PlanningQueueView, RoadmapViewSet
from .report_problems import TopProblemsView
from .problems import ProblemViewSet
from .reports import MonthlyReportView, ReleaseReportView, WeeklyReportView
from .views import FeedbackViewSet, ReleaseViewSet, TaxonomyViewSet

router = DefaultRouter()
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("taxonomy", TaxonomyViewSet, basename="taxonomy")
router.register("releases", ReleaseViewSet, basename="release")
router.register("roadmap", RoadmapViewSet, basename="roadmap")
router.register("problems", ProblemViewSet, basename="problem")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[], authentication_classes=[]), name="api-docs"),
    path("health/", HealthView.as_view(), name="health"),
    path("reports/weekly/", WeeklyReportView.as_view(), name="report-weekly"),
    path("reports/monthly/", MonthlyReportView.as_view(), name="report-monthly"),
    path("planning/queue/", PlanningQueueView.as_view(), name="planning-queue"),
    path("planning/decline/", PlanningDeclineView.as_view(), name="planning-decline"),
    path("reports/efficiency/", EfficiencyReportView.as_view(), name="report-efficiency"),
    path("reports/releases/<int:pk>/", ReleaseReportView.as_view(), name="report-release"),
    path("reports/top-problems/", TopProblemsView.as_view(), name="report-top-problems"),
    path("", include(router.urls)),
]
