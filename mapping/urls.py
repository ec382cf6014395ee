from django.urls import path

from . import views

app_name = "mapping"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:iso3>/", views.committee_map, name="map"),
    path("<str:iso3>/areas.json", views.live_areas, name="areas"),
    path("<str:iso3>/entities.geojson", views.live_entities, name="entities"),
    path("<str:iso3>/editions/", views.edition_list, name="editions"),
    path("<str:iso3>/editions/new", views.freeze, name="freeze"),
    path("<str:iso3>/editions/<int:number>/", views.edition_detail, name="edition"),
    path("<str:iso3>/editions/<int:number>/areas.json", views.edition_areas, name="edition-areas"),
    path("<str:iso3>/editions/<int:number>/entities.geojson", views.edition_entities, name="edition-entities"),
    path(
        "<str:iso3>/editions/<int:number>/entities/<uuid:entity_id>/",
        views.edition_entity,
        name="edition-entity",
    ),
    path("<str:iso3>/editions/<int:number>/comments", views.add_comment, name="comment"),
    path(
        "<str:iso3>/editions/<int:number>/comments/<int:comment_id>/resolve",
        views.resolve_comment,
        name="resolve-comment",
    ),
    path("<str:iso3>/editions/<int:number>/sign-off", views.sign_off, name="sign-off"),
    path("<str:iso3>/editions/<int:number>/status", views.change_status, name="status"),
    path("<str:iso3>/editions/<int:number>/entities.csv", views.edition_sheet, name="edition-sheet"),
    path("<str:iso3>/editions/<int:number>/pack.pdf", views.edition_pack, {"fmt": "pdf"}, name="pack-pdf"),
    path("<str:iso3>/editions/<int:number>/pack.png", views.edition_pack, {"fmt": "png"}, name="pack-png"),
]
