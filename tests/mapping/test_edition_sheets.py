"""An edition's entities and changes as CSV (mapping.edition_sheets): every row, exactly marked, public fields only."""

import csv
import io

import pytest
from django.http import QueryDict
from django.test import Client

from mapping import edition_sheets, editions
from mapping.filters import MapFilters
from mapping.models import MapEdition
from registry.location import assign_admin_areas
from registry.models import Entity
from tests.factories import committee_member
from tests.mapping.conftest import DA_NANG, make_entity

pytestmark = pytest.mark.django_db


def freeze(country, status=MapEdition.Status.DRAFT):
    edition = editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "For the meeting"
    )
    if status != MapEdition.Status.DRAFT:
        MapEdition.objects.filter(pk=edition.pk).update(status=status, published_at="2026-01-01T00:00Z")
    return edition


def sheet(client, edition, language="en"):
    client.cookies["django_language"] = language
    response = client.get(f"/maps/VNM/editions/{edition.number}/entities.csv")
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"] == f'attachment; filename="VNM-edition-{edition.number}-entities.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def member_client():
    client = Client()
    client.force_login(committee_member("VNM"))
    return client


def test_a_first_edition_lists_every_entity_as_added_with_its_area_and_no_contact_data(
    viet_nam, vn_registry, member_client, monkeypatch
):
    monkeypatch.setattr(edition_sheets, "BATCH", 3)  # several batches of rows
    edition = freeze(viet_nam)
    header, *rows = sheet(member_client, edition)
    assert header[:3] == ["Change", "Registry number", "Name"] and header[-2:] == ["Longitude", "Latitude"]
    assert len(rows) == edition.total_entities == 11
    assert [row[1] for row in rows] == sorted(entity.registry_number for entity in vn_registry)
    assert {row[0] for row in rows} == {"added"}
    hanoi = [row for row in rows if row[12] == "Hà Nội"]
    assert len(hanoi) == 5 and all(row[13] for row in hanoi)  # the area's local name too
    text = "\n".join(",".join(row) for row in rows)
    assert "@" not in text and "+84" not in text  # the registry holds contacts for these; the edition does not


def test_a_later_edition_marks_each_entity_exactly_as_the_difference_counts(viet_nam, vn_registry, member_client):
    freeze(viet_nam)
    changed, removed = vn_registry[1], vn_registry[6]
    Entity.objects.filter(pk=changed.pk).update(members_total=21)
    Entity.objects.filter(pk=removed.pk).delete()
    added = make_entity(DA_NANG, family=changed.family, name='=HYPERLINK("http://example.com")')
    assign_admin_areas(country=viet_nam, entity_ids=[added.pk])
    second = freeze(viet_nam)
    header, *rows = sheet(member_client, second)
    marks = {row[1]: row[0] for row in rows}
    assert marks.pop(changed.registry_number) == "changed"
    assert marks.pop(removed.registry_number) == "removed"
    assert marks.pop(added.registry_number) == "added"
    assert set(marks.values()) == {"unchanged"} and len(marks) == 9
    diff = editions.edition_diff(second).counts
    assert diff == {"added": 1, "removed": 1, "changed": 1}
    by_number = {row[1]: row for row in rows}
    assert by_number[changed.registry_number][8] == "21"  # this edition's value
    assert by_number[removed.registry_number][2] == removed.name  # as the previous edition held it
    # Text a spreadsheet would run as a formula is written as text.
    assert by_number[added.registry_number][2] == '\'=HYPERLINK("http://example.com")'


def test_the_sheet_speaks_the_readers_language(viet_nam, vn_registry, member_client):
    edition = freeze(viet_nam)
    english_header, *english = sheet(member_client, edition, "en")
    header, *rows = sheet(member_client, edition, "vi")
    assert header != english_header and len(header) == len(english_header)
    assert rows[0][0] != "added" and rows[0][0] == rows[-1][0]
    assert {row[6] for row in rows} != {row[6] for row in english}  # statuses in Vietnamese


def test_who_may_download_an_editions_sheet(viet_nam, vn_registry):
    draft = freeze(viet_nam)
    published = freeze(viet_nam, MapEdition.Status.PUBLISHED)
    anonymous, outsider = Client(), Client()
    outsider.force_login(committee_member("KHM", username="member-khm"))
    assert outsider.get(f"/maps/VNM/editions/{draft.number}/entities.csv").status_code == 403
    assert anonymous.get(f"/maps/VNM/editions/{draft.number}/entities.csv").status_code in (302, 403)
    assert len(sheet(anonymous, published)) == 12  # a published edition is public: header and 11 rows
