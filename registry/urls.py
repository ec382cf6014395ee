from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("areas.geojson", views.current_areas_geojson, name="areas-geojson"),
    path("countries/<str:iso3>/", views.country_detail, name="country"),
    path("countries/<str:iso3>/areas.geojson", views.country_areas_geojson, name="country-areas-geojson"),
]

from . import registry_views  # noqa: E402

urlpatterns += [
    path("registry/", registry_views.entity_list, name="entities"),
    path("registry/new/", registry_views.entity_edit, name="entity-create"),
    path("registry/entities/<uuid:pk>/", registry_views.entity_detail, name="entity"),
    path("registry/entities/<uuid:pk>/edit/", registry_views.entity_edit, name="entity-edit"),
    path(
        "registry/entities/<uuid:pk>/classify/<int:definition_pk>/",
        registry_views.entity_classify,
        name="entity-classify",
    ),
    path("registry/definitions/", registry_views.definition_list, name="definitions"),
    path("registry/definitions/<int:pk>/", registry_views.definition_detail, name="definition"),
    path(
        "registry/definitions/from-template/<str:iso3>/",
        registry_views.definition_from_template,
        name="definition-from-template",
    ),
]
