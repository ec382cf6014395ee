"""Map editions: frozen snapshots, exact differences, status flow, comments and sign-off."""

import datetime

import pytest
from django.http import QueryDict
from django.test import Client

from mapping import edition_sheets, editions
from mapping.filters import MapFilters
from mapping.models import MapEdition
from registry.models import Entity, LegalForm
from tests.factories import committee_member
from tests.mapping.conftest import DA_NANG, make_entity

pytestmark = pytest.mark.django_db
Status = MapEdition.Status


def freeze(country, query="", title="Test edition"):
    filters = MapFilters.parse(country, QueryDict(query))
    return editions.freeze_edition(editions.committee_for(country), filters, title)


def snapshot(edition):
    return {
        row["entity_id"]: row
        for row in edition.snapshot_entities.values("entity_id", "name", "status", "members_total", "admin_area_id")
    }


def test_freezing_numbers_editions_and_stores_filters_counts_and_previous(viet_nam, vn_registry):
    first = freeze(viet_nam)
    second = freeze(viet_nam, "family=association")
    assert (first.number, second.number) == (1, 2)
    assert second.previous == first
    assert first.total_entities == 11 and first.unplaced_entities == 1
    assert second.total_entities == 4
    assert second.filters == {"family": ["association"], "definition": [str(second.definition.version)]}
    assert sum(second.area_figures.values_list("entities", flat=True)) == 3
    assert first.area_figures.count() == 34


def test_frozen_edition_is_unchanged_after_entities_are_edited_or_deleted(viet_nam, vn_registry):
    edition = freeze(viet_nam)
    before_rows = snapshot(edition)
    before_figures = list(edition.area_figures.values_list("code", "entities", "members_total"))
    edited, deleted = vn_registry[0], vn_registry[5]
    Entity.objects.filter(pk=edited.pk).update(name="Renamed", status="dissolved", members_total=999)
    Entity.objects.filter(pk=deleted.pk).delete()
    make_entity(DA_NANG, family=edited.family)
    edition.refresh_from_db()
    assert snapshot(edition) == before_rows
    assert list(edition.area_figures.values_list("code", "entities", "members_total")) == before_figures
    assert edition.total_entities == 11
    assert before_rows[edited.pk]["name"] != "Renamed"


def test_diff_between_two_editions_is_exact(viet_nam, vn_registry):
    first = freeze(viet_nam)
    changed, removed = vn_registry[1], vn_registry[6]
    Entity.objects.filter(pk=changed.pk).update(members_total=21)
    Entity.objects.filter(pk=removed.pk).delete()
    added = make_entity(DA_NANG, family=changed.family)
    from registry.location import assign_admin_areas

    assign_admin_areas(country=viet_nam, entity_ids=[added.pk])
    second = freeze(viet_nam)
    diff = editions.edition_diff(second)
    assert diff.previous == first
    assert list(diff.added.values_list("entity_id", flat=True)) == [added.pk]
    assert list(diff.removed.values_list("entity_id", flat=True)) == [removed.pk]
    assert list(diff.changed.values_list("entity_id", flat=True)) == [changed.pk]
    changes = {change.name: (change.before, change.after) for change in diff.areas if change.change}
    assert changes == {"Hồ Chí Minh": (3, 2), "Đà Nẵng": (2, 3)}
    assert editions.edition_diff(first) is None


def test_status_flow_allows_only_valid_transitions(viet_nam, vn_registry):
    member = committee_member("VNM")
    edition = freeze(viet_nam)
    with pytest.raises(editions.EditionError, match="can move to in review"):
        editions.change_status(edition, Status.PUBLISHED)
    edition = editions.change_status(edition, Status.IN_REVIEW)
    with pytest.raises(editions.EditionError, match="No member has signed off"):
        editions.change_status(edition, Status.SIGNED_OFF)
    comment = editions.add_comment(edition, member, "Hà Nội looks low.", area_id=vn_registry[0].admin_area_id)
    editions.record_signoff(edition, member, "approve")
    with pytest.raises(editions.EditionError, match="not resolved"):
        editions.change_status(edition, Status.SIGNED_OFF)
    editions.resolve_comment(comment, member)
    edition = editions.change_status(edition, Status.SIGNED_OFF)
    assert edition.signed_off_at is not None
    edition = editions.change_status(edition, Status.PUBLISHED)
    assert edition.published_at is not None
    with pytest.raises(editions.EditionError):
        editions.change_status(edition, Status.DRAFT)
    with pytest.raises(editions.EditionError, match="review is closed"):
        editions.add_comment(edition, member, "too late")


def test_a_rejection_blocks_sign_off_and_sign_off_records_decision_and_date(viet_nam, vn_registry):
    first, second = committee_member("VNM", "m1"), committee_member("VNM", "m2")
    edition = editions.change_status(freeze(viet_nam), Status.IN_REVIEW)
    editions.record_signoff(edition, first, "approve", on=__import__("datetime").date(2026, 3, 2))
    editions.record_signoff(edition, second, "reject", note="Đà Nẵng is missing cooperatives")
    with pytest.raises(editions.EditionError, match="asked for changes"):
        editions.change_status(edition, Status.SIGNED_OFF)
    editions.record_signoff(edition, second, "approve")
    decisions = {s.member.username: (s.decision, s.decided_on.isoformat()[:4]) for s in edition.signoffs.all()}
    assert decisions["m1"] == ("approve", "2026") and decisions["m2"][0] == "approve"
    assert editions.change_status(edition, Status.SIGNED_OFF).status == Status.SIGNED_OFF


