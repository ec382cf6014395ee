"""Legislation tests: users by role. The shipped reference data (provisions, instruments, reform processes)
is loaded once per session by tests/conftest.py."""

import pytest

from registry.models import CountryRole
from tests.factories import user_with_role


@pytest.fixture(autouse=True)
def _database(db):
    """Every legislation test reads the reference data in the database."""


@pytest.fixture
def coop(db):
    return user_with_role(CountryRole.Role.COOP)


@pytest.fixture
def committee(db):
    return user_with_role(CountryRole.Role.COMMITTEE, "VNM")


@pytest.fixture
def researcher(db):
    return user_with_role(CountryRole.Role.RESEARCHER, "THA")


@pytest.fixture
def client_as(client):
    """A test client logged in as the given user."""

    def log_in(user):
        client.force_login(user)
        return client

    return log_in
