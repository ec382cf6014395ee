"""Files as KoboToolbox, spreadsheets and GIS programs really write them: every row accounted for, nothing lost."""

import io
from pathlib import Path

import pytest

from exchange.columns import auto_mapping
from registry.models import Entity

from .conftest import assert_accounted, csv_bytes


def xlsx_bytes(sheets):
    """A workbook from {title: rows}; a title starting with "hidden:" makes a hidden sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title.removeprefix("hidden:"))
        if title.startswith("hidden:"):
            sheet.sheet_state = "hidden"
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


KOBO_HEADER = [
    "start",
    "grp_org/name",
    "grp_org/type",
    "grp_org/members",
    "grp_org/member_types",
    "grp_org/member_types/women",
    "grp_org/member_types/men",
    "grp_loc/location",
    "grp_loc/_location_latitude",
    "grp_loc/_location_longitude",
    "grp_loc/_location_altitude",
    "grp_loc/_location_precision",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_status",
]


@pytest.mark.django_db
def test_a_kobo_xlsx_export_imports_without_taking_its_metadata_for_fields(run_import):
    row = ["2024-01-01", "HTX Tân Phú", "cooperative", 120, "women men", 1, 1, "21.0285 105.8542 10 5"]
    row += ["21.0285", "105.8542", "10", "4.5", 101, "uuid-1", "2024-01-02T10:00:00", "", "submitted_via_web"]
    batch = run_import(xlsx_bytes({"SSE mapping": [KOBO_HEADER, row]}), filename="kobo.xlsx")
    assert_accounted(batch)
    assert batch.imported == 1, list(batch.rows.values_list("reason", flat=True))
    entity = Entity.objects.get(external_id="uuid-1")
    # The 0/1 columns of the "member_types" choices are no counts of women and men.
    assert (entity.members_total, entity.members_women, entity.members_men) == (120, None, None)
    assert (entity.status, entity.location_precision) == ("active", "exact")
    mapping = batch.resolved_mapping
    assert "status" not in mapping and "location_precision" not in mapping


def test_kobo_metadata_columns_fill_only_the_fields_they_are_aliases_of():
    mapping = auto_mapping(["name", "family", "_status", "_id", "_notes", "_uuid", "_validation_status"])
    expected = {"name": "name", "family": "family", "external_id": "_uuid", "review_status": "_validation_status"}
    assert mapping == expected
    # A plain column named so (no underscore) is still the field.
    assert auto_mapping(["name", "status", "location_precision"])["status"] == "status"


@pytest.mark.django_db
def test_a_kobo_geolocation_list_gives_the_point(run_import):
    rows = [["name", "type", "_geolocation", "_uuid"], ["HTX Định vị", "cooperative", "[21.0285, 105.8542]", "geo-1"]]
    batch = run_import(xlsx_bytes({"form": rows}), filename="kobo.xlsx")
    assert_accounted(batch)
    entity = Entity.objects.get(external_id="geo-1")
    assert (round(entity.point.y, 4), round(entity.point.x, 4)) == (21.0285, 105.8542)


@pytest.mark.django_db
def test_a_hidden_choices_sheet_and_a_cover_sheet_before_the_data_are_passed_over(run_import):
    workbook = xlsx_bytes(
        {
            "hidden:choices": [["list_name", "name", "label"], ["type", "cooperative", "Cooperative"]],
            "About": [["Survey of cooperatives, Hà Giang, 2024"], ["Prepared by the provincial office"]],
            "data": [["name", "family", "latitude", "longitude"], ["HTX Một", "cooperative", 22.8, 104.98]],
            "members_repeat": [["member_name", "_parent_index"], ["Nguyễn A", 1]],
        }
    )
    batch = run_import(workbook, filename="survey.xlsx")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported) == (1, 1)
    assert Entity.objects.filter(name="HTX Một").exists()
    assert any("'data'" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_formatted_cell_far_below_the_data_does_not_make_a_sheet_of_empty_rows(run_import):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "family", "latitude", "longitude"])
    sheet.append(["HTX Một", "cooperative", 22.8, 104.98])
    sheet.append([])
    sheet.append(["HTX Hai", "cooperative", 22.81, 104.99])
    # What Ctrl+End finds in many sheets: one formatted, empty cell far away (at XFD1048576 the rectangle
    # up to it was 17 billion cells).
    sheet.cell(row=200_000, column=60).font = Font(bold=True)
    stream = io.BytesIO()
    workbook.save(stream)
    batch = run_import(stream.getvalue(), filename="list.xlsx")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported) == (2, 2)
    assert batch.columns == ["name", "family", "latitude", "longitude"]
    assert sorted(batch.rows.values_list("row_number", flat=True)) == [2, 4]
    assert any("1 completely empty line" in warning for warning in batch.warnings)


def shapefile_parts(tmp_path, stem, names, points, crs=4326, encoding="UTF-8", family="cooperative"):
    """The files of a Shapefile of cooperatives (name, family) at `points` (lon, lat in EPSG:4326)."""
    import geopandas
    from shapely.geometry import Point

    folder = tmp_path / stem
    folder.mkdir()
    frame = geopandas.GeoDataFrame(
        {"name": names, "family": [family] * len(names)} if family else {"name": names},
        geometry=[Point(lon, lat) for lon, lat in points],
        crs=4326,
    ).to_crs(crs)
    frame.to_file(folder / f"{stem}.shp", encoding=encoding)
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def zipped(files):
    import zipfile

    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return stream.getvalue()


@pytest.mark.django_db
def test_a_zipped_folder_of_shapefiles_in_utm_reads_the_entities_and_names_the_layers_left(run_import, tmp_path):
    coops = shapefile_parts(tmp_path, "coops", ["HTX Đồng Tâm", "HTX Bình"], [(105.85, 21.02), (105.7, 20.9)], 32648)
    roads = shapefile_parts(tmp_path, "roads", ["Quốc lộ 1"], [(105.8, 21.0)], family=None)
    files = {f"Hà Nội/{name}": data for name, data in {**roads, **coops}.items()}
    files["__MACOSX/Hà Nội/._coops.shp"] = b"\x00\x05\x16\x07 resource fork"
    batch = run_import(zipped(files), filename="hanoi.zip")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported) == (2, 2)
    entity = Entity.objects.get(name="HTX Đồng Tâm")
    assert (round(entity.point.x, 5), round(entity.point.y, 5)) == (105.85, 21.02)
    assert any("'Hà Nội/roads'" in warning and "ignored" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_shapefile_without_a_cpg_is_read_in_its_legacy_encoding(run_import, tmp_path):
    parts = shapefile_parts(tmp_path, "mng", ["Хоршоо Малчин"], [(106.9, 47.9)], encoding="cp1251")
    del parts["mng.cpg"]
    batch = run_import(zipped(parts), filename="mng.zip", country="MNG")
    assert_accounted(batch)
    assert batch.imported == 1
    assert Entity.objects.filter(country_id="MNG", name="Хоршоо Малчин").exists()
    assert batch.encoding == "cp1251" and any("cp1251" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_zip_that_unpacks_to_too_much_is_refused(run_import, tmp_path, monkeypatch):
    from exchange import reading

    monkeypatch.setattr(reading, "MAX_UNZIPPED_BYTES", 10_000)
    parts = shapefile_parts(tmp_path, "coops", ["HTX"], [(105.85, 21.02)])
    parts["coops.dbf"] += b" " * 20_000
    batch = run_import(zipped(parts), filename="bomb.zip")
    assert batch.status == "failed" and "unpacks to more than" in batch.message


@pytest.mark.django_db
def test_a_geopackage_of_several_layers_reads_the_entities_layer(run_import, tmp_path):
    import geopandas
    from shapely.geometry import MultiPoint, Point

    path = tmp_path / "survey.gpkg"
    geopandas.GeoDataFrame({"label": ["boundary marker"]}, geometry=[Point(105.0, 21.0)], crs=4326).to_file(
        path, layer="markers"
    )
    coops = geopandas.GeoDataFrame(
        {"name": ["HTX Web Mercator"], "family": ["cooperative"]},
        # A point as many GIS programs write one: a MultiPoint of one point, here in Web Mercator.
        geometry=[MultiPoint([(106.7, 10.78)])],
        crs=4326,
    ).to_crs(3857)
    coops.to_file(path, layer="cooperatives")
    batch = run_import(path.read_bytes(), filename="survey.gpkg")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported) == (1, 1), list(batch.rows.values_list("reason", flat=True))
    entity = Entity.objects.get(name="HTX Web Mercator")
    assert (round(entity.point.x, 5), round(entity.point.y, 5)) == (106.7, 10.78)
    assert any("'markers'" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_nul_bytes_in_a_csv_are_removed_and_said_not_the_whole_file_refused(run_import):
    raw = b"name,family,latitude,longitude\nHTX A\x00\x00,cooperative,21.02,105.85\nHTX B,cooperative,21.03,105.86\n"
    batch = run_import(raw)
    assert_accounted(batch)
    assert batch.imported == 2
    assert Entity.objects.filter(name="HTX A").exists()
    assert any("NUL" in warning and "line(s) 2" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_registration_dates_as_excel_day_numbers_are_read_as_dates_and_said(run_import):
    rows = [
        ["name", "family", "latitude", "longitude", "registration_date", "_uuid"],
        ["HTX Ngày số", "cooperative", 21.02, 105.85, 42000, "d-1"],
        ["HTX Năm", "cooperative", 21.03, 105.86, 2015, "d-2"],
    ]
    batch = run_import(xlsx_bytes({"list": rows}), filename="list.xlsx")
    assert_accounted(batch)
    assert str(Entity.objects.get(external_id="d-1").registration_date) == "2014-12-27"
    assert any("42000 = 2014-12-27" in warning for warning in batch.warnings)
    # A year is no day number: refused, as before, naming the row and the field.
    row = batch.rows.get(row_number=3)
    assert (row.outcome, row.field) == ("rejected", "registration_date") and "'2015'" in row.reason


@pytest.mark.django_db
def test_a_semicolon_list_under_a_title_with_commas_is_read_with_semicolons(run_import):
    raw = (
        "Danh sách hợp tác xã, tỉnh Hà Giang, năm 2024\n\n"
        "Tên HTX;Loại;Vĩ độ;Kinh độ;Số thành viên\n"
        "HTX Một;cooperative;22,8;104,98;1.250\n"
        "HTX Hai;cooperative;22,81;104,99;35\n"
    ).encode()
    batch = run_import(raw)
    assert_accounted(batch)
    assert (batch.delimiter, batch.imported) == (";", 2), batch.message
    # A count with dots between its thousands, as Vietnamese lists write it.
    assert Entity.objects.get(name="HTX Một").members_total == 1250


@pytest.mark.django_db
def test_the_import_command_says_which_columns_it_read_and_which_it_left(tmp_path, settings, capsys):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    path = tmp_path / "list.csv"
    path.write_text("Tên HTX,Loại,Vĩ độ,Kinh độ,Tổng số xã viên\nHTX Lệnh,cooperative,21.0285,105.8542,40\n")
    call_command("import_entities", str(path), "--country", "VNM", "--dry-run")
    out = capsys.readouterr().out
    assert "name <- 'Tên HTX'" in out
    # The members' count went nowhere: the researcher is told, not left to find out from the registry.
    assert "columns not imported (1): 'Tổng số xã viên'" in out


@pytest.mark.django_db
def test_a_founding_date_in_the_year_founded_column_gives_its_year(run_import):
    import datetime

    rows = [
        ["name", "type", "latitude", "longitude", "founded", "_uuid"],
        ["HTX Ngày lập", "cooperative", 21.02, 105.85, datetime.datetime(2010, 5, 12), "f-1"],  # a date cell
        ["HTX Văn bản", "cooperative", 21.03, 105.86, "12/05/2011", "f-2"],
        ["HTX Tương lai", "cooperative", 21.04, 105.87, "2099-01-01", "f-3"],
    ]
    batch = run_import(xlsx_bytes({"list": rows}), filename="list.xlsx")
    assert_accounted(batch)
    founded = dict(Entity.objects.values_list("external_id", "founded_year"))
    assert founded == {"f-1": 2010, "f-2": 2011}
    row = batch.rows.get(row_number=4)
    assert row.field == "founded_year" and "'2099-01-01'" in row.reason


@pytest.mark.django_db
def test_a_zip_whose_names_climb_out_or_are_absolute_is_read_in_place_and_writes_nothing(run_import, tmp_path):
    parts = shapefile_parts(tmp_path, "coops", ["HTX Đường dẫn"], [(105.85, 21.02)])
    escape = tmp_path / "escape"
    for prefix in ("../../", f"{escape}/"):
        batch = run_import(zipped({prefix + name: data for name, data in parts.items()}), filename="odd.zip")
        assert_accounted(batch)
        assert batch.rows.get().outcome in {"imported", "unchanged"}
    assert Entity.objects.filter(name="HTX Đường dẫn").count() == 1
    assert not (Path.cwd().parent.parent / "coops.shp").exists()
    assert not escape.exists()


@pytest.mark.django_db
def test_excel_s_sep_line_gives_the_delimiter_and_is_no_header(run_import):
    raw = "sep=;\r\nP;Q;R;S\r\nHTX Một;cooperative;21,02;105,85\r\n".encode()
    mapping = {"name": "P", "family": "Q", "latitude": "R", "longitude": "S"}
    batch = run_import(raw, mapping=mapping)
    assert_accounted(batch)
    assert (batch.delimiter, batch.columns, batch.imported) == (";", ["P", "Q", "R", "S"], 1)
    assert batch.rows.get().row_number == 3  # the line the file shows it on


@pytest.mark.django_db
def test_repeated_headers_get_names_of_their_own_and_a_rejected_row_keeps_every_cell(run_import):
    rows = [
        ["name", "family", "latitude", "longitude", "note (2)", "note", "note"],
        ["HTX Ghi chú", "", "21.02", "105.85", "second", "first", "third"],  # rejected: no family
    ]
    batch = run_import(csv_bytes(rows))
    assert_accounted(batch)
    assert batch.columns == ["name", "family", "latitude", "longitude", "note (2)", "note", "note (3)"]
    row = batch.rows.get()
    assert row.outcome == "rejected"
    assert [row.data[column] for column in batch.columns[4:]] == ["second", "first", "third"]


@pytest.mark.django_db
def test_a_workbook_that_unpacks_to_too_much_is_refused(run_import, monkeypatch):
    from exchange import reading

    monkeypatch.setattr(reading, "MAX_UNZIPPED_BYTES", 10_000)
    rows = [["name", "family", "latitude", "longitude"]] + [["HTX", "cooperative", 21.02, 105.85]] * 500
    batch = run_import(xlsx_bytes({"list": rows}), filename="big.xlsx")
    assert batch.status == "failed" and "unpacks to more than" in batch.message


@pytest.mark.django_db
def test_a_geojson_saved_in_a_legacy_code_page_is_read_in_it_and_said(run_import):
    import json

    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [106.9, 47.9]},
                "properties": {"name": "Хоршоо Малчин", "family": "cooperative"},
            }
        ],
    }
    raw = json.dumps(collection, ensure_ascii=False).encode("cp1251")
    batch = run_import(raw, filename="herders.geojson", country="MNG")
    assert_accounted(batch)
    assert batch.imported == 1, batch.message
    assert Entity.objects.filter(country_id="MNG", name="Хоршоо Малчин").exists()
    assert batch.encoding == "cp1251" and any("not UTF-8" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_shapefile_whose_cpg_says_utf8_of_a_windows_1251_dbf_is_read_in_1251(run_import, tmp_path):
    parts = shapefile_parts(tmp_path, "mng", ["Хоршоо Малчин"], [(106.9, 47.9)], encoding="cp1251")
    parts["mng.cpg"] = b"UTF-8"  # what some programs write whatever the encoding
    batch = run_import(zipped(parts), filename="mng.zip", country="MNG")
    assert_accounted(batch)
    assert batch.imported == 1, batch.message
    assert Entity.objects.filter(country_id="MNG", name="Хоршоо Малчин").exists()
    assert batch.encoding == "cp1251" and any("declared as UTF-8" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_utf8_list_with_one_line_pasted_from_a_windows_1258_file_keeps_every_name(run_import):
    rows = [f"Hợp tác xã Nông nghiệp số {number},cooperative,21.{number:02d},105.85" for number in range(5)]
    raw = ("name,family,latitude,longitude\n" + "\n".join(rows) + "\n").encode()
    raw += "HTX Làng Mai,cooperative,21.50,105.85\n".encode("cp1258")  # "à" is one byte, 0xE0, in Windows-1258
    batch = run_import(raw)
    assert_accounted(batch)
    assert batch.imported == 6
    names = set(Entity.objects.values_list("name", flat=True))
    assert "Hợp tác xã Nông nghiệp số 3" in names and "HTX Làng Mai" in names
    assert any("Line(s) 7 are not UTF-8" in warning for warning in batch.warnings)


@pytest.mark.django_db
def test_a_geopackage_s_attribute_table_is_never_taken_for_its_layer_of_entities(run_import, tmp_path):
    import geopandas
    import pandas
    import pyogrio
    from shapely.geometry import Point

    path = tmp_path / "survey.gpkg"
    geopandas.GeoDataFrame(
        {"name": ["HTX Lớp"], "family": ["cooperative"]}, geometry=[Point(105.85, 21.02)], crs=4326
    ).to_file(path, layer="cooperatives")
    # A table without geometry whose columns look even more like entities (contacts with coordinates).
    contacts = pandas.DataFrame({"name": ["Bà Lan"], "family": ["x"], "latitude": [21.0], "longitude": [105.8]})
    pyogrio.write_dataframe(contacts, path, layer="contacts")
    batch = run_import(path.read_bytes(), filename="survey.gpkg")
    assert_accounted(batch)
    assert (batch.rows_in, batch.imported) == (1, 1), batch.message
    assert Entity.objects.filter(name="HTX Lớp").exists()


@pytest.mark.django_db
def test_a_geopackage_of_only_a_table_without_geometry_fails_with_a_reason(run_import, tmp_path):
    import pandas
    import pyogrio

    path = tmp_path / "contacts.gpkg"
    pyogrio.write_dataframe(pandas.DataFrame({"name": ["Bà Lan"], "family": ["cooperative"]}), path, layer="contacts")
    batch = run_import(path.read_bytes(), filename="contacts.gpkg")
    assert (batch.status, batch.message) == ("failed", "The file has no features.")


@pytest.mark.django_db
def test_a_type_column_naming_legal_forms_in_the_law_s_words_records_the_form_and_its_family(run_import):
    rows = [
        ["Tên HTX", "Loại hình", "Vĩ độ", "Kinh độ"],
        ["HTX Nông nghiệp Tân Phú", "Hợp tác xã", "21.02", "105.85"],
        ["THT Rau sạch", "Tổ hợp tác", "21.03", "105.86"],
        ["Nhóm Xanh", "Câu lạc bộ", "21.04", "105.87"],  # neither a family nor a legal form: refused, as before
    ]
    batch = run_import(csv_bytes(rows))
    assert_accounted(batch)
    assert batch.imported == 2
    forms = dict(Entity.objects.values_list("name", "legal_form__code"))
    assert forms == {"HTX Nông nghiệp Tân Phú": "cooperative", "THT Rau sạch": "cooperative_group"}
    assert set(Entity.objects.values_list("family__code", flat=True)) == {"cooperative"}
    row = batch.rows.get(row_number=4)
    assert row.field == "family" and "'Câu lạc bộ' is not an entity family" in row.reason


@pytest.mark.django_db
def test_a_nul_character_in_a_geojson_property_is_removed_and_said_not_the_text_cut_short(run_import):
    import json

    def feature(name, lon):
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, 21.02]},
            "properties": {"name": name, "family": "cooperative"},
        }

    # The second name holds the six characters \u0000 as text (an escaped backslash): kept as written.
    collection = {
        "type": "FeatureCollection",
        "features": [feature("HTX\x00 Hội An", 105.85), feature("HTX \\u0000 literal", 105.86)],
    }
    batch = run_import(json.dumps(collection, ensure_ascii=False).encode(), filename="nul.geojson")
    assert_accounted(batch)
    assert batch.imported == 2, batch.message
    assert Entity.objects.filter(name="HTX Hội An").exists()  # GDAL had cut it to "HTX"
    assert Entity.objects.filter(name="HTX \\u0000 literal").exists()
    assert any("NUL" in warning and "feature(s) 1." in warning for warning in batch.warnings)
