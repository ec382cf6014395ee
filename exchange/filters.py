"""API filters: each query parameter parsed in its filter, a bad value answered with a clean 400."""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework_gis.filters import InBBoxFilter

from legislation.models import Instrument, ReformProcess, Stage
from mapping.aggregation import BadMapRequest, parse_bbox
from registry.models import ISIC_SECTIONS, AdminArea, Country, Entity, EntityFamily, LegalForm, WorkingDefinition


def known_code(parameter, value, codes):
    """`value` if it is one of `codes`, else a 400 naming the parameter and the codes it takes."""
    codes = sorted(set(codes))
    if value not in codes:
        raise ValidationError({parameter: [f"Unknown code {value[:60]!r}; known: {', '.join(codes)}."]})
    return value


def known_country(parameter, value):
    return known_code(parameter, value.strip().upper(), Country.objects.values_list("iso3", flat=True))


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(django_filters.NumberFilter):
    """An id or a level: a whole number. django-filter's NumberFilter reads a decimal, and ?level=1.5 was
    answered as ?level=1 (PostgreSQL rounds it), not refused."""

    field_class = forms.IntegerField


class _TrueOrFalseField(forms.CharField):
    TRUE, FALSE = ("true", "1"), ("false", "0")

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        if value in self.TRUE + self.FALSE:
            return value in self.TRUE
        if value:
            raise forms.ValidationError(f"must be true or false, got {value[:40]!r}")
        return None


class TrueOrFalseFilter(django_filters.BooleanFilter):
    """?is_demo=true|false. django-filter's BooleanFilter reads anything else (maybe, null, yes) as no filter
    at all, and answered with every row as if it had been asked for."""

    field_class = _TrueOrFalseField


class CountryCodeFilter(django_filters.CharFilter):
    """?country=VNM, any case, on `field_name` (the country's ISO3 key); an unknown code is a 400 naming it."""

    def __init__(self, field_name="country_id", parameter="country", **kwargs):
        self.parameter = parameter
        super().__init__(field_name=field_name, help_text="ISO3 code, any case", **kwargs)

    def filter(self, queryset, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return queryset
        return queryset.filter(**{self.field_name: known_country(self.parameter, value)})


class EntityFilter(django_filters.FilterSet):
    """?country=VNM&family=cooperative&legal_form=cooperative&status=active&admin_area=12&q=binh&sector=A"""

    country = django_filters.CharFilter(method="filter_country", help_text="ISO3 code, any case")
    family = django_filters.CharFilter(method="filter_family", help_text="Entity family code")
    legal_form = django_filters.CharFilter(method="filter_legal_form", help_text="Legal form code")
    status = django_filters.ChoiceFilter(choices=Entity.Status.choices)
    verification = django_filters.ChoiceFilter(choices=Entity.Verification.choices)
    admin_area = WholeNumberFilter(field_name="admin_area_id")
    external_id = django_filters.CharFilter()
    sector = django_filters.CharFilter(method="filter_sector", help_text="ISIC Rev.4 section letter")
    q = django_filters.CharFilter(
        method="filter_name",
        help_text="Part of the name (any script) or registry number; case and diacritics ignored, as on the pages",
    )

    class Meta:
        model = Entity
        fields = ["country", "family", "legal_form", "status", "verification", "admin_area", "external_id"]

    # An unknown code is refused (400 naming the parameter and the known codes), not answered with an empty
    # page that reads as "no such entities".
    def filter_sector(self, queryset, name, value):
        return queryset.filter(sectors__contains=[known_code(name, value.upper(), dict(ISIC_SECTIONS))])

    def filter_family(self, queryset, name, value):
        return queryset.filter(
            family__code=known_code(name, value, EntityFamily.objects.values_list("code", flat=True))
        )

    def filter_legal_form(self, queryset, name, value):
        return queryset.filter(
            legal_form__code=known_code(name, value, LegalForm.objects.values_list("code", flat=True))
        )

    # The registry list's own conditions and orders (registry.managers), whose plans are measured at 1M
    # (PERFORMANCE.md B7): a country page along the (country, number) index, a search from the trigram index.
    def filter_country(self, queryset, name, value):
        return queryset.in_country_by_number(Country(pk=known_country(name, value)))

    def filter_name(self, queryset, name, value):
        return queryset.search_ordered(value, within_one_country=bool(self.form.cleaned_data.get("country")))


class AdminAreaFilter(django_filters.FilterSet):
    """?country=VNM&level=1&on=2025-06-30 (areas in force on that date)."""

    country = CountryCodeFilter()
    level = WholeNumberFilter(help_text="1 = province, oblast or aimag; 2 = district")
    on = django_filters.DateFilter(method="filter_on", help_text="Areas in force on this date (YYYY-MM-DD)")

    class Meta:
        model = AdminArea
        fields = ["country", "level", "code"]

    def filter_on(self, queryset, name, value):
        return queryset.valid_on(value)


# The country filters of the other lists read a code as the entities' and areas' do: any case, and an unknown
# code refused with the known ones. Reform processes answered ?country=XXX with an empty list that read as
# "no reform here"; definitions and instruments refused ?country=vnm as "Select a valid choice".
class WorkingDefinitionFilter(django_filters.FilterSet):
    """?country=VNM&status=adopted"""

    country = CountryCodeFilter()

    class Meta:
        model = WorkingDefinition
        fields = ["country", "status"]


class InstrumentFilter(django_filters.FilterSet):
    """?country=VNM&kind=law&subject=cooperatives&status=in_force"""

    country = CountryCodeFilter()

    class Meta:
        model = Instrument
        fields = ["country", "kind", "subject", "status"]


class ReformProcessFilter(django_filters.FilterSet):
    """?country=VNM&stage=drafting (the stage a process is at now)."""

    country = CountryCodeFilter()
    stage = django_filters.ChoiceFilter(
        field_name="current_stage", choices=Stage.choices, help_text="The stage the process is at now"
    )
    is_demo = TrueOrFalseFilter(help_text="true: only the demo processes; false: only the others")

    class Meta:
        model = ReformProcess
        fields = ["country", "stage", "is_demo"]


class EntityBBoxFilter(InBBoxFilter):
    """?in_bbox=min_lon,min_lat,max_lon,max_lat (EPSG:4326), checked as the map's bbox is.

    rest_framework_gis passes NaN or an inverted box on to GEOS (a 500) and
    refuses other bad boxes without saying why.
    """

    def get_filter_bbox(self, request):
        try:
            box = parse_bbox(request.query_params.get(self.bbox_param), required=False)
        except BadMapRequest as error:
            raise ValidationError({self.bbox_param: [error.reason]}) from None
        return None if box is None else Polygon.from_bbox(box)
