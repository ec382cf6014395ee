"""The one importer on deliberately messy files: every row reported, nothing lost, accounting exact."""

import pytest

from exchange.models import ImportRow
from registry.location import area_for_point
from registry.models import Entity

from .conftest import assert_accounted, csv_bytes

HEADER = ["name", "family", "latitude", "longitude", "members_total", "members_women", "members_men", "_uuid"]


def outcomes(batch):
    return {row.row_number: row for row in batch.rows.all()}


@pytest.mark.django_db
def test_messy_csv_reports_every_row_and_accounts_exactly(run_import):
    rows = [
        HEADER,
        ["Hợp tác xã Nông nghiệp Tân Phú", "cooperative", "21.0285", "105.8542", "120", "60", "50", "a1"],  # 2 ok
        ["Swapped HTX", "cooperative", "105.8542", "21.0285", "", "", "", "a2"],  # 3 swapped
        ["Bangkok coop", "cooperative", "13.75", "100.5", "", "", "", "a3"],  # 4 outside (Thailand)
        ["", "cooperative", "16.05", "108.2", "", "", "", "a4"],  # 5 no name
        ["<script>alert('x')</script> HTX", "cooperative", "16.06", "108.21", "", "", "", "a5"],  # 6 ok, text
        ["Repeated id", "cooperative", "16.07", "108.22", "", "", "", "a1"],  # 7 same external id as row 2
        ['=HYPERLINK("http://evil")', "association", "10.78", "106.70", "", "", "", "a7"],  # 8 ok
        ["Too many", "cooperative", "16.08", "108.23", "5", "4", "3", "a8"],  # 9 members do not add up
        ["No family", "", "16.09", "108.24", "", "", "", "a9"],  # 10 family missing
        ["Bad number", "cooperative", "16.10", "abc", "many", "", "", "a10"],  # 11 two problems
        ["Women only", "cooperative", "16.11", "108.25", "5", "9", "", "a11"],  # 12 more women than members
    ]
    batch = run_import(csv_bytes(rows))
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported, batch.rejected) == (11, 3, 8)
    report = outcomes(batch)
    assert "swapped" in report[3].reason
    assert "outside Viet Nam" in report[4].reason and "Thailand" in report[4].reason
    assert report[5].field == "name" and "required" in report[5].reason
    assert report[7].field == "external_id" and "row 2" in report[7].reason
    assert "members_women (4) + members_men (3) exceed members_total (5)" in report[9].reason
    assert report[10].field == "family"
    assert "longitude" in report[11].reason and "members_total" in report[11].reason
    assert "members_women (9) exceed members_total (5)" in report[12].reason
    names = set(Entity.objects.filter(country_id="VNM").values_list("name", flat=True))
    assert "<script>alert('x')</script> HTX" in names  # stored as text, exactly
    assert '=HYPERLINK("http://evil")' in names
    assert report[3].data["name"] == "Swapped HTX"  # the rejected row is kept as read


@pytest.mark.django_db
def test_imported_entities_get_numbers_areas_history_and_provenance(run_import, researcher):
    rows = [HEADER, ["Hợp tác xã Hà Nội", "cooperative", "21.0285", "105.8542", "", "", "", "k1"]]
    batch = run_import(csv_bytes(rows))
    entity = Entity.objects.get(external_id="k1")
    assert entity.registry_number.startswith("VNM-")
    assert entity.admin_area is not None
    assert entity.admin_area == area_for_point(entity.point, entity.country)  # the registry's own rule
    assert entity.source == Entity.Source.IMPORT
    assert f"import {batch.pk}" in entity.source_reference and "row 2" in entity.source_reference
    history = entity.history.get()
    assert history.history_type == "+" and history.history_user == researcher
    assert batch.rows.get().entity_id == entity.pk


