"""Exports: formula-safe, role-respecting, and an export re-imports into an empty registry as the same entities."""

import csv
import io
import tempfile
import zipfile
from pathlib import Path

import orjson
import pytest
from django.contrib.gis.geos import Point

from exchange.exporting import export
from registry.models import CountryRole, Entity, EntityFamily, LegalForm
from tests.factories import EntityFactory, user_with_role

COMPARED = [
    "country_id",
    "name",
    "name_local",
    "name_romanized",
    "family_id",
    "legal_form_id",
    "registration_number",
    "registering_authority",
    "registration_date",
    "founded_year",
    "status",
    "members_total",
    "members_women",
    "members_men",
    "workers_total",
    "workers_women",
    "sectors",
    "location_precision",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source_reference",
    "external_id",
]


def snapshot():
    rows = []
    for entity in Entity.objects.order_by("name"):
        values = {field: getattr(entity, field) for field in COMPARED}
        values["point"] = (round(entity.point.x, 9), round(entity.point.y, 9))
        values["sectors"] = sorted(values["sectors"])
        rows.append(values)
    return rows


@pytest.fixture
def varied_entities(db):
    import datetime

    cooperative = EntityFamily.objects.get(code="cooperative")
    association = EntityFamily.objects.get(code="association")
    vnm_form = LegalForm.objects.get(country_id="VNM", code="cooperative")
    specs = [
        ("VNM", "Hợp tác xã Nông nghiệp Tân Phú", "", Point(105.8542, 21.0285, srid=4326), cooperative, vnm_form),
        ("VNM", "=SUM(A1:A3) HTX", "", Point(106.7009, 10.7769, srid=4326), association, None),
        ("VNM", "<b>HTX</b> & co", "", Point(108.2022, 16.0544, srid=4326), cooperative, None),
        (
            "KHM",
            "Agricultural cooperative Rik Chamroeun",
            "សហគមន៍កសិកម្មរីកចម្រើន",
            Point(104.92, 11.55, srid=4326),
            cooperative,
            None,
        ),
        ("THA", "Ban Na cooperative", "สหกรณ์การเกษตรบ้านนา จำกัด", Point(100.5, 13.75, srid=4326), cooperative, None),
        ("MNG", "Khangai herders", "Малчдын хоршоо Хангай", Point(106.92, 47.92, srid=4326), cooperative, None),
        ("KGZ", "Ala-Too cooperative", "Кооператив Ала-Тоо ңөү", Point(74.59, 42.87, srid=4326), cooperative, None),
    ]
    for number, (country, name, local, point, family, form) in enumerate(specs):
        EntityFactory(
            country_id=country,
            name=name,
            name_local=local,
            name_romanized=f"romanized {number}",
            point=point,
            family=family,
            legal_form=form,
            registration_number=f"+{number}-REG",
            registration_date=datetime.date(2010, 1, number + 1),
            founded_year=1990 + number,
            members_total=100,
            members_women=40,
            members_men=60,
            workers_total=5,
            workers_women=2,
            sectors=["A", "C"] if number % 2 else ["K"],
            address=f"@ {number} Main street",
            contact_name=f"Contact {number}",
            contact_phone=f"-{number} 555",
            contact_email=f"person{number}@example.org",
            source_reference=f"survey 2024 #{number}",
            external_id=f"ext-{number}" if number % 3 else "",
            location_precision="village",
        )


@pytest.fixture
def admin(db):
    return user_with_role(CountryRole.Role.ADMINISTRATOR, None, username="admin-export")


def reimport_all(data, filename, admin, settings, tmp_path):
    from exchange.importing import create_batch, run_batch

    settings.MEDIA_ROOT = tmp_path
    batches = []
    for country in ["VNM", "KHM", "THA", "MNG", "KGZ"]:
        batch = run_batch(create_batch(admin, country, filename, data, via="command"))
        batches.append(batch)
    return batches


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_format", "filename"), [("csv", "e.csv"), ("xlsx", "e.xlsx"), ("geojson", "e.geojson"), ("gpkg", "e.gpkg")]
)
def test_export_then_reimport_into_an_empty_registry_gives_the_same_entities(
    varied_entities, admin, settings, tmp_path, file_format, filename
):
    before = snapshot()
    data, _, _ = export(admin, Entity.objects.all(), file_format)
    Entity.history.all().delete()
    Entity.objects.all().delete()
    batches = reimport_all(data, filename, admin, settings, tmp_path)
    # Each country's import takes its own entities and rejects the others' as outside the country.
    assert sum(batch.imported for batch in batches) == len(before)
    for batch in batches:
        assert batch.rows_in == batch.imported + batch.rejected
    assert snapshot() == before


