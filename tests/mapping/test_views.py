"""The map pages and endpoints over HTTP: permissions, clean 400s, no personal data in public responses."""

import pytest
from django.http import QueryDict

from mapping import editions
from mapping.filters import MapFilters
from mapping.models import MapEdition
from registry.models import Country, CountryRole
from tests.factories import committee_member, user_with_role

pytestmark = pytest.mark.django_db
Status = MapEdition.Status


@pytest.fixture
def member(client):
    return committee_member("VNM")


def freeze(country_id, status=Status.DRAFT):
    country = Country.objects.get(pk=country_id)
    edition = editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "Edition for the meeting"
    )
    if status != Status.DRAFT:
        MapEdition.objects.filter(pk=edition.pk).update(status=status, published_at="2026-01-01T00:00Z")
        edition.refresh_from_db()
    return edition


def test_live_map_counts_and_table_agree_and_change_with_filters(client, member, vn_registry):
    client.force_login(member)
    page = client.get("/maps/VNM/")
    assert page.status_code == 200
    assert page.context["summary"].total == 11
    filtered = client.get("/maps/VNM/?family=association")
    assert filtered.context["summary"].total == 4
    stats = client.get("/maps/VNM/areas.json", {"family": "association"}).json()
    assert stats["total"] == 4 and stats["unplaced"] == 1
    assert sum(area["entities"] for area in stats["areas"]) == 3
    layer = client.get("/maps/VNM/entities.geojson", {"zoom": 5, "family": "association"}).json()
    assert layer["mode"] == "areas" and sum(f["properties"]["count"] for f in layer["features"]) == 4


@pytest.mark.parametrize(
    ("url", "params", "parameter"),
    [
        ("/maps/VNM/entities.geojson", {"zoom": "x"}, "zoom"),
        ("/maps/VNM/entities.geojson", {"zoom": "25"}, "zoom"),
        ("/maps/VNM/entities.geojson", {}, "zoom"),
        ("/maps/VNM/entities.geojson", {"zoom": "12"}, "bbox"),
        ("/maps/VNM/entities.geojson", {"zoom": "12", "bbox": "1,2,3"}, "bbox"),
        ("/maps/VNM/entities.geojson", {"zoom": "12", "bbox": "106,21,105,22"}, "bbox"),
        ("/maps/VNM/entities.geojson", {"zoom": "12", "bbox": "0,0,200,10"}, "bbox"),
        ("/maps/VNM/entities.geojson", {"zoom": "3", "status": "closed"}, "status"),
        ("/maps/VNM/areas.json", {"family": "kolkhoz"}, "family"),
        ("/maps/VNM/areas.json", {"legal_form": "community_enterprise"}, "legal_form"),
        ("/maps/VNM/areas.json", {"definition": "99"}, "definition"),
        ("/maps/VNM/areas.json", {"measure": "height"}, "measure"),
        ("/maps/VNM/areas.json", {"sector": "Z"}, "sector"),
    ],
)
def test_bad_map_parameters_get_a_clean_400_naming_the_parameter(client, member, url, params, parameter):
    client.force_login(member)
    response = client.get(url, params)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    assert parameter in response.json()["error"]


def test_live_map_is_for_registry_readers_only(client, vn_registry):
    assert client.get("/maps/VNM/").status_code == 302  # to the login page
    client.force_login(committee_member("KHM"))
    assert client.get("/maps/VNM/").status_code == 403
    assert client.get("/maps/VNM/areas.json").status_code == 403
    assert client.get("/maps/KHM/").status_code == 200


def test_committee_member_of_another_country_gets_403_on_unpublished_editions(client, vn_registry):
    edition = freeze("VNM", Status.IN_REVIEW)
    client.force_login(committee_member("KHM"))
    for suffix in ["", "areas.json", "entities.geojson?zoom=3", "pack.pdf"]:
        assert client.get(edition.get_absolute_url() + suffix).status_code == 403, suffix
    client.force_login(committee_member("VNM"))
    assert client.get(edition.get_absolute_url()).status_code == 200


def test_coop_reads_unpublished_editions_but_cannot_review(client, vn_registry):
    edition = freeze("VNM", Status.IN_REVIEW)
    client.force_login(user_with_role(CountryRole.Role.COOP))
    assert client.get(edition.get_absolute_url()).status_code == 200
    assert client.post(edition.get_absolute_url() + "comments", {"text": "hi"}).status_code == 403


def test_anonymous_sees_only_published_editions_and_no_contact_data(client, vn_registry):
    draft = freeze("VNM")
    published = freeze("VNM", Status.PUBLISHED)
    assert client.get(draft.get_absolute_url()).status_code == 403
    listing = client.get("/maps/VNM/editions/")
    assert list(listing.context["editions"]) == [published]
    page = client.get(published.get_absolute_url())
    assert page.status_code == 200
    assert b"Review" not in page.content  # no comment or sign-off forms
    points = client.get(
        published.get_absolute_url() + "entities.geojson", {"zoom": 14, "bbox": "105.7,20.9,106.0,21.2"}
    )
    assert points.json()["mode"] == "points" and len(points.json()["features"]) == 5
    for response in (page, points, client.get(published.get_absolute_url() + "areas.json")):
        body = response.content.decode()
        assert "chair@example.vn" not in body and "+84 90" not in body