def test_comments_must_target_an_area_or_entity_of_the_edition(viet_nam, vn_registry):
    member = committee_member("VNM")
    edition = freeze(viet_nam, "family=association")
    in_edition = vn_registry[6]
    not_in_edition = vn_registry[0]
    comment = editions.add_comment(edition, member, "Check this one", entity_id=in_edition.pk)
    assert comment.target == "entity"
    with pytest.raises(editions.EditionError, match="not part of this edition"):
        editions.add_comment(edition, member, "and this", entity_id=not_in_edition.pk)
    with pytest.raises(editions.EditionError, match="needs some text"):
        editions.add_comment(edition, member, "   ")


@pytest.mark.django_db
def test_the_demo_publishes_one_edition_for_the_public_and_leaves_one_to_review(client):
    from django.core.management import call_command

    from registry.models import CountryRole
    from tests.factories import EntityFactory, user_with_role

    user_with_role(CountryRole.Role.COMMITTEE, "VNM", username="committee-vnm")
    EntityFactory(name="Hợp tác xã Bình Minh")
    call_command("setup_committees", verbosity=0)
    call_command("setup_committees", verbosity=0)  # idempotent: each start of `make run` calls it
    editions = MapEdition.objects.filter(committee__country_id="VNM").order_by("number")
    assert [(e.number, e.status) for e in editions] == [(1, "published"), (2, "draft")]
    assert editions[0].signoffs.filter(decision="approve").count() == 1
    listing = client.get("/maps/VNM/editions/").content.decode()  # anonymous
    assert "Demo edition, published" in listing and "Demo edition, to review" not in listing
    assert client.get("/maps/VNM/editions/1/").status_code == 200
    assert client.get("/maps/VNM/editions/2/").status_code in (403, 404)
    # The draft holds the same entities as the published edition: the page says nothing changed, in a
    # sentence, instead of two empty tables.
    member = Client()
    member.force_login(editions[0].committee.members.get())
    draft_page = member.get("/maps/VNM/editions/2/").content.decode()
    assert "Nothing changed: the same entities, with the same values, in the same areas." in draft_page
    assert 'id="diff-areas"' not in draft_page


def test_edition_frozen_on_an_earlier_boundary_date_places_entities_in_that_days_provinces(viet_nam, vn_registry):
    # Viet Nam had 63 provinces until 2025-06-30; entities store their area among today's 34.
    edition = editions.freeze_edition(
        editions.committee_for(viet_nam),
        MapFilters.parse(viet_nam, QueryDict("")),
        "Before the merger",
        day=datetime.date(2025, 6, 30),
    )
    figures = {figure.name: figure.entities for figure in edition.area_figures.all()}
    assert len(figures) == 63
    assert (edition.total_entities, edition.unplaced_entities) == (11, 1)  # only the entity at sea
    assert sum(figures.values()) == 10
    assert figures["Hà Nội"] == 5 and figures["Đà Nẵng"] == 2
    old_areas = set(edition.area_figures.values_list("admin_area_id", flat=True))
    assert set(edition.snapshot_entities.exclude(admin_area=None).values_list("admin_area_id", flat=True)) <= old_areas


def test_edition_page_and_pack_still_show_after_a_legal_form_of_its_filters_is_recoded(client, viet_nam, vn_registry):
    edition = freeze(viet_nam, "legal_form=cooperative&status=active")
    LegalForm.objects.filter(country=viet_nam, code="cooperative").update(code="htx")  # recoded in the admin
    client.force_login(committee_member("VNM"))
    page = client.get(edition.get_absolute_url())
    assert page.status_code == 200
    assert "Legal form: cooperative; Status: Active" in page.content.decode()
    pack = client.get(edition.get_absolute_url() + "pack.pdf")
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF")


def test_members_moved_between_total_and_women_count_as_a_change_on_the_page_and_in_the_sheet(viet_nam, vn_registry):
    entity = vn_registry[5]  # Hồ Chí Minh: 10 members, women not reported
    Entity.objects.filter(pk=entity.pk).update(members_total=12, members_women=None)
    first = freeze(viet_nam)
    Entity.objects.filter(pk=entity.pk).update(members_total=None, members_women=12)  # 12 was the women
    second = freeze(viet_nam)
    diff = editions.edition_diff(second, first)
    assert list(diff.changed.values_list("entity_id", flat=True)) == [entity.pk]
    marks = {row[1]: row[0] for row in edition_sheets.sheet_rows(second) if row[1] != "Registry number"}
    assert marks[entity.registry_number] == "changed"
    assert sorted(set(marks.values())) == ["changed", "unchanged"]