@pytest.mark.django_db
def test_csv_export_is_safe_against_formula_injection(varied_entities, admin):
    data, content_type, _ = export(admin, Entity.objects.all(), "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    by_name = {row["name"]: row for row in rows}
    assert "'=SUM(A1:A3) HTX" in by_name
    assert all(row["address"].startswith("'@") for row in rows)
    assert all(row["contact_phone"].startswith("'-") for row in rows)
    assert all(row["registration_number"].startswith("'+") for row in rows)


@pytest.mark.django_db
def test_xlsx_export_has_no_formulas(varied_entities, admin):
    from openpyxl import load_workbook

    data, _, _ = export(admin, Entity.objects.all(), "xlsx")
    cells = [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]
    # A formula cell has data_type "f"; the name is kept as typed, in a text cell, with no apostrophe.
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    assert {(cell.value, cell.data_type) for cell in cells if str(cell.value).startswith("=")} == {
        ("=SUM(A1:A3) HTX", "s")
    }
    assert not [cell.value for cell in cells if str(cell.value).startswith("'")]
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert "<f>" not in book.read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.django_db
def test_exports_leave_out_contact_data_without_the_role(varied_entities):
    # A committee member of Viet Nam reads Viet Nam's registry, including contacts, and nothing else.
    member = user_with_role(CountryRole.Role.COMMITTEE, "VNM", username="committee-export")
    data, _, _ = export(member, Entity.objects.all(), "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["country"] for row in rows} == {"VNM"}
    anonymous_data, _, _ = export(
        __import__("django.contrib.auth.models").contrib.auth.models.AnonymousUser(), Entity.objects.all(), "csv"
    )
    assert anonymous_data.decode("utf-8-sig").splitlines()[1:] == []
    assert "contact_email" not in anonymous_data.decode("utf-8-sig").splitlines()[0]


@pytest.mark.django_db
def test_geojson_export_is_rfc7946(varied_entities, admin):
    data, content_type, _ = export(admin, Entity.objects.filter(country_id="VNM"), "geojson")
    collection = orjson.loads(data)
    assert content_type == "application/geo+json"
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    coordinates = {tuple(feature["geometry"]["coordinates"]) for feature in collection["features"]}
    assert (105.8542, 21.0285) in coordinates  # longitude first


@pytest.mark.django_db
def test_shapefile_zip_and_essglobal_and_murmurations(varied_entities, admin):
    data, _, _ = export(admin, Entity.objects.all(), "shapefile")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert {"entities.shp", "entities.dbf", "entities.prj", "entities.cpg"} <= set(names)

    data, _, _ = export(admin, Entity.objects.all(), "essglobal")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {"Identifier", "Name", "Latitude", "Longitude", "Legal Forms"} <= set(rows[0])
    by_name = {row["Name"].removeprefix("'"): row for row in rows}
    for entity in Entity.objects.all():
        assert by_name[entity.name]["Identifier"] == (entity.external_id or entity.registry_number)
        assert "/" not in by_name[entity.name]["Identifier"]

    data, _, _ = export(admin, Entity.objects.all(), "murmurations")
    profiles = orjson.loads(data)
    profile = next(p for p in profiles if p["name"] == "Ban Na cooperative")
    assert profile["linked_schemas"] == ["organizations_schema-v1.0.0"]
    assert profile["country_iso_3166"] == "TH" and profile["geolocation"] == {"lat": 13.75, "lon": 100.5}
    assert profile["nickname"] == "สหกรณ์การเกษตรบ้านนา จำกัด"


@pytest.mark.django_db
def test_essglobal_export_reimports(varied_entities, admin, settings, tmp_path):
    data, _, _ = export(admin, Entity.objects.filter(country_id="VNM"), "essglobal")
    count = Entity.objects.filter(country_id="VNM").count()
    Entity.objects.all().delete()
    from exchange.importing import create_batch, run_batch

    settings.MEDIA_ROOT = tmp_path
    batch = run_batch(create_batch(admin, "VNM", "ess.csv", data, via="command"))
    assert batch.imported == count, list(batch.rows.values_list("reason", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("driver", "name"), [("GPKG", "e.gpkg"), ("ESRI Shapefile", "e.shp")])
def test_geopackage_and_shapefile_are_written_in_chunks_with_the_same_field_types(
    varied_entities, admin, tmp_path, driver, name
):
    import pyogrio

    from exchange.exporting import SHAPEFILE_NAMES, _write_layer, export_rows

    Entity.objects.filter(name__startswith="Ban Na").update(members_total=None, members_women=None, members_men=None)
    path = tmp_path / name  # the layer is named after the file: "e"
    options = {"encoding": "UTF-8", "rename": SHAPEFILE_NAMES} if driver == "ESRI Shapefile" else {}
    # Chunks of two rows: the Thai entity without member counts arrives in a later chunk than the first.
    _write_layer(export_rows(admin, Entity.objects.all()), path, True, driver, chunk_size=2, **options)
    info = pyogrio.read_info(path)
    assert info["features"] == 7
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["founded" if options else "founded_year"] == "int64" and types["name"] == "object"
    frame = pyogrio.read_dataframe(path)
    by_name = frame.set_index("name")
    assert by_name.loc["Ban Na cooperative", "name_local"] == "สหกรณ์การเกษตรบ้านนา จำกัด"
    members = "members_total" if driver == "GPKG" else "mem_total"
    assert by_name[members].isna().sum() == 1 and by_name.loc["Khangai herders", members] == 100


@pytest.mark.django_db
def test_an_empty_geopackage_export_is_a_valid_file_with_the_columns(admin):
    import pyogrio

    data, _, _ = export(admin, Entity.objects.none(), "gpkg")
    path = Path(tempfile.mkdtemp(), "empty.gpkg")
    path.write_bytes(data)
    info = pyogrio.read_info(path)
    assert info["features"] == 0 and "registry_number" in list(info["fields"])


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["xlsx", "csv", "geojson", "gpkg", "shapefile"])
def test_an_export_of_points_with_seventeen_digits_reimports_unchanged(run_import, admin_user, file_format):
    """A reprojected or computed point has 17 significant digits (105.86999999999999); XLSX keeps 16 and a
    CSV saved by a spreadsheet 15. Re-importing the export changes nothing and says so."""
    EntityFactory(name="HTX Bảy", point=Point(105.8 + 0.01 * 7, 21.0285, srid=4326), external_id="p-17")
    data, _, filename = export(admin_user, Entity.objects.all(), file_format)
    batch = run_import(data, filename=filename)
    assert batch.rows_in == batch.unchanged == 1, [(row.outcome, row.reason) for row in batch.rows.all()]
    assert Entity.history.filter(external_id="p-17").count() == 1


@pytest.mark.django_db
def test_a_shapefile_export_re_imported_keeps_the_whole_khmer_name_its_dbf_cut(run_import, admin_user):
    name = "សហគមន៍កសិកម្មភូមិថ្មីឃុំព្រែកថ្មីស្រុកកៀនស្វាយខេត្តកណ្ដាល " * 2  # 120 letters, 354 bytes in UTF-8
    address = "ផ្ទះលេខ ១២ ផ្លូវ ២៧១ សង្កាត់ទួលទំពូង ខណ្ឌចំការមន រាជធានីភ្នំពេញ " * 3
    EntityFactory(
        country_id="KHM", name=name.strip(), address=address, point=Point(104.9, 11.55, srid=4326), external_id="k-1"
    )
    data, _, filename = export(admin_user, Entity.objects.all(), "shapefile")
    batch = run_import(data, filename=filename, country="KHM")
    assert batch.rows_in == batch.unchanged == 1, [(row.outcome, row.reason) for row in batch.rows.all()]
    entity = Entity.objects.get(external_id="k-1")
    assert (entity.name, entity.address) == (name.strip(), address)
    assert any("were cut at its limit of 254 bytes" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_shapefile_name_at_the_dbf_limit_of_a_new_entity_is_said_to_be_perhaps_cut(run_import, admin_user):
    EntityFactory(country_id="KHM", name="សហគមន៍ " * 40, point=Point(104.9, 11.55, srid=4326), external_id="k-2")
    data, _, filename = export(admin_user, Entity.objects.all(), "shapefile")
    Entity.objects.all().delete()
    batch = run_import(data, filename=filename, country="KHM")
    assert batch.imported == 1
    assert any("may have been cut" in warning and "1 (name)" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_an_xlsx_export_holds_an_entity_whose_name_has_a_control_character(admin_user):
    from openpyxl import load_workbook

    EntityFactory(name="HTX \x0cMột", external_id="c-1")  # a form feed, as old systems' lists hold
    EntityFactory(name="HTX Hai", external_id="c-2")
    data, _, _ = export(admin_user, Entity.objects.all(), "xlsx")
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    names = {row[rows[0].index("external_id")]: row[rows[0].index("name")] for row in rows[1:]}
    assert names == {"c-1": "HTX Một", "c-2": "HTX Hai"}
