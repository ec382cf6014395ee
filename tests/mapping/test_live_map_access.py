"""Who gets the live map's data, request by request: sessions, roles and the statements one request costs.

The map data endpoint reads the session and the user with their roles in
cheap statements (config.sessions, registry.permissions.RoleLoadingBackend)
and keeps nothing about a user between requests: these tests pin that down.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import Country, CountryRole
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
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date="2000-01-01T00:00Z")
    assert client.get(LAYER, HANOI_VIEW).status_code == 302


def test_live_map_data_costs_three_statements_session_user_with_roles_and_the_layer(vn_registry):
    client = signed_in(committee_member("VNM").username)
    client.get(LAYER, HANOI_VIEW)  # the process's country rows and compiled layer SQL are now in place
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LAYER, HANOI_VIEW)
    assert response.json()["mode"] == "points"
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 3, statements
    assert "django_session" in statements[0] and "registry_countryrole" in statements[1]


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