@pytest.mark.django_db
def test_a_large_import_rebuilds_every_index_and_foreign_key_it_dropped(run_import, monkeypatch):
    # A load larger than the registry drops the entity table's secondary indexes and foreign keys and
    # rebuilds them once at the end; the test lowers the threshold so a small file takes that path.
    from django.db import connection

    from exchange import importing

    def schema():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_entity'")
            indexes = set(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'registry_entity'::regclass"
            )
            return indexes, set(cursor.fetchall())

    before = schema()
    monkeypatch.setattr(importing, "BULK_REBUILD_MIN_ROWS", 1)
    monkeypatch.setattr(importing.sql, "entity_count_estimate", lambda cursor: 0)
    rows = [
        HEADER,
        *[[f"HTX số {i}", "cooperative", "21.0285", f"105.{8542 + i * 50}", "", "", "", ""] for i in range(3)],
    ]
    batch = run_import(csv_bytes(rows))
    assert batch.imported == 3
    assert schema() == before
    assert any("gin_trgm_ops" in definition for _, definition in before[0])
    assert sum("FOREIGN KEY" in definition for _, definition in before[1]) == 4
    assert Entity.objects.search("HTX số 2").count() == 1  # the rebuilt search index finds the new rows


@pytest.mark.django_db
def test_same_file_twice_adds_nothing(run_import):
    rows = [
        HEADER,
        ["HTX Một", "cooperative", "21.0285", "105.8542", "", "", "", "x1"],
        ["HTX Hai", "cooperative", "10.7769", "106.7009", "", "", "", ""],
    ]
    first = run_import(csv_bytes(rows))
    second = run_import(csv_bytes(rows))
    assert first.imported == 2
    assert_accounted(second)
    assert (second.imported, second.unchanged, second.held) == (0, 2, 0)
    assert Entity.objects.filter(country_id="VNM").count() == 2


@pytest.mark.django_db
def test_same_external_id_updates_the_entity_and_keeps_history(run_import):
    run_import(csv_bytes([HEADER, ["HTX Ba", "cooperative", "21.0285", "105.8542", "10", "", "", "u3"]]))
    batch = run_import(csv_bytes([HEADER, ["HTX Ba", "cooperative", "21.0285", "105.8542", "12", "", "", "u3"]]))
    assert batch.updated == 1
    entity = Entity.objects.get(external_id="u3")
    assert entity.members_total == 12 and entity.version == 2
    assert [h.history_type for h in entity.history.order_by("history_id")] == ["+", "~"]


@pytest.mark.django_db
def test_similar_name_nearby_is_held_and_a_researcher_confirms_or_rejects(run_import, researcher):
    from exchange.importing import resolve_held_row

    run_import(csv_bytes([HEADER, ["Hợp tác xã Bình Minh", "cooperative", "21.0285", "105.8542", "", "", "", ""]]))
    batch = run_import(
        csv_bytes(
            [
                HEADER,
                ["Hợp tác xã Bình Minh 2", "cooperative", "21.0290", "105.8545", "", "", "", ""],
                ["Hop tac xa Dong Tien", "cooperative", "21.0300", "105.8550", "", "", "", ""],
                ["Hop tac xa Dong Tien", "cooperative", "21.0301", "105.8551", "", "", "", ""],
            ]
        )
    )
    assert_accounted(batch)
    assert (batch.imported, batch.held) == (1, 2)
    report = outcomes(batch)
    assert report[2].outcome == "held" and report[2].duplicate_of is not None
    assert report[4].outcome == "held" and report[4].duplicate_of_row == 3
    before = Entity.objects.count()
    resolve_held_row(researcher, report[2], "new")
    resolve_held_row(researcher, report[4], "duplicate")
    assert Entity.objects.count() == before + 1
    assert ImportRow.objects.get(pk=report[2].pk).entity.name == "Hợp tác xã Bình Minh 2"


@pytest.mark.django_db
def test_a_held_row_decided_meanwhile_elsewhere_is_not_registered_twice(run_import, researcher):
    """A double click, or two researchers on one batch: the second request loaded the row before the first
    decided it. It is refused, and the registry holds the entity once."""
    from exchange.importing import resolve_held_row

    row = ["Hợp tác xã Bình Minh", "cooperative", "21.0285", "105.8542", "", "", "", ""]
    run_import(csv_bytes([HEADER, row]))
    batch = run_import(csv_bytes([HEADER, [row[0] + " 2", *row[1:2], "21.0290", "105.8545", *row[4:]]]))
    first_click = batch.rows.get(outcome="held")
    second_click = batch.rows.get(outcome="held")  # loaded before the first click's decision was saved
    before = Entity.objects.count()
    resolve_held_row(researcher, first_click, "new")
    with pytest.raises(ValueError, match="is not waiting for a decision"):
        resolve_held_row(researcher, second_click, "new")
    assert Entity.objects.count() == before + 1


