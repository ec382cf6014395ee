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
