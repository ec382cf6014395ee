"""Passwords cannot be tried one after another: failed sign-ins are counted per user name and address."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from registry import signin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long and correct password"  # noqa: S105


@pytest.fixture
def member():
    user = UserFactory(username="committee-khm", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, password, address="203.0.113.5", url=None):
    return client.post(
        url or reverse("login"), {"username": "committee-khm", "password": password}, REMOTE_ADDR=address
    )


def fail_until_refused(client, address="203.0.113.5"):
    for _ in range(signin.MAX_FAILURES_FROM_ADDRESS):
        assert sign_in(client, "wrong guess", address).status_code == 200


def test_the_right_password_is_refused_after_too_many_failures_from_one_address(client, member):
    fail_until_refused(client)
    response = sign_in(client, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins with this user name" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_admin_sign_in_is_refused_too(client, member):
    fail_until_refused(client)
    response = sign_in(client, PASSWORD, url=reverse("admin:login"))
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_another_address_still_signs_in(client, member):
    fail_until_refused(client)
    assert sign_in(client, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_few_failures_then_the_right_password_sign_in(client, member):
    for _ in range(signin.MAX_FAILURES_FROM_ADDRESS - 1):
        sign_in(client, "wrong guess")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    # The success cleared this address's count: a slip afterwards does not lock the name.
    sign_in(client, "wrong guess")
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_user_name_tried_from_many_addresses_is_refused_everywhere(client, member):
    for attempt in range(signin.MAX_FAILURES_FOR_NAME):
        sign_in(client, "wrong guess", address=f"192.0.2.{attempt + 1}")
    response = sign_in(client, PASSWORD, address="198.51.100.7")
    assert response.status_code == 200 and SESSION_KEY not in client.session