@pytest.mark.django_db
def test_dry_run_writes_nothing_to_the_registry(run_import):
    batch = run_import(
        csv_bytes([HEADER, ["HTX Khô", "cooperative", "21.0285", "105.8542", "", "", "", "d1"]]), dry_run=True
    )
    assert batch.imported == 1
    assert not Entity.objects.exists()
    assert not Entity.history.exists()


def cp1258_bytes(text):
    """Vietnamese as Windows-1258 writes it: precomposed base letters, tone marks as combining characters."""
    import unicodedata

    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            for mark in marks:  # compose the base with one mark (circumflex, horn), keep the tone combining
                rest = "".join(other for other in marks if other != mark)
                try:
                    out.append((unicodedata.normalize("NFC", base + mark) + rest).encode("cp1258"))
                    break
                except UnicodeEncodeError:
                    continue
            else:
                out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "name", "lat", "lon", "encoding", "declared"),
    [
        ("VNM", "Hợp tác xã Nông nghiệp Đồng Tâm", "21.0285", "105.8542", "utf-16", ""),
        ("VNM", "Hợp tác xã Nông nghiệp Đồng Tâm", "21.0285", "105.8542", "utf-8-sig", ""),
        ("VNM", "Hợp tác xã Nông nghiệp Đồng Tâm", "21.0285", "105.8542", "cp1258", ""),
        ("THA", "สหกรณ์การเกษตรบ้านนา จำกัด", "13.75", "100.5", "cp874", ""),
        ("KGZ", "Кооператив Ала-Тоо", "42.87", "74.59", "cp1251", "utf-8"),  # wrongly declared
        ("MNG", "Малчдын хоршоо Хангай", "47.92", "106.92", "utf-8", "latin-1"),  # wrongly declared
        # Wrongly declared, and the bytes decode as declared too, into other letters ("Hõòp tác xaÞ").
        ("VNM", "Hợp tác xã Nông nghiệp Đồng Tâm", "21.0285", "105.8542", "cp1258", "latin-1"),
        ("THA", "สหกรณ์การเกษตรบ้านนา จำกัด", "13.75", "100.5", "cp874", "cp1252"),
        ("MNG", "Малчдын хоршоо Хангай", "47.92", "106.92", "cp1251", "latin-1"),
        ("VNM", "Hợp tác xã Nông nghiệp Đồng Tâm", "21.0285", "105.8542", "utf-8", "klingon"),  # no such encoding
    ],
)
def test_encodings_are_detected_and_names_survive(run_import, country, name, lat, lon, encoding, declared):
    rows = [["name", "family", "lat", "lon"], [name, "cooperative", lat, lon]]
    raw = cp1258_bytes(csv_bytes(rows).decode()) if encoding == "cp1258" else csv_bytes(rows, encoding=encoding)
    batch = run_import(raw, country=country, declared_encoding=declared)
    assert_accounted(batch)
    assert batch.imported == 1, list(batch.rows.values_list("reason", flat=True))
    assert Entity.objects.get(country_id=country).name == name
    if declared:
        assert batch.warnings


@pytest.mark.django_db
def test_khmer_names_round_trip_in_semicolon_csv(run_import):
    name = "សហគមន៍កសិកម្មរីកចម្រើន"
    raw = csv_bytes(
        [["name", "legal_form", "latitude", "longitude"], [name, "agricultural_cooperative", "11,55", "104,92"]],
        delimiter=";",
    )
    batch = run_import(raw, country="KHM")
    assert batch.imported == 1, batch.rows.first().reason
    entity = Entity.objects.get(country_id="KHM")
    assert entity.name == name and entity.legal_form.code == "agricultural_cooperative"
    assert entity.family.code == entity.legal_form.family.code


@pytest.mark.django_db
def test_kobo_export_with_geopoint_column_and_review_status(run_import):
    rows = [
        [
            "start",
            "group_a/coop_name",
            "group_a/entity_type",
            "group_a/gps",
            "_uuid",
            "_submission_time",
            "_validation_status",
        ],
        [
            "2024-01-01",
            "HTX Kobo",
            "cooperative",
            "21.0285 105.8542 12 5",
            "kobo-1",
            "2024-01-02",
            "validation_status_approved",
        ],
        [
            "2024-01-01",
            "HTX Kobo 2",
            "cooperative",
            "16.0544 108.2022 0 0",
            "kobo-2",
            "2024-01-02",
            "validation_status_not_approved",
        ],
        [
            "2024-01-01",
            "HTX Kobo 3",
            "cooperative",
            "10.7769 106.7009 0 0",
            "kobo-3",
            "2024-01-02",
            "validation_status_on_hold",
        ],
    ]
    batch = run_import(csv_bytes(rows))
    assert_accounted(batch)
    assert (batch.imported, batch.rejected, batch.held) == (1, 1, 1)
    entity = Entity.objects.get(external_id="kobo-1")
    assert (round(entity.point.y, 4), round(entity.point.x, 4)) == (21.0285, 105.8542)


