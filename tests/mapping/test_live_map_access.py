"""Who gets the live map's data, request by request: sessions, roles and the statements one request costs.

The map data endpoint reads the session, the user with their roles and the
layer of a close view in one statement (mapping.sql.signed_in_points), checks
the sign-in as django.contrib.auth would, and keeps nothing about a user
between requests; anything it cannot prove goes the usual way (session, user,
then layer). These tests pin both down.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mapping import aggregation, sql
from registry.models import Country, CountryRole, UserSession
from registry.permissions import RoleLoadingBackend
from tests.factories import committee_member, user_with_role

pytestmark = pytest.mark.django_db

HANOI_VIEW = {"zoom": 14, "bbox": "105.7,20.9,106.0,21.2"}
LAYER = "/maps/VNM/entities.geojson"


def signed_in(username, password="pw"):  # noqa: S107 (the factories' test password)
    """A client signed in through the login page, as a person would be."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, "login failed"
    return client


def test_revoked_committee_member_is_refused_the_live_map_data_on_the_next_request(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    assert client.get(LAYER, HANOI_VIEW).status_code == 200
    CountryRole.objects.filter(user=member, country_id="VNM").delete()
    assert client.get(LAYER, HANOI_VIEW).status_code == 403


def test_role_granted_to_a_signed_in_user_opens_the_live_map_on_the_next_request(vn_registry):
    researcher = user_with_role(CountryRole.Role.RESEARCHER, "KHM")
    client = signed_in(researcher.username)
    assert client.get(LAYER, HANOI_VIEW).status_code == 403
    CountryRole.objects.create(user=researcher, country_id="VNM", role=CountryRole.Role.RESEARCHER)
    assert client.get(LAYER, HANOI_VIEW).json()["total"] == 5


def test_logging_out_ends_the_session_even_for_a_copy_of_its_cookie(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    stolen = Client()
    stolen.cookies = client.cookies.__class__(client.cookies)
    assert stolen.get(LAYER, HANOI_VIEW).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    response = stolen.get(LAYER, HANOI_VIEW)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_changing_the_password_ends_the_other_sessions(vn_registry):
    member = committee_member("VNM")
    laptop, phone = signed_in(member.username), signed_in(member.username)
    member.set_password("a-new-password")
    member.save()
    assert phone.get(LAYER, HANOI_VIEW).status_code == 302
    assert laptop.get(LAYER, HANOI_VIEW).status_code == 302


def test_deactivated_user_is_signed_out_on_the_next_request(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(LAYER, HANOI_VIEW).status_code == 302


def test_expired_session_is_anonymous(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    UserSession.objects.update(expire_date="2000-01-01T00:00Z")
    assert client.get(LAYER, HANOI_VIEW).status_code == 302


def _statements(client, params):
    client.get(LAYER, params)  # the process's country rows and compiled layer SQL are now in place
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LAYER, params)
    return response, [query["sql"] for query in queries.captured_queries]


def _prepared_text(statement):
    """The text of the prepared statement that `EXECUTE name (...)` runs on the test's connection."""
    name = re.match(r"EXECUTE (\w+)", statement).group(1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


def test_a_close_view_costs_one_statement_session_user_roles_and_points_together(vn_registry):
    client = signed_in(committee_member("VNM").username)
    response, statements = _statements(client, HANOI_VIEW)
    assert response.status_code == 200 and response.json()["mode"] == "points"
    assert response.json()["total"] == 5
    assert len(statements) == 1, statements
    prepared = _prepared_text(statements[0])
    assert all(table in prepared for table in ("registry_usersession", "registry_countryrole", "ST_MakeEnvelope"))
    assert "Cookie" in response["Vary"]


EVERY_FILTER = {
    "family": "cooperative",
    "legal_form": "cooperative",
    "sector": "A",
    "status": "active",
    "verification": "unverified",
    "outcome": "qualifies",
}


@pytest.mark.parametrize("filters", [{}, {"status": "active"}, EVERY_FILTER], ids=["none", "status", "every"])
def test_the_prepared_statement_answers_exactly_as_the_statement_sent_as_text(vn_registry, settings, filters):
    client = signed_in(committee_member("VNM").username)
    params = {**HANOI_VIEW, **filters}
    settings.MAP_PREPARED_STATEMENTS = False
    as_text, text_statements = _statements(client, params)
    settings.MAP_PREPARED_STATEMENTS = True
    client.get(LAYER, params)  # prepares (or finds) the statement on this connection
    # PostgreSQL plans a prepared statement itself for the first five runs: go past them to the generic plan.
    answers = [client.get(LAYER, params) for _ in range(7)]
    assert not text_statements[0].startswith("EXECUTE")
    expected = _by_id(as_text.json())
    # The same features, each exactly alike; their order is the plan's (a map draws no order).
    assert all(_by_id(answer.json()) == expected for answer in answers)
    assert as_text.json()["total"] == len(expected["features"]) > 0


def _by_id(layer):
    return {**layer, "features": sorted(layer["features"], key=lambda feature: feature["id"])}


def test_each_statement_is_prepared_once_per_connection(vn_registry):
    client = signed_in(committee_member("VNM").username)
    params = {**HANOI_VIEW, "status": ["active", "dormant", "unknown"]}  # a list of values: a statement of its own
    with CaptureQueriesContext(connection) as first:
        client.get(LAYER, params)
    with CaptureQueriesContext(connection) as second:
        client.get(LAYER, params)
    prepares = [query["sql"] for query in first.captured_queries if query["sql"].startswith("PREPARE")]
    assert len(prepares) == 1 and "force_generic_plan" in prepares[0]
    assert [query["sql"].split(" ")[0] for query in second.captured_queries] == ["EXECUTE"]


def test_past_the_limit_of_prepared_statements_a_view_is_sent_as_text(vn_registry, monkeypatch):
    monkeypatch.setattr(sql, "PREPARED_PER_CONNECTION", 0)
    client = signed_in(committee_member("VNM").username)
    response, statements = _statements(client, {**HANOI_VIEW, "sector": ["A", "C", "Q", "B"]})
    assert response.json()["total"] == 5
    assert len(statements) == 1 and "registry_usersession" in statements[0]


def test_placeholders_are_numbered_and_escaped_percent_signs_restored():
    statement = "SELECT * FROM t WHERE name LIKE '%%hợp tác%%' AND a = %s AND b IN (%s, %s)"
    assert sql._numbered_placeholders(statement) == (
        "SELECT * FROM t WHERE name LIKE '%hợp tác%' AND a = $1 AND b IN ($2, $3)"
    )


def test_a_close_view_with_too_many_points_is_clusters_after_the_same_statement(vn_registry, monkeypatch):
    monkeypatch.setattr(aggregation, "POINTS_MAX", 3)
    client = signed_in(committee_member("VNM").username)
    response, statements = _statements(client, HANOI_VIEW)
    body = response.json()
    assert body["mode"] == "clusters" and body["total"] == 5
    assert sum(feature["properties"]["count"] for feature in body["features"]) == 5
    assert len(statements) == 2, statements


def test_the_session_data_decides_whom_a_request_signs_in_not_the_user_column(vn_registry):
    """A session row whose user column names someone else (tampered, or stale) signs in nobody else."""
    outsider = user_with_role(CountryRole.Role.RESEARCHER, "KHM")
    client = signed_in(outsider.username)
    member = committee_member("VNM")
    UserSession.objects.filter(user=outsider).update(user=member)
    assert client.get(LAYER, HANOI_VIEW).status_code == 403


def test_sessions_name_their_user_and_go_when_the_user_is_deleted(vn_registry):
    member = committee_member("VNM")
    signed_in(member.username)
    assert UserSession.objects.filter(user=member).count() == 1
    member.delete()
    assert not UserSession.objects.exists()


def test_a_session_made_under_an_old_secret_still_opens_the_map_through_django(vn_registry, settings):
    """A rotated SECRET_KEY (the old one in SECRET_KEY_FALLBACKS): django.contrib.auth re-keys the session."""
    client = signed_in(committee_member("VNM").username)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"  # noqa: S105
    assert client.get(LAYER, HANOI_VIEW).json()["total"] == 5
    response, statements = _statements(client, HANOI_VIEW)
    assert response.json()["total"] == 5 and len(statements) == 1, "re-keyed: the next request is quick again"


def test_a_far_view_reads_session_and_user_as_usual(vn_registry):
    client = signed_in(committee_member("VNM").username)
    response, statements = _statements(client, {"zoom": 5})
    assert response.json()["mode"] == "areas"
    assert "registry_usersession" in statements[0] and "registry_countryrole" in statements[1]


def test_backend_loads_the_same_user_as_the_orm_with_its_roles():
    user = user_with_role(CountryRole.Role.RESEARCHER, "VNM", first_name="Lan", email="lan@example.vn")
    CountryRole.objects.create(user=user, country_id="KHM", role=CountryRole.Role.COMMITTEE)
    loaded = RoleLoadingBackend().get_user(str(user.pk))
    expected = get_user_model().objects.get(pk=user.pk)
    for field in get_user_model()._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert sorted(loaded._country_roles_cache) == [("committee", "KHM"), ("researcher", "VNM")]
    assert RoleLoadingBackend().get_user("not-a-number") is None
    assert RoleLoadingBackend().get_user(str(user.pk + 1000)) is None


def test_renamed_country_shows_its_new_name_at_once(client):
    client.force_login(user_with_role(CountryRole.Role.COOP))
    assert "Viet Nam (renamed)" not in client.get("/maps/VNM/").content.decode()
    viet_nam = Country.objects.get(pk="VNM")
    viet_nam.name = "Viet Nam (renamed)"
    viet_nam.save(update_fields=["name"])
    assert "Viet Nam (renamed)" in client.get("/maps/VNM/").content.decode()


def test_unknown_country_is_404(client):
    client.force_login(user_with_role(CountryRole.Role.COOP))
    assert client.get("/maps/XYZ/entities.geojson", {"zoom": 3}).status_code == 404


def test_point_features_carry_any_name_exactly(vn_registry):
    """Point features are put together as text in the database (mapping.sql._POINTS): nothing may break them."""
    from tests.mapping.conftest import HANOI, make_entity

    awkward = 'Hợp tác xã "Đoàn Kết" \\ <script>alert(1)</script>\n\ttab, ສະຫະກອນ, សហករណ៍, 🌾'
    entity = make_entity((HANOI[0] + 0.002, HANOI[1] + 0.002), name=awkward, name_local="")
    client = signed_in(committee_member("VNM").username)
    layer = client.get(LAYER, HANOI_VIEW).json()
    features = {feature["id"]: feature for feature in layer["features"]}
    assert layer["total"] == 6 and len(features) == 6
    feature = features[str(entity.pk)]
    assert feature["properties"]["name"] == awkward and feature["properties"]["name_local"] == ""
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [round(HANOI[0] + 0.002, 6), round(HANOI[1] + 0.002, 6)],
    }
