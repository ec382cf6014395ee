"""Entity points against their country: refusals with reasons, and area derivation."""

import pytest

from registry.location import LocationError, assign_admin_areas, check_point_in_country
from registry.models import Country
from registry.numbering import allocate_registry_numbers
from tests.conftest import AFTER_VN_REORGANIZATION, BEFORE_VN_REORGANIZATION
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_point_outside_country_is_refused_with_distance(lonlat):
    vietnam = Country.objects.get(iso3="VNM")
    with pytest.raises(LocationError, match=r"lies [\d,.]+ km outside Viet Nam\. It lies in Cambodia"):
        check_point_in_country(lonlat(104.9282, 11.5564), vietnam)  # Phnom Penh


def test_swapped_coordinates_are_refused_with_the_suggestion(lonlat):
    vietnam = Country.objects.get(iso3="VNM")
    with pytest.raises(LocationError, match="latitude and longitude swapped"):
        check_point_in_country(lonlat(21.0285, 105.8542), vietnam)  # Hà Nội with lat/lon swapped


def test_point_inside_country_is_accepted(lonlat):
    placement = check_point_in_country(lonlat(105.8542, 21.0285), Country.objects.get(iso3="VNM"))
    assert placement.found and placement.distance_m == 0


def test_registry_numbers_are_consecutive_per_country():
    first = allocate_registry_numbers("KHM", 3)
    second = allocate_registry_numbers("KHM")
    assert first[1:] == [f"KHM-{int(first[0][4:]) + i:06d}" for i in (1, 2)]
    assert second == [f"KHM-{int(first[-1][4:]) + 1:06d}"]


def test_area_derivation_follows_viet_nam_reorganization(lonlat):
    hoi_an = EntityFactory(point=lonlat(108.3380, 15.8801))
    assign_admin_areas(entity_ids=[hoi_an.pk], on=BEFORE_VN_REORGANIZATION)
    hoi_an.refresh_from_db()
    assert hoi_an.admin_area.code == "VN-27"
    assign_admin_areas(country="VNM", on=AFTER_VN_REORGANIZATION)
    hoi_an.refresh_from_db()
    assert (hoi_an.admin_area.code, hoi_an.admin_area.name) == ("48", "Đà Nẵng")


def test_assign_areas_command_moves_entities_to_the_boundaries_in_force(lonlat):
    from django.core.management import call_command

    hoi_an = EntityFactory(point=lonlat(108.3380, 15.8801))
    assign_admin_areas(entity_ids=[hoi_an.pk], on=BEFORE_VN_REORGANIZATION)
    call_command("assign_areas", country="vnm", verbosity=0)
    hoi_an.refresh_from_db()
    assert hoi_an.admin_area.code == "48"


def test_assign_areas_command_refuses_a_bad_date():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--on 'soon': expected a date"):
        call_command("assign_areas", on="soon")


def test_load_boundaries_rederives_areas_when_it_changes_one(lonlat, tmp_path):
    import shutil

    from django.core.management import call_command

    for name in ("adm0_5countries.geojson", "adm1_5countries.geojson", "vn_2025_provinces.csv"):
        shutil.copy(f"fixtures/boundaries/{name}", tmp_path / name)
    adm1 = tmp_path / "adm1_5countries.geojson"
    adm1.write_text(adm1.read_text(encoding="utf-8").replace('"Kampot"', '"Kampot (renamed)"'), encoding="utf-8")
    hoi_an = EntityFactory(point=lonlat(108.3380, 15.8801))
    assign_admin_areas(entity_ids=[hoi_an.pk], on=BEFORE_VN_REORGANIZATION)  # a stale area, as after 2025-07-01
    call_command("load_boundaries", directory=str(tmp_path), verbosity=0)
    hoi_an.refresh_from_db()
    assert hoi_an.admin_area.code == "48"
