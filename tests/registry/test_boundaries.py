"""Countries, first-level areas and their validity dates, loaded from fixtures/boundaries."""

import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from registry.models import AdminArea, Country
from tests.conftest import AFTER_VN_REORGANIZATION, BEFORE_VN_REORGANIZATION

pytestmark = pytest.mark.django_db

BOUNDARIES = "fixtures/boundaries"


def area_counts(day):
    rows = AdminArea.objects.of_level(1).valid_on(day).values("country").annotate(n=Count("id"))
    return {row["country"]: row["n"] for row in rows}


def test_five_countries_are_loaded():
    assert sorted(Country.objects.values_list("iso3", flat=True)) == ["KGZ", "KHM", "MNG", "THA", "VNM"]


def test_first_level_counts_before_viet_nam_reorganization():
    assert area_counts(BEFORE_VN_REORGANIZATION) == {"KHM": 25, "KGZ": 9, "MNG": 22, "THA": 77, "VNM": 63}


def test_first_level_counts_after_viet_nam_reorganization():
    assert area_counts(AFTER_VN_REORGANIZATION) == {"KHM": 25, "KGZ": 9, "MNG": 22, "THA": 77, "VNM": 34}


def test_new_viet_nam_provinces_are_the_dissolve_of_the_former_ones():
    da_nang = AdminArea.objects.get(country="VNM", code="48", valid_from=AFTER_VN_REORGANIZATION)
    former = AdminArea.objects.filter(successor=da_nang)
    assert sorted(former.values_list("code", flat=True)) == ["VN-27", "VN-DN"]
    assert da_nang.geom.area == pytest.approx(sum(area.geom.area for area in former), rel=1e-6)


def test_every_current_area_has_its_name_in_the_local_script():
    # The boundary file lacks Bayanhongor's; the loader supplies it (registry.boundaries.MISSING_LOCAL_NAMES).
    assert not AdminArea.objects.of_level(1).valid_on(AFTER_VN_REORGANIZATION).filter(name_local="").exists()
    assert AdminArea.objects.get(code="MN-069").name_local == "Баянхонгор"


def test_reloading_changes_nothing(capsys):
    before = list(AdminArea.objects.order_by("pk").values_list("pk", "code", "valid_from", "valid_to", "name_local"))
    call_command("load_boundaries", verbosity=1)
    assert "0 created, 0 updated, 235 unchanged" in capsys.readouterr().out
    after = list(AdminArea.objects.order_by("pk").values_list("pk", "code", "valid_from", "valid_to", "name_local"))
    assert after == before


def test_database_refuses_invalid_geometry():
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import IntegrityError, transaction

    bowtie = MultiPolygon(Polygon(((0, 0), (1, 1), (1, 0), (0, 1), (0, 0))), srid=4326)
    area = AdminArea.objects.first()
    area.geom = bowtie
    with pytest.raises(IntegrityError, match="adminarea_geom_valid"), transaction.atomic():
        area.save()


@pytest.fixture
def boundary_copy(tmp_path):
    for path in ("adm0_5countries.geojson", "adm1_5countries.geojson", "vn_2025_provinces.csv"):
        shutil.copy(f"{BOUNDARIES}/{path}", tmp_path / path)
    return tmp_path


def _snapshot():
    return list(AdminArea.objects.order_by("pk").values_list("pk", "name", "valid_to"))


def test_missing_file_is_named_and_nothing_changes(boundary_copy):
    before = _snapshot()
    (boundary_copy / "adm1_5countries.geojson").unlink()
    with pytest.raises(CommandError, match=r"adm1_5countries\.geojson: file not found"):
        call_command("load_boundaries", directory=str(boundary_copy), verbosity=0)
    assert _snapshot() == before


def test_corrupt_file_is_named_and_nothing_changes(boundary_copy):
    before = _snapshot()
    (boundary_copy / "adm1_5countries.geojson").write_text('{"type": "FeatureCollection", "features": [ {broken')
    with pytest.raises(CommandError, match=r"adm1_5countries\.geojson: cannot be read"):
        call_command("load_boundaries", directory=str(boundary_copy), verbosity=0)
    assert _snapshot() == before


def test_reorganization_table_with_unknown_province_is_refused(boundary_copy):
    before = _snapshot()
    csv_path = boundary_copy / "vn_2025_provinces.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("VN-27,", "VN-99,"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"vn_2025_provinces\.csv: row \d+: old_iso_3166_2 'VN-99'"):
        call_command("load_boundaries", directory=str(boundary_copy), verbosity=0)
    assert _snapshot() == before