@pytest.mark.django_db
def test_kobo_split_geopoint_columns(run_import):
    rows = [
        ["name", "family", "_location_latitude", "_location_longitude", "_location_altitude", "_uuid"],
        ["HTX Tách", "cooperative", "21.0285", "105.8542", "10", "k-split"],
    ]
    batch = run_import(csv_bytes(rows))
    assert batch.imported == 1


@pytest.mark.django_db
def test_essglobal_shaped_csv(run_import):
    rows = [
        [
            "Identifier",
            "Name",
            "Legal Forms",
            "Street Address",
            "Locality",
            "Latitude",
            "Longitude",
            "Total Members",
            "Phone",
        ],
        [
            "https://example.org/sse/1",
            "Hợp tác xã Xanh",
            "Cooperative",
            "12 Lê Lợi",
            "Huế",
            "16.4637",
            "107.5909",
            "40",
            "+84 90",
        ],
    ]
    batch = run_import(csv_bytes(rows))
    assert batch.imported == 1, batch.rows.first().reason
    entity = Entity.objects.get()
    assert entity.external_id == "https://example.org/sse/1"
    assert entity.address == "12 Lê Lợi, Huế" and entity.members_total == 40 and entity.contact_phone == "+84 90"


@pytest.mark.django_db
def test_mapping_file_overrides_the_automatic_guess(run_import):
    from exchange.columns import parse_mapping_text

    rows = [["Tên", "Loại", "Vĩ độ", "Kinh độ"], ["HTX Ánh Dương", "cooperative", "21.0285", "105.8542"]]
    mapping = parse_mapping_text("name = Tên\nfamily = Loại\nlatitude = Vĩ độ\nlongitude = Kinh độ\n")
    batch = run_import(csv_bytes(rows), mapping=mapping)
    assert batch.imported == 1


