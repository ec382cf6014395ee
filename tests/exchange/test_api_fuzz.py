"""REST API v1 under hostile or careless input: each case here was a 500, a silent loss or a wrong answer.

Found by running schemathesis against /api/v1/schema/ as each role, and by hand; each test sends what such
a client sent and checks what the client gets back (status, the field named, the reason).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from exchange.models import ImportBatch
from registry.models import Entity

CSV = b"name,family,latitude,longitude\nHTX API,cooperative,21.0285,105.8542\n"
DEPTH = 100_000  # far past the ~1,000 levels Python's json module reads


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def nested(depth=DEPTH):
    return "[" * depth + "]" * depth


@pytest.mark.django_db
def test_a_json_body_nested_too_deep_is_a_400_not_a_500(researcher):
    api = as_user(researcher)
    body = '{"country": "VNM", "name": "X", "sectors": ' + nested() + "}"
    response = api.generic("POST", "/api/v1/entities/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not Entity.objects.exists()


@pytest.mark.django_db
def test_an_import_mapping_nested_too_deep_is_refused_naming_mapping(researcher):
    upload = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    response = as_user(researcher).post(
        "/api/v1/imports/", {"file": upload, "country": "VNM", "mapping": nested()}, format="multipart"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["mapping"][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_an_import_mapping_naming_a_column_with_a_nul_character_is_refused_not_a_500(researcher):
    # PostgreSQL's jsonb, where the batch keeps its mapping, cannot hold \u0000.
    upload = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    mapping = json.dumps({"name": "na\x00me"})
    response = as_user(researcher).post(
        "/api/v1/imports/", {"file": upload, "country": "VNM", "mapping": mapping}, format="multipart"
    )
    assert response.status_code == 400
    message = response.json()["mapping"][0]
    assert "NUL" in message and "name" in message
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_refused_point_is_reported_under_latitude_and_longitude_the_fields_the_client_sent(researcher):
    # The service refuses the model's `point`; the API has no such field.
    payload = {"country": "VNM", "name": "X", "family": "cooperative", "latitude": 13.75, "longitude": 100.5}
    outside = as_user(researcher).post("/api/v1/entities/", payload, format="json")
    assert outside.status_code == 400
    assert set(outside.json()) == {"latitude", "longitude"}
    assert "outside" in outside.json()["latitude"][0]
    swapped = as_user(researcher).post(
        "/api/v1/entities/", {**payload, "latitude": 105.85, "longitude": 21.03}, format="json"
    )
    assert swapped.status_code == 400 and "swapped" in swapped.json()["longitude"][0]
    assert not Entity.objects.exists()


@pytest.fixture
def hanoi(db):
    from django.contrib.gis.geos import Point

    from tests.factories import EntityFactory

    return EntityFactory(name="HTX Hà Nội", address="12 Hàng Bạc", point=Point(105.8542, 21.0285, srid=4326))


@pytest.mark.django_db
def test_a_misspelt_field_is_refused_by_name_not_dropped_with_a_200(researcher, hanoi):
    api = as_user(researcher)
    url = f"/api/v1/entities/{hanoi.pk}/"
    patched = api.patch(url, {"members_totl": 40, "version": hanoi.version}, format="json")
    assert patched.status_code == 400
    assert set(patched.json()) == {"members_totl"} and "members_total" in patched.json()["members_totl"][0]
    # A PUT with a misspelt field would have reset the real one (the address) and answered 200.
    body = api.get(url).json()
    del body["address"]
    replaced = api.put(url, {**body, "adress": "12 Hàng Bạc, Hà Nội"}, format="json")
    assert replaced.status_code == 400 and set(replaced.json()) == {"adress"}
    hanoi.refresh_from_db()
    assert (hanoi.address, hanoi.members_total, hanoi.version) == ("12 Hàng Bạc", None, body["version"])


@pytest.mark.django_db
def test_what_a_get_gives_can_be_sent_back_with_put(researcher, hanoi):
    api = as_user(researcher)
    url = f"/api/v1/entities/{hanoi.pk}/"
    body = api.get(url).json()
    assert body["legal_form"] is None
    replaced = api.put(url, {**body, "name": "HTX Hà Nội mới", "registry_number": "VNM-999999"}, format="json")
    assert replaced.status_code == 200, replaced.content
    hanoi.refresh_from_db()
    # The registry number and the area are the registry's: sent back, they are ignored. No legal form reads
    # as null, and null is taken back as none (it was refused: "This field may not be null").
    assert (hanoi.name, hanoi.address) == ("HTX Hà Nội mới", "12 Hàng Bạc")
    assert (hanoi.registry_number, hanoi.legal_form) == (body["registry_number"], None)


@pytest.mark.django_db
def test_the_schema_says_which_page_parameters_are_refused(client):
    # schemathesis, trusting the schema, sent limit=0 to every list and got the (right) 400.
    from exchange.pagination import MAX_OFFSET

    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    lists = [
        (path, operation["get"]["parameters"])
        for path, operation in paths.items()
        if "get" in operation and any(p["name"] == "limit" for p in operation["get"].get("parameters", []))
    ]
    assert {"/api/v1/countries/", "/api/v1/entities/", "/api/v1/map-editions/{id}/entities/"} <= {p for p, _ in lists}
    for path, parameters in lists:
        schemas = {parameter["name"]: parameter["schema"] for parameter in parameters}
        assert schemas["limit"]["minimum"] == 1, path
        assert (schemas["offset"]["minimum"], schemas["offset"]["maximum"]) == (0, MAX_OFFSET), path
    for query in ("limit=0", f"offset={MAX_OFFSET + 1}"):
        assert client.get(f"/api/v1/countries/?{query}").status_code == 400


@pytest.mark.django_db
def test_creating_an_entity_names_every_required_field_missing_as_the_schema_does(client, researcher):
    # The schema said every field of POST was optional; the server named only the country, then the next one.
    required = {"country", "name", "family", "latitude", "longitude"}
    schema = client.get("/api/v1/schema/?format=json").json()
    body = schema["paths"]["/api/v1/entities/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert set(component["required"]) == required
    put = schema["paths"]["/api/v1/entities/{id}/"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["components"]["schemas"][put["$ref"].rsplit("/", 1)[1]]["required"]) == required | {"version"}
    response = as_user(researcher).post("/api/v1/entities/", {}, format="json")
    assert response.status_code == 400 and set(response.json()) == required
    assert not Entity.objects.exists()


@pytest.mark.django_db
def test_a_refused_list_item_is_answered_as_the_schema_describes_a_refusal(client, researcher):
    # {"sectors": {"0": [...]}} did not match the documented ValidationErrors (strings or lists of strings).
    import jsonschema

    schema = client.get("/api/v1/schema/?format=json").json()["components"]["schemas"]["ValidationErrors"]
    payload = {"country": "VNM", "name": "X", "family": "cooperative", "latitude": 21.03, "longitude": 105.85}
    response = as_user(researcher).post("/api/v1/entities/", {**payload, "sectors": ["AB"]}, format="json")
    assert response.status_code == 400 and "0" in response.json()["sectors"]
    jsonschema.validate(response.json(), schema)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ["reform-processes", "definitions", "instruments", "areas"])
def test_every_country_filter_reads_any_case_and_refuses_an_unknown_code(researcher, endpoint):
    # ?country=XXX on reform processes was an empty 200 ("no reform"); ?country=vnm on definitions and
    # instruments was a 400 "Select a valid choice", while entities and areas took it.
    client = as_user(researcher)  # reads the draft definitions of Viet Nam
    upper = client.get(f"/api/v1/{endpoint}/?country=VNM&limit=1000").json()
    lower = client.get(f"/api/v1/{endpoint}/?country=vnm&limit=1000").json()
    assert upper["count"] > 0 and lower == upper
    assert {row["country"] for row in upper["results"]} == {"VNM"}
    unknown = client.get(f"/api/v1/{endpoint}/?country=XXX")
    assert unknown.status_code == 400
    assert "Unknown code 'XXX'" in unknown.json()["country"][0] and "VNM" in unknown.json()["country"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing/", "/api/v1/map-editions/1.5/", "/api/v1/countries/V%16N/", "/api/v1/imports/0.5/rows/"],
)
def test_a_path_naming_no_resource_is_a_json_404_as_documented(client, path):
    # Ids of the wrong shape for the route (schemathesis sent floats) got the site's HTML 404 page.
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and "Not found" in response.json()["detail"]


@pytest.mark.django_db
def test_a_list_without_its_trailing_slash_is_still_redirected_to_it(client):
    response = client.get("/api/v1/countries")
    assert response.status_code == 301 and response["Location"].endswith("/api/v1/countries/")


@pytest.mark.django_db
def test_a_post_to_a_path_naming_no_resource_is_the_same_json_404(researcher):
    from django.test import Client

    session = Client(enforce_csrf_checks=True)
    session.force_login(researcher)
    response = session.post("/api/v1/nothing/", {"a": "b"})
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_an_import_encoding_name_longer_than_any_is_refused_not_a_500(researcher):
    upload = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    response = as_user(researcher).post(
        "/api/v1/imports/", {"file": upload, "country": "VNM", "encoding": "x" * 31}, format="multipart"
    )
    assert response.status_code == 400
    assert "30 characters" in response.json()["encoding"][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_the_schema_lists_the_outcomes_an_import_row_filter_takes(client):
    # Documented as any string, so a client built from the schema sent "" or "done" and got a 400.
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]
    parameters = paths["/api/v1/imports/{id}/rows/"]["get"]["parameters"]
    outcome = next(parameter for parameter in parameters if parameter["name"] == "outcome")
    assert set(outcome["schema"]["enum"]) == {"imported", "updated", "unchanged", "held", "rejected"}


@pytest.mark.django_db
def test_a_level_or_area_id_that_is_not_a_whole_number_is_refused_not_rounded(client, researcher):
    # ?level=1.5 was answered with the provinces (level 1), as if it had been asked for.
    level = client.get("/api/v1/areas/?level=1.5")
    assert level.status_code == 400 and "whole number" in level.json()["level"][0]
    assert client.get("/api/v1/areas/?level=2").status_code == 200
    area = as_user(researcher).get("/api/v1/entities/?admin_area=12.5")
    assert area.status_code == 400 and "whole number" in area.json()["admin_area"][0]
    parameters = client.get("/api/v1/schema/?format=json").json()["paths"]["/api/v1/entities/"]["get"]["parameters"]
    assert next(p for p in parameters if p["name"] == "admin_area")["schema"]["type"] == "integer"


@pytest.mark.django_db
def test_is_demo_takes_true_or_false_and_refuses_anything_else(client):
    from legislation.models import ReformProcess

    every = client.get("/api/v1/reform-processes/").json()["count"]
    demo = ReformProcess.objects.filter(is_demo=True).count()
    assert client.get("/api/v1/reform-processes/?is_demo=true").json()["count"] == demo
    assert client.get("/api/v1/reform-processes/?is_demo=False").json()["count"] == every - demo
    # "maybe" was read as no filter: every process, as if that had been asked for.
    refused = client.get("/api/v1/reform-processes/?is_demo=maybe")
    assert refused.status_code == 400 and "true or false" in refused.json()["is_demo"][0]
    parameters = client.get("/api/v1/schema/?format=json").json()["paths"]["/api/v1/reform-processes/"]["get"]
    assert next(p for p in parameters["parameters"] if p["name"] == "is_demo")["schema"]["type"] == "boolean"


@pytest.mark.django_db
def test_a_body_larger_than_the_api_reads_is_refused_in_json_not_with_the_html_error_page(researcher, hanoi, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
    body = json.dumps({"sectors": ["A"] * 500_000, "version": hanoi.version})  # 3 MB
    response = as_user(researcher).generic(
        "PATCH", f"/api/v1/entities/{hanoi.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "larger than the 2 MB" in response.json()["detail"]
    hanoi.refresh_from_db()
    assert hanoi.sectors == []


@pytest.mark.django_db
def test_too_many_query_parameters_are_refused_in_json(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    response = client.get("/api/v1/countries/?" + "&".join(f"p{n}=1" for n in range(101)))
    assert response.status_code == 413 and "too many fields" in response.json()["detail"]
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "413" in schema["paths"]["/api/v1/entities/"]["post"]["responses"]


@pytest.mark.django_db
def test_an_upload_with_a_misspelt_option_is_refused_not_imported_for_real(researcher):
    upload = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    response = as_user(researcher).post(
        "/api/v1/imports/", {"file": upload, "country": "VNM", "dryrun": "true"}, format="multipart"
    )
    assert response.status_code == 400 and set(response.json()) == {"dryrun"}
    assert "dry_run" in response.json()["dryrun"][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('"status": "\\ud800"', "'status'"),  # DRF's refusal quoted it back: the response could not be encoded
        ('"x\\udfff": 1', "the key 'x\\\\udfff'"),
        ('"sectors": ["\\ud800"]', "'sectors'"),
    ],
)
def test_a_json_lone_surrogate_is_refused_naming_where_not_a_500(researcher, body, where):
    payload = '{"country": "VNM", "name": "X", "family": "cooperative", "latitude": 21.03, "longitude": 105.85, '
    response = as_user(researcher).generic(
        "POST", "/api/v1/entities/", payload + body + "}", content_type="application/json"
    )
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert "lone surrogate" in detail and where in detail, detail
    assert not Entity.objects.exists()


@pytest.mark.django_db
def test_an_import_mapping_with_a_lone_surrogate_is_refused_naming_mapping(researcher):
    upload = SimpleUploadedFile("a.csv", CSV, content_type="text/csv")
    response = as_user(researcher).post(
        "/api/v1/imports/", {"file": upload, "country": "VNM", "mapping": '{"nam\\ud800e": "x"}'}, format="multipart"
    )
    assert response.status_code == 400 and "lone surrogate" in response.json()["mapping"][0]
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_a_token_holding_a_nul_character_is_refused_as_invalid_not_a_500(researcher):
    from rest_framework.authtoken.models import Token

    Token.objects.create(user=researcher)
    client = APIClient()
    response = client.get("/api/v1/entities/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "tokenAuth" in schema["components"]["securitySchemes"]  # still documented for clients
