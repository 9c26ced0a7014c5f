from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from .problems import ProblemViewSet
from .reports import MonthlyReportView, ReleaseReportView, WeeklyReportView
from .views import FeedbackViewSet, ReleaseViewSet, TaxonomyViewSet

router = DefaultRouter()
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("taxonomy", TaxonomyViewSet, basename="taxonomy")
router.register("releases", ReleaseViewSet, basename="release")
router.register("problems", ProblemViewSet, basename="problem")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[], authentication_classes=[]), name="api-docs"),
    path("reports/weekly/", WeeklyReportView.as_view(), name="report-weekly"),
    path("reports/monthly/", MonthlyReportView.as_view(), name="report-monthly"),
    path("reports/releases/<int:pk>/", ReleaseReportView.as_view(), name="report-release"),
    path("", include(router.urls)),
]