@pytest.mark.django_db
def test_missing_name_column_fails_the_batch_with_a_clear_message(run_import):
    batch = run_import(csv_bytes([["foo", "latitude", "longitude"], ["x", "21", "105"]]))
    assert batch.status == "failed" and "name" in batch.message and "foo" in batch.message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "filename", "words"),
    [
        (b"", "empty.csv", "empty"),
        (b"name,family,latitude,longitude\n", "header.csv", "no data rows"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "photo.csv", "PNG image"),
        (b"%PDF-1.7 something", "list.xlsx", "PDF"),
        (b"PK\x03\x04garbage", "broken.zip", "zip"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(run_import, raw, filename, words):
    from exchange.reading import ImportFileError

    try:
        batch = run_import(raw, filename)
    except ImportFileError as error:  # the empty file is refused before a batch exists
        assert words in str(error)
        return
    assert batch.status == "failed" and words in batch.message


@pytest.mark.django_db
def test_oversized_upload_is_refused(researcher, settings, tmp_path):
    from exchange.importing import create_batch
    from exchange.reading import ImportFileError

    settings.MEDIA_ROOT = tmp_path
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(ImportFileError, match="largest file accepted"):
        create_batch(researcher, "VNM", "big.csv", b"name\n" + b"x\n" * 1000, via="page")


@pytest.mark.django_db
def test_xlsx_import(run_import):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "family", "latitude", "longitude", "founded_year", "registration_date"])
    sheet.append(["HTX Excel", "cooperative", 21.0285, 105.8542, 1998, "2001-05-04"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = run_import(buffer.getvalue(), "list.xlsx")
    assert batch.imported == 1, batch.rows.first().reason
    entity = Entity.objects.get()
    assert entity.founded_year == 1998 and entity.registration_date.isoformat() == "2001-05-04"


@pytest.mark.django_db
def test_a_title_above_the_header_is_read_as_the_title_and_said_so(run_import):
    """A provincial list as officials send it: a title, a date line, a blank line, then the header."""
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Danh sách hợp tác xã tỉnh Thái Nguyên năm 2025"])
    sheet.append(["Cập nhật ngày 30/6/2025", None, None, None])
    sheet.append([])
    sheet.append(["Tên", "Loại hình", "Vĩ độ", "Kinh độ"])
    sheet.append(["HTX Chè Tân Cương", "cooperative", 21.58, 105.78])
    sheet.append(["HTX Chè La Bằng", "cooperative", "", ""])  # no point: rejected, under its own line
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = run_import(buffer.getvalue(), "list.xlsx")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported, batch.rejected) == (2, 1, 1)
    assert Entity.objects.get().name == "HTX Chè Tân Cương"
    assert set(outcomes(batch)) == {5, 6}  # the lines a researcher sees in the spreadsheet
    (warning,) = [text for text in batch.warnings if "title" in text]
    assert "Line(s) 1, 2 above the header (line 4)" in warning and "Danh sách hợp tác xã" in warning


@pytest.mark.django_db
def test_a_first_line_of_unknown_headers_stays_the_header(run_import):
    # Headers the importer does not know (mapped by hand on the upload page) are not taken for a title.
    rows = [["ten_don_vi", "loai", "y", "x"], ["HTX A", "cooperative", "21.02", "105.85"]]
    batch = run_import(
        csv_bytes(rows), mapping={"name": "ten_don_vi", "family": "loai", "latitude": "y", "longitude": "x"}
    )
    assert batch.imported == 1 and not [text for text in batch.warnings if "title" in text]


def _geo_frame():
    import geopandas
    from shapely.geometry import LineString, Point

    return geopandas.GeoDataFrame(
        {"name": ["Hợp tác xã Địa lý", "Line feature"], "family": ["cooperative", "cooperative"]},
        geometry=[Point(105.8542, 21.0285), LineString([(105, 21), (106, 21)])],
        crs=4326,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("driver", "filename"), [("GeoJSON", "x.geojson"), ("GPKG", "x.gpkg"), ("ESRI Shapefile", "x.shp.zip")]
)
def test_geographic_files(run_import, tmp_path, driver, filename):
    import zipfile

    frame = _geo_frame()
    if driver == "ESRI Shapefile":
        folder = tmp_path / "shp"
        folder.mkdir()
        frame.iloc[[0]].to_file(folder / "x.shp", driver=driver, engine="pyogrio", encoding="UTF-8")
        path = tmp_path / filename
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    else:
        path = tmp_path / filename
        frame.to_file(path, driver=driver, engine="pyogrio")
    batch = run_import(path.read_bytes(), filename)
    assert_accounted(batch)
    assert batch.imported == 1
    assert Entity.objects.get().name == "Hợp tác xã Địa lý"
    if driver != "ESRI Shapefile":
        assert batch.rejected == 1 and "LineString" in batch.rows.get(outcome="rejected").reason


@pytest.mark.django_db
def test_rejected_rows_csv_has_a_reason_column_and_is_formula_safe(run_import):
    import io

    from exchange.importing import rejected_rows_csv

    batch = run_import(csv_bytes([HEADER, ["=cmd()", "nope", "21.0285", "105.8542", "", "", "", ""]]))
    text = io.StringIO()
    rejected_rows_csv(batch, text)
    lines = text.getvalue().splitlines()
    assert lines[0].startswith("row,field,reason,name")
    assert lines[1].startswith("2,family,") and "'=cmd()" in lines[1]


@pytest.mark.django_db
def test_import_command_with_progress_and_dry_run(tmp_path, settings, capsys):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes([HEADER, ["HTX Lệnh", "cooperative", "21.0285", "105.8542", "", "", "", "c1"]]))
    call_command("import_entities", str(path), "--country", "VNM", "--dry-run")
    assert "DRY RUN" in capsys.readouterr().out
    assert not Entity.objects.exists()
    call_command("import_entities", str(path), "--country", "VNM")
    assert Entity.objects.filter(external_id="c1").exists()


@pytest.mark.django_db
def test_the_import_command_writes_the_reasons_in_the_language_asked_for(tmp_path, settings):
    from django.core.management import call_command
    from django.utils import translation

    from exchange.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "k.csv"
    path.write_bytes(csv_bytes([HEADER, ["", "cooperative", "11.56", "104.93", "", "", "", "k1"]]))
    call_command("import_entities", str(path), "--country", "KHM", "--language", "km", verbosity=0)
    batch = ImportBatch.objects.get()
    with translation.override("km"):
        required = translation.gettext("required: the row has no name")
    assert batch.language == "km" and required in batch.rows.get().reason