def test_committee_member_reviews_signs_off_and_publishes_through_the_pages(client, member, vn_registry):
    client.force_login(member)
    response = client.post("/maps/VNM/editions/new", {"title": "March meeting", "query": "status=active"})
    edition = MapEdition.objects.get()
    assert response.status_code == 302 and response.url == edition.get_absolute_url()
    assert edition.total_entities == 8 and edition.filters["status"] == ["active"]
    url = edition.get_absolute_url()
    client.post(url + "status", {"status": "in_review"})
    client.post(url + "comments", {"text": "Check Hà Nội", "area": str(vn_registry[0].admin_area_id)})
    client.post(url + "comments", {"text": "Name spelt wrong", "entity": vn_registry[0].registry_number})
    comments = list(edition.comments.order_by("pk"))
    assert [c.target for c in comments] == ["area", "entity"]
    client.post(url + "sign-off", {"decision": "approve"})
    response = client.post(url + "status", {"status": "signed_off"}, follow=True)
    assert "not resolved" in response.content.decode()
    for comment in comments:
        client.post(f"{url}comments/{comment.pk}/resolve")
    client.post(url + "status", {"status": "signed_off"})
    client.post(url + "status", {"status": "published"})
    edition.refresh_from_db()
    assert edition.status == Status.PUBLISHED
    client.logout()
    assert client.get(url).status_code == 200


def test_invalid_status_change_is_refused_with_a_message(client, member, vn_registry):
    edition = freeze("VNM")
    client.force_login(member)
    response = client.post(edition.get_absolute_url() + "status", {"status": "published"}, follow=True)
    assert "can move to in review" in response.content.decode()
    edition.refresh_from_db()
    assert edition.status == Status.DRAFT


def test_maps_index_lists_only_published_editions_to_anonymous_visitors(client, vn_registry):
    freeze("VNM")
    published = freeze("VNM", Status.PUBLISHED)
    response = client.get("/maps/")
    assert response.status_code == 200
    body = response.content.decode()
    assert published.get_absolute_url() in body
    assert "/maps/VNM/editions/1/" not in body
    assert "Live committee map" not in body


def test_edition_pack_downloads_as_pdf_and_png(client, vn_registry):
    published = freeze("VNM", Status.PUBLISHED)
    pdf = client.get(published.get_absolute_url() + "pack.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    png = client.get(published.get_absolute_url() + "pack.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_each_entity_of_a_published_edition_has_a_public_page_of_its_frozen_fields(client, vn_registry):
    from registry.models import Entity

    draft = freeze("VNM")
    published = freeze("VNM", Status.PUBLISHED)
    entity = vn_registry[0]
    url = f"{published.get_absolute_url()}entities/{entity.pk}/"
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and entity.registry_number in body and entity.name in body
    assert "Hà Nội" in body and "Active" in body and "A Agriculture, forestry and fishing" in body
    assert "chair@example.vn" not in body and "+84 90" not in body
    assert "current record in the registry" not in body  # anonymous visitors read no registry record
    # The page shows the edition's snapshot: a later edit in the registry does not change it.
    Entity.objects.filter(pk=entity.pk).update(name="Renamed after the edition")
    assert entity.name in client.get(url).content.decode()
    # An unpublished edition's entities stay with its committee; an entity not in the edition is 404.
    assert client.get(f"{draft.get_absolute_url()}entities/{entity.pk}/").status_code == 403
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(f"{published.get_absolute_url()}entities/{missing}/").status_code == 404
    # Registry readers get a link to the live record; the map's popups link to these pages.
    client.force_login(committee_member("VNM"))
    assert "current record in the registry" in client.get(url).content.decode()
    edition_page = client.get(published.get_absolute_url()).content.decode()
    assert f"{published.get_absolute_url()}entities/00000000-0000-0000-0000-000000000000/" in edition_page


def test_the_edition_page_shows_where_the_edition_is_and_what_stops_its_sign_off(client, member, vn_registry):
    edition = editions.change_status(freeze("VNM"), Status.IN_REVIEW)
    editions.add_comment(edition, member, "Check Huế")
    client.force_login(member)
    url = f"/maps/VNM/editions/{edition.number}/"
    page = client.get(url).content.decode()
    assert '<li class="step-done">Draft</li>' in page
    assert '<li class="step-current" aria-current="step">In review</li>' in page
    assert '<li class="step-later">Published</li>' in page
    blockers = page[page.index('<ul class="blockers">') :].split("</ul>")[0]
    assert "1 comment(s) are not resolved yet." in blockers and "No member has signed off yet." in blockers
    # Once resolved and approved, nothing is listed and the page says what signing off leads to.
    editions.resolve_comment(edition.comments.get(), member)
    editions.record_signoff(edition, member, "approve")
    page = client.get(url).content.decode()
    assert '<ul class="blockers">' not in page and "can be signed off" in page
