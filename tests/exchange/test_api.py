"""REST API v1: every endpoint, its permissions and refusals, the schema."""

import orjson
import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import CountryRole, Entity
from tests.factories import EntityFactory, user_with_role


@pytest.fixture
def client():
    return APIClient()


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def entities(db):
    return [
        EntityFactory(name="HTX Hà Nội", contact_email="a@example.org", point=Point(105.8542, 21.0285, srid=4326)),
        EntityFactory(name="HTX Sài Gòn", contact_email="b@example.org", point=Point(106.7009, 10.7769, srid=4326)),
        EntityFactory(
            country_id="THA", name="Thai coop", contact_email="c@example.org", point=Point(100.5, 13.75, srid=4326)
        ),
    ]


@pytest.mark.django_db
def test_schema_validates_against_the_openapi_specification(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = orjson.loads(response.content)
    validate(schema)
    for path in (
        "/api/v1/entities/",
        "/api/v1/map-editions/{id}/entities/",
        "/api/v1/map-editions/{id}/areas/",
        "/api/v1/reform-processes/",
        "/api/v1/reform-processes/{id}/",
    ):
        assert path in schema["paths"], path
    entities = schema["paths"]["/api/v1/map-editions/{id}/entities/"]["get"]
    assert {p["name"] for p in entities["parameters"]} >= {"in_bbox", "limit", "offset"}
    assert "application/geo+json" in entities["responses"]["200"]["content"]
    # The refusals are documented with their bodies: a bad filter, a bad token, no such edition, throttled;
    # creating an entity can also be refused for want of the researcher's role.
    assert {"400", "401", "404", "429"} <= set(entities["responses"])
    created = schema["paths"]["/api/v1/entities/"]["post"]["responses"]
    assert "403" in created
    assert created["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ValidationErrors"
    countries = schema["paths"]["/api/v1/countries/"]["get"]["responses"]
    assert "403" not in countries and "401" in countries  # anyone reads the countries; a bad token is refused


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower() and "unpkg" not in html and "jsdelivr" not in html
    # Inside the platform's frame: its menu and language choice, then Swagger UI on the schema.
    assert 'class="site-header"' in html and 'id="swagger-ui"' in html and "/api/v1/schema/" in html


@pytest.mark.django_db
def test_countries_and_areas_are_public(client):
    assert {c["iso3"] for c in client.get("/api/v1/countries/").json()["results"]} == {
        "KHM",
        "KGZ",
        "MNG",
        "THA",
        "VNM",
    }
    assert client.get("/api/v1/countries/VNM/").json()["name"] == "Viet Nam"
    before = client.get("/api/v1/areas/?country=VNM&level=1&on=2025-06-30&limit=100").json()["count"]
    after = client.get("/api/v1/areas/?country=VNM&level=1&on=2025-07-01&limit=100").json()["count"]
    assert (before, after) == (63, 34)
    assert client.get("/api/v1/areas/?on=not-a-date").status_code == 400


@pytest.mark.django_db
def test_entity_list_is_geojson_with_contacts_only_for_the_role(entities, researcher, committee, other_researcher):
    body = orjson.loads(as_user(researcher).get("/api/v1/entities/").content)
    assert body["type"] == "FeatureCollection" and body["count"] == 2
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point" and feature["properties"]["contact_email"]
    assert {f["properties"]["country"] for f in body["features"]} == {"VNM"}
    committee_body = orjson.loads(as_user(committee).get("/api/v1/entities/").content)
    assert committee_body["count"] == 2
    thai = orjson.loads(as_user(other_researcher).get("/api/v1/entities/").content)
    assert [f["properties"]["name"] for f in thai["features"]] == ["Thai coop"]


@pytest.mark.django_db
def test_entity_search_and_country_filter_read_as_the_registry_pages_do(entities):
    api = as_user(user_with_role("coop"))

    def names(query):
        features = orjson.loads(api.get(f"/api/v1/entities/?{query}").content)["features"]
        return [feature["properties"]["name"] for feature in features]

    assert names("q=ha noi") == ["HTX Hà Nội"]  # diacritics and case ignored
    assert names(f"q={entities[1].registry_number.lower()}") == ["HTX Sài Gòn"]  # registry numbers too
    assert names("country=vnm") == ["HTX Hà Nội", "HTX Sài Gòn"]  # any case, in registry-number order
    assert names("country=vnm&q=htx") == ["HTX Hà Nội", "HTX Sài Gòn"]
    assert names("country=THA&q=htx") == []


@pytest.mark.django_db
def test_anonymous_readers_are_told_to_sign_in_for_live_records(client, entities):
    listing = client.get("/api/v1/entities/")
    assert listing.status_code == 401 and "/api/v1/map-editions/" in listing.json()["detail"]
    assert client.get(f"/api/v1/entities/{entities[0].pk}/").status_code == 401


@pytest.mark.django_db
def test_a_published_entity_is_public_as_frozen_not_as_edited_since(client, published, researcher):
    # The committee signed the edition off; a later edit of the live record is not what the public sees.
    hanoi = Entity.objects.get(name="HTX Hà Nội")
    edited = as_user(researcher).patch(
        f"/api/v1/entities/{hanoi.pk}/",
        {"name": "HTX Hà Nội (renamed)", "status": "dissolved", "version": hanoi.version},
        format="json",
    )
    assert edited.status_code == 200
    profile = client.get(f"/api/v1/entities/{hanoi.pk}/murmurations/").json()
    assert (profile["name"], profile["status"]) == ("HTX Hà Nội", "active")
    assert profile["primary_url"].endswith(f"/maps/VNM/editions/{published.number}/entities/{hanoi.pk}/")
    assert len(profile["tags"]) == len(set(profile["tags"])) and "cooperative" in profile["tags"]
    frozen = collection(client.get(edition_url(published, "entities/")))
    names = {feature["properties"]["name"] for feature in frozen["features"]}
    assert "HTX Hà Nội" in names and "HTX Hà Nội (renamed)" not in names
    # A reader with a role in the country gets the live record's profile.
    live = as_user(researcher).get(f"/api/v1/entities/{hanoi.pk}/murmurations/").json()
    assert live["name"] == "HTX Hà Nội (renamed)" and live["status"] == "cancelled"
    # A signed-in reader without a role in Viet Nam reads no live record, and the published profile.
    thai = as_user(user_with_role(CountryRole.Role.RESEARCHER, "THA", username="researcher-tha-frozen"))
    assert thai.get(f"/api/v1/entities/{hanoi.pk}/").status_code == 404
    assert thai.get(f"/api/v1/entities/{hanoi.pk}/murmurations/").json()["name"] == "HTX Hà Nội"
    assert client.get("/api/v1/entities/not-a-uuid/murmurations/").status_code == 404


@pytest.mark.django_db
def test_entity_filters_bbox_and_pagination(entities, researcher):
    api = as_user(researcher)
    body = orjson.loads(api.get("/api/v1/entities/?in_bbox=105,20,107,22").content)
    assert [f["properties"]["name"] for f in body["features"]] == ["HTX Hà Nội"]
    assert orjson.loads(api.get("/api/v1/entities/?q=sài").content)["count"] == 1
    page = orjson.loads(api.get("/api/v1/entities/?limit=1").content)
    assert len(page["features"]) == 1 and page["next"]
    assert (page["count"], page["count_capped"]) == (2, False)
    assert api.get("/api/v1/entities/?in_bbox=nonsense").status_code == 400
    capped = orjson.loads(api.get("/api/v1/entities/?limit=50000").content)
    assert capped["count"] == 2  # the cap (10,000) applies silently to the page size


@pytest.mark.django_db
def test_entity_detail_hides_contacts_from_other_roles(entities, researcher):
    data = as_user(researcher).get(f"/api/v1/entities/{entities[0].pk}/").json()
    assert data["contact_email"] == "a@example.org" and data["registry_number"].startswith("VNM-")


@pytest.mark.django_db
def test_researcher_creates_an_entity_through_the_service(researcher):
    payload = {
        "country": "VNM",
        "name": "HTX Mới <i>x</i>",
        "family": "cooperative",
        "latitude": 21.0285,
        "longitude": 105.8542,
    }
    response = as_user(researcher).post("/api/v1/entities/", payload, format="json")
    assert response.status_code == 201, response.content
    entity = Entity.objects.get(name="HTX Mới <i>x</i>")
    assert entity.admin_area is not None and entity.history.get().history_user == researcher


@pytest.mark.django_db
def test_create_refusals(client, committee, researcher):
    payload = {"country": "VNM", "name": "X", "family": "cooperative", "latitude": 21.0285, "longitude": 105.8542}
    assert client.post("/api/v1/entities/", payload, format="json").status_code in (401, 403)
    assert as_user(committee).post("/api/v1/entities/", payload, format="json").status_code == 403
    outside = {**payload, "latitude": 13.75, "longitude": 100.5}
    response = as_user(researcher).post("/api/v1/entities/", outside, format="json")
    assert response.status_code == 400 and "outside" in str(response.json())


@pytest.mark.django_db
def test_update_with_optimistic_locking(entities, researcher, committee):
    entity = entities[0]
    api = as_user(researcher)
    url = f"/api/v1/entities/{entity.pk}/"
    ok = api.patch(url, {"members_total": 12, "version": entity.version}, format="json")
    assert ok.status_code == 200 and ok.json()["members_total"] == 12
    stale = api.patch(url, {"members_total": 13, "version": entity.version}, format="json")
    assert stale.status_code == 409 and "NOT saved" in stale.json()["detail"]
    assert api.patch(url, {"members_total": 14}, format="json").status_code == 400
    assert as_user(committee).patch(url, {"members_total": 1, "version": 2}, format="json").status_code == 403


@pytest.mark.django_db
def test_put_replaces_the_entity_and_patch_changes_only_what_it_gives(entities, researcher, committee, client):
    entity = entities[0]
    api = as_user(researcher)
    url = f"/api/v1/entities/{entity.pk}/"
    api.patch(url, {"members_total": 30, "address": "12 Hàng Bạc", "version": entity.version}, format="json")
    entity.refresh_from_db()
    assert (entity.members_total, entity.address) == (30, "12 Hàng Bạc")

    # PUT without the fields a whole entity needs is refused, naming each, and changes nothing.
    partial_body = {"members_total": 31, "version": entity.version}
    refused = api.put(url, partial_body, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"country", "name", "family", "latitude", "longitude"}
    assert "PATCH" in refused.json()["name"][0]
    entity.refresh_from_db()
    assert entity.members_total == 30

    # A whole body replaces it: what it leaves out goes back to blank or the default.
    body = {
        "country": "VNM",
        "name": "HTX Hà Nội mới",
        "family": "cooperative",
        "latitude": 21.03,
        "longitude": 105.85,
        "verification": "verified",
        "version": entity.version,
    }
    replaced = api.put(url, body, format="json")
    assert replaced.status_code == 200, replaced.content
    entity.refresh_from_db()
    assert entity.name == "HTX Hà Nội mới" and entity.verification == "verified"
    assert (entity.members_total, entity.address, entity.contact_email) == (None, "", "")
    assert entity.status == Entity.Status.ACTIVE and entity.sectors == []

    # The same body again, at the new version, gives the same entity and writes no new version.
    again = api.put(url, {**body, "version": entity.version}, format="json")
    assert again.status_code == 200 and again.json()["version"] == entity.version
    # Only the country's researchers replace its entities: a committee member is refused, and so is anyone
    # not signed in; the entity stays as it was.
    assert (
        as_user(committee).put(url, {**body, "name": "X", "version": entity.version}, format="json").status_code == 403
    )
    assert client.put(url, {**body, "name": "X", "version": entity.version}, format="json").status_code == 401
    entity.refresh_from_db()
    assert entity.name == "HTX Hà Nội mới"


@pytest.mark.django_db
def test_token_authentication(entities, researcher):
    token = Token.objects.create(user=researcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert orjson.loads(client.get("/api/v1/entities/").content)["count"] == 2


@pytest.mark.django_db
def test_definitions_and_classifications(client, researcher):
    public = client.get("/api/v1/definitions/").json()
    assert all(d["status"] in ("adopted", "superseded") for d in public["results"])
    assert client.get("/api/v1/classifications/").status_code in (401, 403)
    assert as_user(researcher).get("/api/v1/classifications/").status_code == 200
    mine = as_user(researcher).get("/api/v1/definitions/?country=VNM").json()
    assert mine["count"] >= public["count"]


@pytest.mark.django_db
def test_classifications_are_the_readers_countries_in_number_order_counted_up_to_a_cap(
    entities, researcher, monkeypatch
):
    from exchange.api import CappedCountPagination
    from registry.models import Classification, WorkingDefinition

    for entity in reversed(entities):
        definition = WorkingDefinition.objects.filter(country_id=entity.country_id).order_by("version").first()
        Classification.objects.create(entity=entity, definition=definition, outcome="qualifies")
    api = as_user(researcher)
    body = api.get("/api/v1/classifications/").json()
    assert [row["entity"] for row in body["results"]] == [str(entities[0].pk), str(entities[1].pk)]  # no THA
    assert (body["count"], body["count_capped"]) == (2, False)
    monkeypatch.setattr(CappedCountPagination, "count_cap", 1)
    first = api.get("/api/v1/classifications/?limit=1").json()
    assert (first["count"], first["count_capped"]) == (1, True) and "offset=1" in first["next"]
    last = api.get("/api/v1/classifications/?limit=1&offset=1").json()
    assert (last["count"], last["count_capped"], last["next"]) == (2, False, None)


@pytest.mark.django_db
def test_instruments_public_assessments_for_roles(client, researcher):
    assert client.get("/api/v1/instruments/").status_code == 200
    assert client.get("/api/v1/assessments/").status_code in (401, 403)
    assert as_user(researcher).get("/api/v1/assessments/").status_code == 200


@pytest.mark.django_db
def test_map_editions_lists_only_published(client):
    response = client.get("/api/v1/map-editions/")
    assert response.status_code == 200
    assert all(edition["status"] == "published" for edition in response.json()["results"])


@pytest.mark.django_db
def test_import_upload_through_the_api(researcher, committee, settings, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    raw = b"name,family,latitude,longitude\nHTX API,cooperative,21.0285,105.8542\n"
    upload = SimpleUploadedFile("api.csv", raw, content_type="text/csv")
    refused = as_user(committee).post("/api/v1/imports/", {"file": upload, "country": "VNM"}, format="multipart")
    assert refused.status_code == 403
    upload = SimpleUploadedFile("api.csv", raw, content_type="text/csv")
    with django_capture_on_commit_callbacks() as callbacks:
        response = as_user(researcher).post("/api/v1/imports/", {"file": upload, "country": "VNM"}, format="multipart")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert len(callbacks) == 1  # the detached worker starts once the upload is committed
    call_command("import_entities", batch=response.json()["id"], verbosity=0)  # what that worker runs
    batch = as_user(researcher).get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (batch["status"], batch["imported"]) == ("done", 1)
    rows = as_user(researcher).get(f"/api/v1/imports/{batch['id']}/rows/").json()
    assert rows["results"][0]["outcome"] == "imported"
    assert as_user(committee).get(f"/api/v1/imports/{batch['id']}/").status_code == 404


# --- the count cap and the feature cap of GeoJSON pages -----------------------


def collection(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return orjson.loads(response.content)


@pytest.mark.django_db
def test_entity_count_stops_at_the_cap_and_says_so(entities, researcher, monkeypatch):
    from exchange.api import FeaturePagination

    monkeypatch.setattr(FeaturePagination, "count_cap", 1)
    api = as_user(researcher)
    first = collection(api.get("/api/v1/entities/?limit=1"))
    assert (first["count"], first["count_capped"]) == (1, True)  # more than 1 match; not counted further
    assert len(first["features"]) == 1 and "offset=1" in first["next"]
    # The count reaches at least the end of the requested page, so `next` is exact on every page.
    last = collection(api.get("/api/v1/entities/?limit=1&offset=1"))
    assert (last["count"], last["count_capped"], last["next"]) == (2, False, None)
    whole = collection(api.get("/api/v1/entities/?limit=2"))
    assert (whole["count"], whole["count_capped"], len(whole["features"])) == (2, False, 2)


@pytest.mark.django_db
def test_entity_pages_never_exceed_the_feature_cap(entities, researcher, monkeypatch):
    from exchange.api import MAX_FEATURES, FeaturePagination

    assert FeaturePagination.max_limit == MAX_FEATURES == 10_000
    monkeypatch.setattr(FeaturePagination, "max_limit", 1)
    page = collection(as_user(researcher).get("/api/v1/entities/?limit=50000"))
    assert len(page["features"]) == 1 and "limit=1" in page["next"]


# --- map editions and their frozen snapshots ----------------------------------


def freeze_vnm(status=None):
    """An edition of Viet Nam's whole registry now; `status` set directly (the workflow is mapping's to test)."""
    from django.http import QueryDict

    from mapping import editions
    from mapping.filters import MapFilters
    from mapping.models import MapEdition
    from registry.models import Country

    country = Country.objects.get(pk="VNM")
    edition = editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "API edition"
    )
    if status:
        MapEdition.objects.filter(pk=edition.pk).update(status=status, published_at="2026-01-01T00:00Z")
        edition.refresh_from_db()
    return edition


@pytest.fixture
def placed_entities(entities):
    from registry.location import assign_admin_areas

    assign_admin_areas(country="VNM")
    for entity in entities:
        entity.refresh_from_db()
    return entities


@pytest.fixture
def published(placed_entities):
    return freeze_vnm("published")


@pytest.fixture
def draft(placed_entities):
    return freeze_vnm()


def edition_url(edition, part=""):
    return f"/api/v1/map-editions/{edition.pk}/{part}"


@pytest.mark.django_db
def test_published_edition_entities_are_its_snapshot_as_geojson(client, published, placed_entities):
    Entity.objects.filter(pk=placed_entities[0].pk).update(name="Renamed after the freeze")
    body = collection(client.get(edition_url(published, "entities/")))
    assert (body["type"], body["count"], body["count_capped"]) == ("FeatureCollection", 2, False)
    assert body["count"] == published.total_entities
    features = body["features"]
    assert [f["properties"]["name"] for f in features] == ["HTX Hà Nội", "HTX Sài Gòn"]  # as frozen
    assert features[0]["id"] == str(placed_entities[0].pk)
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [105.8542, 21.0285]}  # lon, lat
    assert features[0]["properties"]["admin_area"] == placed_entities[0].admin_area_id
    assert features[0]["properties"]["family_name"] == "Cooperative"


@pytest.mark.django_db
def test_edition_entities_carry_no_contact_data_for_anonymous_or_committee(client, published, committee):
    for api in (client, as_user(committee)):
        response = api.get(edition_url(published, "entities/"))
        body = collection(response)
        assert body["features"]
        for feature in body["features"]:
            assert not set(Entity.CONTACT_FIELDS) & set(feature["properties"])
        assert b"@example.org" not in response.content


@pytest.mark.django_db
def test_unpublished_edition_is_404_for_anonymous_and_other_countries(client, draft, other_researcher):
    from tests.factories import committee_member

    other_committee = as_user(committee_member("THA", username="member-tha"))
    for api in (client, other_committee, as_user(other_researcher)):
        assert draft.pk not in [e["id"] for e in api.get("/api/v1/map-editions/").json()["results"]]
        for part in ("", "entities/", "areas/"):
            assert api.get(edition_url(draft, part)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "researcher", "committee", "other_committee", "coop", "administrator"])
def test_edition_endpoints_follow_the_edition_pages_rule(role, draft):
    from django.contrib.auth.models import AnonymousUser

    from mapping.editions import can_view_edition
    from registry.models import CountryRole
    from tests.factories import committee_member, user_with_role

    user = {
        "anonymous": lambda: AnonymousUser(),
        "researcher": lambda: user_with_role(CountryRole.Role.RESEARCHER, "VNM"),
        "committee": lambda: committee_member("VNM"),
        "other_committee": lambda: committee_member("THA"),
        "coop": lambda: user_with_role(CountryRole.Role.COOP),
        "administrator": lambda: user_with_role(CountryRole.Role.ADMINISTRATOR),
    }[role]()
    api = as_user(user) if user.is_authenticated else APIClient()
    expected = 200 if can_view_edition(user, draft) else 404
    assert [api.get(edition_url(draft, part)).status_code for part in ("", "entities/", "areas/")] == [expected] * 3
    listed = draft.pk in [e["id"] for e in api.get("/api/v1/map-editions/").json()["results"]]
    assert listed == (expected == 200)


@pytest.mark.django_db
def test_committee_member_reads_the_unpublished_edition_of_its_country(draft):
    from tests.factories import committee_member

    body = collection(as_user(committee_member("VNM")).get(edition_url(draft, "entities/")))
    assert body["count"] == 2


@pytest.mark.django_db
def test_edition_entities_paginate_and_filter_by_bbox(client, published):
    first = collection(client.get(edition_url(published, "entities/?limit=1")))
    assert len(first["features"]) == 1 and "offset=1" in first["next"] and first["previous"] is None
    second = collection(client.get(first["next"]))
    assert [f["properties"]["name"] for f in second["features"]] == ["HTX Sài Gòn"]
    assert second["next"] is None and second["previous"]
    hanoi = collection(client.get(edition_url(published, "entities/?in_bbox=105,20,107,22")))
    assert (hanoi["count"], [f["properties"]["name"] for f in hanoi["features"]]) == (1, ["HTX Hà Nội"])
    assert client.get(edition_url(published, "entities/?in_bbox=nonsense")).status_code == 400


@pytest.mark.django_db
def test_edition_entities_send_at_most_10000_features_and_cap_the_bbox_count(client, placed_entities):
    import uuid

    from mapping.models import EditionEntity, MapEdition

    edition = freeze_vnm("published")
    rows = 10_001
    EditionEntity.objects.bulk_create(
        EditionEntity(
            edition=edition,
            entity_id=uuid.uuid4(),
            registry_number=f"VNM-9{index:05d}",
            name=f"Bulk {index}",
            family_name="Cooperative",
            status="active",
            verification="unverified",
            point=Point(105.8542, 21.0285, srid=4326),
            fingerprint="-",
        )
        for index in range(rows - 2)
    )
    MapEdition.objects.filter(pk=edition.pk).update(total_entities=rows)
    whole = collection(client.get(edition_url(edition, "entities/?limit=50000")))
    assert len(whole["features"]) == 10_000
    assert (whole["count"], whole["count_capped"]) == (rows, False)  # the edition's stored total: exact
    assert "offset=10000" in whole["next"]
    in_view = collection(client.get(edition_url(edition, "entities/?limit=50000&in_bbox=100,8,110,24")))
    assert len(in_view["features"]) == 10_000
    assert (in_view["count"], in_view["count_capped"]) == (10_000, True) and in_view["next"]
    rest = collection(client.get(in_view["next"]))
    assert (len(rest["features"]), rest["count"], rest["count_capped"], rest["next"]) == (1, rows, False, None)


@pytest.mark.django_db
def test_edition_areas_are_the_frozen_per_area_figures(client, published, placed_entities):
    body = client.get(edition_url(published, "areas/")).json()
    counted = {area["id"]: area["entities"] for area in body["areas"] if area["entities"]}
    assert counted == {placed_entities[0].admin_area_id: 1, placed_entities[1].admin_area_id: 1}
    assert (body["total"], body["unplaced"], body["measure"]) == (2, 0, "entities")
    assert len(body["areas"]) == published.area_figures.count()
    assert client.get(edition_url(published, "areas/?measure=members")).json()["measure"] == "members"
    bad = client.get(edition_url(published, "areas/?measure=colour"))
    assert bad.status_code == 400 and "measure" in bad.json()


# --- reform processes --------------------------------------------------------


@pytest.mark.django_db
def test_reform_processes_are_public_with_their_timelines(client):
    body = client.get("/api/v1/reform-processes/?country=vnm").json()
    assert body["count"] == 1
    process = body["results"][0]
    assert process["country"] == "VNM" and process["current_stage"] == "in_force"
    assert [event["stage"] for event in process["events"]] == ["adopted", "in_force"]  # in date order
    assert process["events"][0]["date_confidence"] == "H"
    assert client.get(f"/api/v1/reform-processes/{process['id']}/").json()["title"] == process["title"]
    everyone = client.get("/api/v1/reform-processes/").json()
    assert {p["country"] for p in everyone["results"]} == {"VNM", "MNG"}


@pytest.mark.django_db
def test_reform_processes_filter_by_stage_and_refuse_unknown_ones(client):
    adopted = client.get("/api/v1/reform-processes/?stage=adopted").json()["results"]
    assert [p["country"] for p in adopted] == ["MNG"]
    assert client.get("/api/v1/reform-processes/?stage=in_force&country=MNG").json()["count"] == 0
    assert client.get("/api/v1/reform-processes/?stage=dreaming").status_code == 400


@pytest.mark.django_db
def test_reform_process_events_do_not_name_who_recorded_them(client):
    import datetime

    from legislation.models import ReformProcess
    from legislation.reform import record_stage
    from registry.models import CountryRole
    from tests.factories import user_with_role

    coop = user_with_role(CountryRole.Role.COOP, username="coop-recorder")
    process = ReformProcess.objects.get(country_id="MNG")
    record_stage(process, "implementing_regulations", datetime.date(2022, 1, 10), note="Decree", user=coop)
    response = client.get(f"/api/v1/reform-processes/{process.pk}/")
    assert response.json()["current_stage"] == "implementing_regulations"
    assert b"coop-recorder" not in response.content and "recorded_by" not in response.json()["events"][-1]


@pytest.mark.django_db
def test_reform_processes_are_read_only_even_for_coop(client):
    from registry.models import CountryRole
    from tests.factories import user_with_role

    payload = {"country": "KHM", "title": "New law"}
    assert client.post("/api/v1/reform-processes/", payload, format="json").status_code in (401, 403)
    coop = as_user(user_with_role(CountryRole.Role.COOP))
    assert coop.post("/api/v1/reform-processes/", payload, format="json").status_code == 405


@pytest.mark.django_db
def test_each_entity_has_a_murmurations_profile_for_whoever_may_read_it(client, published, researcher, committee):
    hanoi = next(entity for entity in published.committee.country.entities.all() if entity.name == "HTX Hà Nội")
    url = f"/api/v1/entities/{hanoi.pk}/murmurations/"
    profile = as_user(researcher).get(url).json()
    assert profile["linked_schemas"] == ["organizations_schema-v1.0.0"]
    assert profile["name"] == "HTX Hà Nội" and profile["country_iso_3166"] == "VN"
    assert profile["geolocation"] == {"lat": 21.0285, "lon": 105.8542}
    # A profile is made to be published: no personal contact data, even for a reader who may see it.
    assert "contact_details" not in profile and "telephone" not in profile
    assert len(profile["tags"]) == len(set(profile["tags"]))  # the schema's uniqueItems
    # The profile's address is the entity's public page in the published edition, which anyone may open.
    edition_page = f"/maps/VNM/editions/{published.number}/entities/{hanoi.pk}/"
    assert profile["primary_url"] == "http://testserver" + edition_page
    assert "HTX Hà Nội" in Client().get(edition_page).content.decode()
    # Anonymous readers of a published edition get the profile without any contact detail.
    anonymous = client.get(url).json()
    assert anonymous["name"] == "HTX Hà Nội" and "contact_details" not in anonymous and "telephone" not in anonymous
    thai = Entity.objects.get(name="Thai coop")
    assert client.get(f"/api/v1/entities/{thai.pk}/murmurations/").status_code == 404
    assert as_user(committee).get(f"/api/v1/entities/{thai.pk}/murmurations/").status_code == 404
    # An entity in no published edition: its registry page.
    other_researcher = user_with_role("researcher", "THA", username="researcher-tha-murmurations")
    thai_profile = as_user(other_researcher).get(f"/api/v1/entities/{thai.pk}/murmurations/").json()
    assert thai_profile["primary_url"] == f"http://testserver/registry/entities/{thai.pk}/"


@pytest.mark.django_db
def test_the_bulk_murmurations_export_names_each_profile_as_the_api_does(published, researcher):
    # An index identifies a profile by its primary_url: the download and the API must give the same one.
    hanoi = Entity.objects.get(name="HTX Hà Nội")
    api_profile = as_user(researcher).get(f"/api/v1/entities/{hanoi.pk}/murmurations/").json()
    browser = Client()
    browser.force_login(researcher)
    download = browser.get("/data/export/?format=murmurations&country=VNM")
    profiles = orjson.loads(b"".join(download.streaming_content))
    exported = next(profile for profile in profiles if profile["name"] == "HTX Hà Nội")
    assert exported["primary_url"] == api_profile["primary_url"]
    assert exported["primary_url"].endswith(f"/maps/VNM/editions/{published.number}/entities/{hanoi.pk}/")
    assert all("contact_details" not in profile and "telephone" not in profile for profile in profiles)
    assert all(len(profile["tags"]) == len(set(profile["tags"])) for profile in profiles)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=99999999999999999999999", None),  # larger than any page: a page of the maximum, not an error
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("offset=99999999999999999999", "offset"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ],
)
@pytest.mark.parametrize("endpoint", ["countries", "entities", "classifications", "instruments", "assessments"])
def test_page_parameters_are_checked_on_every_list(entities, endpoint, query, parameter):
    coop = as_user(user_with_role(CountryRole.Role.COOP, username="coop-pages"))
    response = coop.get(f"/api/v1/{endpoint}/?{query}")
    if parameter is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400, response.content
        assert parameter in response.json()


def test_lists_other_than_entities_are_served_in_pages_of_at_most_1000():
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from exchange.pagination import CheckedLimitOffsetPagination

    paginator = CheckedLimitOffsetPagination()
    request = Request(APIRequestFactory().get("/api/v1/classifications/", {"limit": 100000}))
    page = paginator.paginate_queryset(list(range(2500)), request)
    assert page == list(range(1000))
    assert "offset=1000" in paginator.get_next_link()


@pytest.mark.django_db
def test_the_schema_gives_each_list_its_page_size_limit(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    limit = next(p for p in schema["paths"]["/api/v1/countries/"]["get"]["parameters"] if p["name"] == "limit")
    assert "at most 1000" in limit["description"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bbox",
    ["nan,nan,nan,nan", "inf,0,1,1", "110,8,102,24", "102,8,200,24", "1,2,3", "a,b,c,d"],
)
def test_a_bad_bbox_is_refused_naming_in_bbox_and_why(entities, published, researcher, bbox):
    for url in ("/api/v1/entities/", f"/api/v1/map-editions/{published.pk}/entities/"):
        response = as_user(researcher).get(url, {"in_bbox": bbox})
        assert response.status_code == 400, (url, bbox, response.content)
        reason = response.json()["in_bbox"][0]
        assert any(word in reason for word in ("finite", "four numbers", "less than", "within")), reason


@pytest.mark.django_db
def test_a_forwarded_for_header_does_not_reset_the_throttle(client, monkeypatch):
    # Unless proxies are declared (API_TRUSTED_PROXIES), a client is counted by its connection's address:
    # a made-up X-Forwarded-For with each request does not make it a new client.
    from django.core.cache import caches
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "9/minute"})
    caches["throttle"].clear()
    codes = [client.get("/api/v1/countries/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(5)]
    caches["throttle"].clear()
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_the_throttle_counts_are_shared_by_every_server_process(client, monkeypatch):
    # gunicorn runs several processes: a client's requests are counted in PostgreSQL, where a process that
    # served none of them (a cache object of its own, reading the same table) still sees them all.
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache
    from rest_framework.throttling import AnonRateThrottle

    from exchange.throttling import SharedAnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "9/minute"})
    caches["throttle"].clear()
    codes = [client.get("/api/v1/countries/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    another_process = DatabaseCache(settings.CACHES["throttle"]["LOCATION"], {})
    key = SharedAnonRateThrottle.cache_format % {"scope": "anon", "ident": "127.0.0.1"}
    assert len(another_process.get(key)) == 3
    # An anonymous client is counted once, by the anon throttle; the user throttle counts signed-in users.
    assert another_process.get(key.replace("anon", "user")) is None
    caches["throttle"].clear()


@pytest.mark.django_db
def test_requests_without_valid_credentials_get_401_with_a_challenge(client, entities):
    response = client.post("/api/v1/entities/", {"name": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    bad_token = client.get("/api/v1/entities/", HTTP_AUTHORIZATION="Token not-a-token")
    assert bad_token.status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"country": "XXX"}, "country", "Unknown country 'XXX'"),
        ({"country": "VNM", "mapping": "[1, 2]"}, "mapping", "not a list"),
        ({"country": "VNM", "mapping": '{"name": 3}'}, "mapping", "each column a name"),
        ({"country": "VNM", "mapping": '{"nom": "Name"}'}, "mapping", "Unknown field(s): nom"),
    ],
)
def test_a_bad_import_request_is_refused_before_anything_is_recorded(researcher, fields, field, words):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exchange.models import ImportBatch

    upload = SimpleUploadedFile("api.csv", b"name,latitude,longitude\nHTX,21.0,105.8\n", content_type="text/csv")
    response = as_user(researcher).post("/api/v1/imports/", {"file": upload, **fields}, format="multipart")
    assert response.status_code == 400, response.content
    assert words in response.json()[field][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/entities/?country=XXX", "country"),
        ("/api/v1/entities/?family=nope", "family"),
        ("/api/v1/entities/?legal_form=nope", "legal_form"),
        ("/api/v1/entities/?sector=ZZ", "sector"),
        ("/api/v1/areas/?country=XXX", "country"),
    ],
)
def test_an_unknown_code_in_a_filter_is_refused_not_answered_with_nothing(entities, researcher, url, parameter):
    response = as_user(researcher).get(url)
    assert response.status_code == 400, response.content
    assert "Unknown code" in response.json()[parameter][0]


@pytest.mark.django_db
def test_known_codes_in_any_case_still_filter(entities, researcher):
    assert collection(as_user(researcher).get("/api/v1/entities/?country=vnm&family=cooperative&sector=a"))
    areas = as_user(researcher).get("/api/v1/areas/?country=vnm")
    assert areas.status_code == 200


@pytest.mark.django_db
def test_a_country_is_found_by_its_code_in_any_case(client):
    assert client.get("/api/v1/countries/vnm/").json()["iso3"] == "VNM"


@pytest.mark.django_db
def test_a_signed_in_user_is_held_to_the_user_rate(researcher, monkeypatch):
    from django.core.cache import caches
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1/minute", "user": "2/minute"})
    caches["throttle"].clear()
    token = Token.objects.create(user=researcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    codes = [client.get("/api/v1/countries/").status_code for _ in range(3)]
    caches["throttle"].clear()
    assert codes == [200, 200, 429]  # the user rate, not the anonymous one
