"""REST API v1: the schema, its documentation page (served without a CDN), and the resources."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from exchange import api

router = DefaultRouter()
router.register("countries", api.CountryViewSet, basename="country")
router.register("areas", api.AdminAreaViewSet, basename="area")
router.register("entities", api.EntityViewSet, basename="entity")
router.register("definitions", api.WorkingDefinitionViewSet, basename="definition")
router.register("classifications", api.ClassificationViewSet, basename="classification")
router.register("instruments", api.InstrumentViewSet, basename="instrument")
router.register("assessments", api.AssessmentViewSet, basename="assessment")
router.register("map-editions", api.MapEditionViewSet, basename="map-edition")
router.register("reform-processes", api.ReformProcessViewSet, basename="reform-process")
router.register("imports", api.ImportBatchViewSet, basename="import")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    # Last: a path that names no resource gets the JSON 404 the schema documents, not the site's HTML page.
    # Only paths ending in a slash, so that CommonMiddleware still sends /api/v1/entities to /api/v1/entities/.
    re_path(r"^.+/$", api.unknown_path),
]
