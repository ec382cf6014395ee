from django.urls import path, register_converter

from . import views


class CountryCodeConverter:
    """An ISO 3166 alpha-3 code in a URL (any case): anything else is a 404 before a query is made."""

    regex = "[A-Za-z]{3}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CountryCodeConverter, "legislation_iso3")

app_name = "legislation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("matrix.csv", views.matrix_export, {"fmt": "csv"}, name="matrix-csv"),
    path("matrix.xlsx", views.matrix_export, {"fmt": "xlsx"}, name="matrix-xlsx"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("instruments/<slug:code>/", views.instrument_detail, name="instrument"),
    path("instruments/<slug:code>/assessments/", views.assessment_grid, name="grid"),
    path("instruments/<slug:code>/assessments/edit/", views.assessment_edit, name="assessment-edit"),
    path("instruments/<slug:code>/assessments.csv", views.grid_export, {"fmt": "csv"}, name="grid-csv"),
    path("instruments/<slug:code>/assessments.xlsx", views.grid_export, {"fmt": "xlsx"}, name="grid-xlsx"),
    path("compare/", views.comparison, name="compare"),
    path("countries/<legislation_iso3:iso3>/", views.country_reform, name="country-reform"),
    path("countries/<legislation_iso3:iso3>/processes/", views.process_create, name="process-create"),
    path("countries/<legislation_iso3:iso3>/brief.pdf", views.country_brief, name="country-brief"),
    path("processes/<int:pk>/stages/", views.stage_create, name="stage-create"),
]
