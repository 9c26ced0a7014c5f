from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from .views import FeedbackViewSet, ReleaseViewSet, TaxonomyViewSet

router = DefaultRouter()
router.register("feedback", FeedbackViewSet, basename="feedback")
router.register("taxonomy", TaxonomyViewSet, basename="taxonomy")
router.register("releases", ReleaseViewSet, basename="release")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[], authentication_classes=[]), name="api-docs"),
    path("", include(router.urls)),
]
