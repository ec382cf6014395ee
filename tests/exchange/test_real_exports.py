"""Files as KoboToolbox, spreadsheets and GIS programs really write them: every row accounted for, nothing lost."""

import io

import pytest

from exchange.columns import auto_mapping
from registry.models import Entity

from .conftest import assert_accounted


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