@pytest.mark.django_db
def test_the_staging_table_types_every_importable_column_as_the_registry_does():
    """The importer's COPY path bypasses the service: it writes only what a researcher could set, typed alike."""
    from django.db import connection

    from exchange import sql
    from registry.services import EDITABLE_FIELDS

    assert set(sql.ENTITY_COLUMNS) <= {Entity._meta.get_field(name).column for name in EDITABLE_FIELDS}
    assert not {"country_id", "point", "verification", "version", "is_demo"} & set(sql.ENTITY_COLUMNS)

    def column_types(table):
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [table],
        )
        return {name: (kind, not_null) for name, kind, not_null in cursor.fetchall()}

    with connection.cursor() as cursor:
        sql.create_staging(cursor)
        staging, registry = column_types("exchange_staging"), column_types("registry_entity")
        cursor.execute("DROP TABLE exchange_staging")
    assert {column: staging[column] for column in sql.ENTITY_COLUMNS} == {
        column: registry[column] for column in sql.ENTITY_COLUMNS
    }


@pytest.mark.django_db
def test_missing_properties_of_a_geojson_are_empty_not_the_text_nan(run_import):
    import json

    def feature(properties, point=(105.8542, 21.0285)):
        geometry = {"type": "Point", "coordinates": list(point)} if point else None
        return {"type": "Feature", "geometry": geometry, "properties": properties}

    collection = {
        "type": "FeatureCollection",
        "features": [
            feature({"name": "HTX một", "family": "cooperative", "external_id": "g1"}),
            feature(
                {
                    "name": "HTX hai",
                    "family": "cooperative",
                    "registration_number": None,
                    "contact_name": None,
                    "external_id": "g2",
                },
                (105.90, 21.05),
            ),
            feature({"name": "HTX ba", "family": "cooperative", "external_id": "g3"}, None),
            # Only this feature has a legal form: the others' is missing, not "nan".
            feature(
                {"name": "HTX bốn", "family": "cooperative", "legal_form": "cooperative", "external_id": "g4"},
                (106.70, 10.78),
            ),
        ],
    }
    batch = run_import(json.dumps(collection).encode(), filename="f.geojson")
    assert_accounted(batch)
    assert (batch.imported, batch.rejected) == (3, 1), [(r.row_number, r.reason) for r in batch.rows.all()]
    assert outcomes(batch)[3].reason.endswith("the feature has no geometry")
    stored = Entity.objects.filter(external_id__in=["g1", "g2", "g4"])
    assert not [e for e in stored if "nan" in (e.registration_number, e.contact_name, e.address)]
    assert Entity.objects.get(external_id="g4").legal_form.code == "cooperative"


def test_a_bare_id_column_is_not_taken_for_the_source_systems_id():
    from exchange.columns import auto_mapping

    # A survey's row numbers: matching them against earlier imports would overwrite unrelated entities.
    assert "external_id" not in auto_mapping(["ID", "name", "family", "lat", "lon"])
    assert auto_mapping(["_id", "_uuid", "name"])["external_id"] == "_uuid"


def test_the_exports_shortened_shapefile_names_and_essglobal_columns_are_read_back():
    from exchange.columns import SHAPEFILE_NAMES, auto_mapping
    from exchange.exporting import ESSGLOBAL_COLUMNS

    short = auto_mapping(["name", *SHAPEFILE_NAMES.values()])
    assert {short[field] for field in ("members_total", "registration_date", "contact_email")} == {
        "mem_total",
        "reg_date",
        "cont_email",
    }
    ess = auto_mapping(ESSGLOBAL_COLUMNS)
    assert (ess["legal_form"], ess["family"], ess["sectors"]) == (
        "Legal Forms",
        "Organisational Structure",
        "Activities",
    )


@pytest.mark.django_db
def test_an_exported_shapefile_reimports_every_field(run_import, admin_user):
    import io
    import zipfile

    from exchange.exporting import export
    from tests.factories import EntityFactory

    EntityFactory(
        name="HTX Shapefile",
        members_total=40,
        members_women=25,
        contact_email="x@example.org",
        registration_date="2020-05-01",
        external_id="shp-1",
    )
    data, _, _ = export(admin_user, Entity.objects.all(), "shapefile")
    assert "entities.dbf" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    batch = run_import(data, filename="entities.zip", dry_run=True)
    assert_accounted(batch)
    assert batch.unchanged == 1, [(r.row_number, r.outcome, r.reason) for r in batch.rows.all()]


