"""Point -> area and point -> country, on a date: the lookups every capability uses."""

import pytest

from registry.models import AdminArea, Country
from tests.conftest import AFTER_VN_REORGANIZATION, BEFORE_VN_REORGANIZATION

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("place", "lon", "lat", "code"),
    [
        ("central Phnom Penh", 104.9282, 11.5564, "KH-12"),
        ("Bishkek", 74.5698, 42.8746, "KG-GB"),
        ("Ulaanbaatar", 106.9177, 47.9186, "MN-1"),
        ("Bangkok", 100.5018, 13.7563, "TH-10"),
    ],
)
def test_city_centres_fall_in_their_province(lonlat, place, lon, lat, code):
    placement = AdminArea.objects.locate(lonlat(lon, lat))
    assert placement.found, placement.message
    assert placement.place.code == code
    assert placement.distance_m == 0


def test_hoi_an_is_in_quang_nam_until_reorganization(lonlat):
    placement = AdminArea.objects.locate(lonlat(108.3380, 15.8801), on=BEFORE_VN_REORGANIZATION)
    assert (placement.place.code, placement.place.name) == ("VN-27", "Quảng Nam")


def test_hoi_an_is_in_da_nang_after_reorganization(lonlat):
    placement = AdminArea.objects.locate(lonlat(108.3380, 15.8801), on=AFTER_VN_REORGANIZATION)
    assert placement.place.code == "48"
    assert placement.place.code_system == "GSO"
    assert placement.place.name == "Đà Nẵng"


def test_point_far_out_at_sea_has_no_area_and_says_so(lonlat):
    placement = AdminArea.objects.locate(lonlat(112.0, 12.0))  # South China Sea, ~200 km offshore
    assert not placement.found
    assert "lies in no level-1 area" in placement.message
    assert "within 2 km" in placement.message


def test_coastal_point_just_outside_generalized_boundary_snaps_to_nearest_area(lonlat):
    # Just off Phuket's west coast: outside the 1:10m polygon, within 2 km.
    point = _just_outside("TH-83", lonlat, metres=800)
    placement = AdminArea.objects.locate(point, country=Country.objects.get(iso3="THA"))
    assert placement.snapped
    assert placement.place.code == "TH-83"
    assert 0 < placement.distance_m <= 2000
    assert "outside the boundary" in placement.message


def test_coast_tolerance_is_configurable(lonlat):
    point = _just_outside("TH-83", lonlat, metres=800)
    assert not AdminArea.objects.locate(point, tolerance_m=100).found


def test_country_lookup(lonlat):
    assert Country.objects.locate(lonlat(104.9282, 11.5564)).place.iso3 == "KHM"
    assert Country.objects.locate(lonlat(108.3380, 15.8801)).place.iso3 == "VNM"
    assert not Country.objects.locate(lonlat(112.0, 12.0)).found


def _just_outside(code, lonlat, metres):
    """A point `metres` west of the westernmost vertex of the area: surely outside it."""
    area = AdminArea.objects.get(code=code)
    vertices = [xy for polygon in area.geom.coords for ring in polygon for xy in ring]
    west = min(vertices, key=lambda xy: xy[0])
    # At Phuket's latitude (8 deg N) one degree of longitude is about 110 km.
    return lonlat(west[0] - metres / 110_000, west[1])
