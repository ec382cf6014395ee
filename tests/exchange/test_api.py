"""REST API v1: every endpoint, its permissions and refusals, the schema."""

import orjson
import pytest
from django.contrib.gis.geos import Point
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import Entity
from tests.factories import EntityFactory


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
    assert "/api/v1/entities/" in schema["paths"]


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower() and "unpkg" not in html and "jsdelivr" not in html


@pytest.mark.django_db
def test_countries_and_areas_are_public(client):
    assert {c["iso3"] for c in client.get("/api/v1/countries/").json()["results"]} == {
        "KHM",
        "KGZ",
        "MNG",
        "THA",
        "VNM",
    }
    assert client.get("/api/v1/countries/VNM/").json()["name"] == "Vietnam"
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
def test_anonymous_sees_no_unpublished_entities_and_no_contacts(client, entities):
    body = orjson.loads(client.get("/api/v1/entities/").content)
    assert body["count"] == 0
    assert client.get(f"/api/v1/entities/{entities[0].pk}/").status_code == 404


@pytest.mark.django_db
def test_entity_filters_bbox_and_pagination(entities, researcher):
    api = as_user(researcher)
    body = orjson.loads(api.get("/api/v1/entities/?in_bbox=105,20,107,22").content)
    assert [f["properties"]["name"] for f in body["features"]] == ["HTX Hà Nội"]
    assert orjson.loads(api.get("/api/v1/entities/?q=sài").content)["count"] == 1
    page = orjson.loads(api.get("/api/v1/entities/?limit=1").content)
    assert len(page["features"]) == 1 and page["next"]
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
