"""AreaEntityCount, kept by database triggers, agrees with the registry after every kind of write."""

import pytest
from django.db.models import Count, Q, Sum
from django.http import QueryDict

from mapping.aggregation import LiveSource
from mapping.filters import MapFilters
from mapping.models import AreaEntityCount
from registry.location import assign_admin_areas
from registry.models import Country, Entity, EntityFamily
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def live_counts(country_id):
    """Per-area counts straight from the registry table: the truth the summary must equal."""
    rows = (
        Entity.objects.filter(country_id=country_id)
        .values("admin_area_id")
        .annotate(
            n=Count("*"),
            members=Sum("members_total"),
            women=Sum("members_women", filter=Q(members_total__isnull=False)),
            with_gender=Sum("members_total", filter=Q(members_women__isnull=False)),
        )
    )
    return {r["admin_area_id"]: (r["n"], r["members"] or 0, r["women"] or 0, r["with_gender"] or 0) for r in rows}


def summary_counts(country_id):
    rows = (
        AreaEntityCount.objects.filter(country_id=country_id)
        .values("admin_area_id")
        .annotate(
            n=Sum("entities"),
            members=Sum("members_total"),
            women=Sum("members_women"),
            with_gender=Sum("members_with_gender"),
        )
        .filter(n__gt=0)
    )
    return {r["admin_area_id"]: (r["n"], r["members"], r["women"], r["with_gender"]) for r in rows}


@pytest.fixture
def entities(lonlat):
    hanoi, hue, sea = lonlat(105.8542, 21.0285), lonlat(107.5909, 16.4637), lonlat(106.7, 20.7)
    made = [
        EntityFactory(point=hanoi, members_total=30, members_women=12, members_men=18, sectors=["A"]),
        EntityFactory(point=hanoi, members_total=10, sectors=["A", "C"]),
        EntityFactory(point=hue, members_total=5, members_women=5, members_men=0, status="dormant"),
        EntityFactory(point=sea),
    ]
    assign_admin_areas(country="VNM")
    return made


def test_summary_counts_women_only_of_entities_that_report_their_total_members(entities, lonlat):
    women_only = EntityFactory(point=lonlat(107.5909, 16.4637), members_women=7)  # in Huế, no total
    assign_admin_areas(country="VNM")
    assert summary_counts("VNM") == live_counts("VNM")
    hue = summary_counts("VNM")[Entity.objects.get(pk=women_only.pk).admin_area_id]
    assert hue == (2, 5, 5, 5)  # the 7 women have no total to be a share of
    Entity.objects.filter(pk=women_only.pk).update(members_total=10)
    assert summary_counts("VNM") == live_counts("VNM")
    assert summary_counts("VNM")[Entity.objects.get(pk=women_only.pk).admin_area_id] == (2, 15, 12, 15)


def test_summary_follows_inserts_updates_and_deletes(entities, lonlat):
    assert summary_counts("VNM") == live_counts("VNM")
    moved = entities[0]
    Entity.objects.filter(pk=moved.pk).update(point=lonlat(107.5909, 16.4637), members_total=40, members_women=20)
    assign_admin_areas(country="VNM")
    Entity.objects.filter(pk=entities[1].pk).update(status="dissolved", sectors=["G"])
    Entity.objects.filter(pk=entities[2].pk).delete()
    assert summary_counts("VNM") == live_counts("VNM")
    Entity.objects.filter(country_id="VNM").delete()
    assert summary_counts("VNM") == {}


def test_bulk_demo_load_by_copy_is_counted(django_db_blocker):
    from django.core.management import call_command

    call_command("generate_demo_entities", count=400, seed=7, verbosity=0)
    for country in Country.objects.values_list("iso3", flat=True):
        assert summary_counts(country) == live_counts(country)


@pytest.mark.parametrize(
    "query",
    ["", "family=cooperative", "status=active&sector=A", "sector=C,G&status=dissolved,active", "verification=verified"],
)
def test_map_figures_from_summary_equal_the_live_grouping(entities, query):
    country = Country.objects.get(iso3="VNM")
    filters = MapFilters.parse(country, QueryDict(query))
    source = LiveSource(country, filters)
    summary = source.summary()
    expected = filters.apply(Entity.objects.all())
    assert summary.total == expected.count()
    by_area = dict(expected.values_list("admin_area_id").annotate(n=Count("*")))
    for figure in summary.areas:
        assert figure.entities == by_area.get(figure.area_id, 0)
    assert summary.unplaced == by_area.get(None, 0)


def test_family_of_summary_rows_is_the_entity_family(entities):
    cooperative = EntityFamily.objects.get(code="cooperative")
    assert AreaEntityCount.objects.filter(family_id=cooperative.pk).aggregate(n=Sum("entities"))["n"] == 4