@pytest.mark.django_db
def test_a_name_written_without_diacritics_is_held_as_a_possible_duplicate(run_import):
    first = run_import(
        csv_bytes([HEADER, ["Hợp tác xã Tín dụng Huế 16", "cooperative", "16.4637", "107.5909", "", "", "", ""]])
    )
    assert first.imported == 1
    again = run_import(
        csv_bytes([HEADER, ["Hop tac xa Tin dung Hue 16", "cooperative", "16.4638", "107.5910", "", "", "", ""]])
    )
    assert_accounted(again)
    assert again.held == 1, [r.reason for r in again.rows.all()]
    assert "possible duplicate of VNM-" in again.rows.get().reason


@pytest.mark.django_db
def test_sectors_in_another_order_are_the_same_entity(run_import):
    header = ["name", "family", "latitude", "longitude", "sectors", "external_id"]
    run_import(csv_bytes([header, ["HTX Sectors", "cooperative", "21.0285", "105.8542", "K;G", "s1"]]))
    Entity.objects.filter(external_id="s1").update(sectors=["K", "G"])  # as entered on the form, unsorted
    again = run_import(csv_bytes([header, ["HTX Sectors", "cooperative", "21.0285", "105.8542", "G;K", "s1"]]))
    assert (again.unchanged, again.updated) == (1, 0)
    no_id = [
        ["name", "family", "latitude", "longitude", "sectors"],
        ["HTX Sectors", "cooperative", "21.0285", "105.8542", "G;K"],
    ]
    assert run_import(csv_bytes(no_id)).unchanged == 1


@pytest.mark.parametrize(
    "headers",
    [
        ["Tên HTX", "Loại", "Vĩ độ", "Kinh độ"],
        ["ชื่อ", "ประเภท", "ละติจูด", "ลองจิจูด"],
        ["ឈ្មោះ", "ប្រភេទ", "រយៈទទឹង", "រយៈបណ្តោយ"],
        ["Нэр", "Төрөл", "Өргөрөг", "Уртраг"],
        ["Аталышы", "Түрү", "Кеңдик", "Узундук"],
    ],
)
def test_headers_in_the_countries_languages_are_recognised(headers):
    from exchange.columns import auto_mapping

    mapping = auto_mapping(headers)
    assert [mapping.get(field) for field in ("name", "family", "latitude", "longitude")] == headers


@pytest.mark.django_db
def test_a_file_for_another_country_is_said_to_be_so_once_for_the_file(run_import):
    rows = [HEADER] + [
        [f"Bangkok coop {n}", "cooperative", "13.75", f"100.5{n}", "", "", "", f"t{n}"] for n in range(4)
    ]
    batch = run_import(csv_bytes(rows))
    assert_accounted(batch)
    assert batch.rejected == 4
    assert any("4 of 4 rows lie outside" in warning and "another country" in warning for warning in batch.warnings)
    in_thailand = run_import(csv_bytes([HEADER, rows[1]]), country="THA")
    assert in_thailand.imported == 1 and not any("lie outside" in warning for warning in in_thailand.warnings)


@pytest.mark.django_db
def test_the_rejected_rows_of_a_geojson_carry_their_coordinates_to_be_corrected(run_import):
    import csv
    import io
    import json

    from exchange.importing import rejected_rows_csv

    swapped = {"type": "Point", "coordinates": [21.0285, 105.8542]}  # latitude and longitude swapped
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": swapped, "properties": {"name": "HTX", "family": "cooperative"}}],
    }
    batch = run_import(json.dumps(collection).encode(), filename="f.geojson")
    assert batch.rejected == 1
    text = io.StringIO()
    rejected_rows_csv(batch, text)
    (row,) = csv.DictReader(io.StringIO(text.getvalue()))
    assert (row["longitude"], row["latitude"], row["name"]) == ("21.0285", "105.8542", "HTX")
    assert "swapped" in row["reason"]


def test_a_vietnamese_list_s_member_phone_and_year_columns_are_recognised():
    from exchange.columns import auto_mapping

    headers = ["Tên", "Số thành viên", "Thành viên nữ", "Thành viên nam", "Năm thành lập", "Điện thoại", "Tỉnh"]
    assert auto_mapping(headers) == {
        "name": "Tên",
        "members_total": "Số thành viên",
        "members_women": "Thành viên nữ",
        "members_men": "Thành viên nam",
        "founded_year": "Năm thành lập",
        "contact_phone": "Điện thoại",
        "region": "Tỉnh",
    }


def test_a_thai_list_s_buddhist_era_years_are_recorded_in_the_gregorian_calendar(run_import):
    header = ["name", "family", "latitude", "longitude", "founded_year", "registration_date"]
    rows = [
        ["สหกรณ์การเกษตรบ้านนา จำกัด", "cooperative", "13.75", "100.50", "2545", "15/03/2545"],
        ["สหกรณ์ออมทรัพย์ครู จำกัด", "cooperative", "13.76", "100.51", "2530", "2560-01-31"],
        ["สหกรณ์ร้านค้า จำกัด", "cooperative", "13.77", "100.52", "1999", "2001-05-04"],
        ["สหกรณ์บริการ จำกัด", "cooperative", "13.79", "100.54", "", "29/02/2547"],  # 2004 was a leap year
        ["สหกรณ์อนาคต จำกัด", "cooperative", "13.78", "100.53", "2100", ""],  # neither B.E. nor yet
    ]
    batch = run_import(csv_bytes([header, *rows]), country="THA")
    assert_accounted(batch)
    assert (batch.imported, batch.rejected) == (4, 1)
    recorded = {e.name: (e.founded_year, e.registration_date.isoformat()) for e in Entity.objects.filter(country="THA")}
    assert recorded["สหกรณ์การเกษตรบ้านนา จำกัด"] == (2002, "2002-03-15")
    assert recorded["สหกรณ์ออมทรัพย์ครู จำกัด"] == (1987, "2017-01-31")
    assert recorded["สหกรณ์ร้านค้า จำกัด"] == (1999, "2001-05-04")
    assert recorded["สหกรณ์บริการ จำกัด"] == (None, "2004-02-29")
    assert any("3 rows give years in the Buddhist era" in w and "B.E. 2545 = 2002" in w for w in batch.warnings)
    refused = batch.rows.get(outcome=ImportRow.Outcome.REJECTED)
    assert refused.field == "founded_year"
    assert "'2100' is not a year from 1800 to" in refused.reason
    assert "nor a Buddhist-era year from 2343" in refused.reason


def test_a_year_of_the_buddhist_era_is_no_year_in_a_vietnamese_list(run_import):
    header = ["name", "family", "latitude", "longitude", "founded_year"]
    batch = run_import(csv_bytes([header, ["HTX Bình Minh", "cooperative", "21.0285", "105.8542", "2545"]]))
    assert (batch.imported, batch.rejected) == (0, 1)
    assert not any("Buddhist" in warning for warning in batch.warnings)


def test_thai_and_khmer_digits_are_read_in_numbers_dates_and_coordinates_but_names_keep_them(run_import):
    header = ["name", "family", "latitude", "longitude", "members_total", "founded_year", "registration_date"]
    thai = ["สหกรณ์บ้านนา ๑๒", "cooperative", "๑๓.๗๕", "๑๐๐.๕", "๑,๒๕๐", "๒๕๔๕", "๑๕/๐๓/๒๕๔๕"]
    batch = run_import(csv_bytes([header, thai]), country="THA")
    assert (batch.imported, batch.rejected) == (1, 0)
    entity = Entity.objects.get(country="THA")
    assert entity.name == "สหกรณ์บ้านนา ๑๒"  # a name is text: its digits stay as written
    assert (entity.members_total, entity.founded_year, entity.registration_date.isoformat()) == (
        1250,
        2002,
        "2002-03-15",
    )
    assert (round(entity.point.y, 2), round(entity.point.x, 1)) == (13.75, 100.5)
    khmer = ["សហគមន៍កសិកម្ម ២", "cooperative", "១១.៥៦", "១០៤.៩២", "៣៥", "២០០៨", "២០១០-០៥-០៤"]
    batch = run_import(csv_bytes([header, khmer]), country="KHM")
    assert (batch.imported, batch.rejected) == (1, 0)
    entity = Entity.objects.get(country="KHM")
    assert (entity.members_total, entity.founded_year, entity.registration_date.isoformat()) == (
        35,
        2008,
        "2010-05-04",
    )
