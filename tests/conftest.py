"""Fixtures shared by every test: a real PostGIS test database with the boundaries loaded once."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped boundaries and the registry and legislation reference data once per session.

    Tests run in transactions on top.
    """
    with django_db_blocker.unblock():
        call_command("load_boundaries", verbosity=0)
        call_command("load_registry_reference", verbosity=0)
        call_command("load_legislation_reference", verbosity=0)


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Each test starts in English, as a command or a fresh worker thread does.

    Django leaves the language of the last request a test client sent active in the thread; messages
    written outside a request (services, the importer) would then come out in that language.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def lonlat():
    """Build a SRID-4326 point from (longitude, latitude): the order is explicit at every call."""

    def make(lon, lat):
        return Point(lon, lat, srid=4326)

    return make


BEFORE_VN_REORGANIZATION = datetime.date(2025, 6, 30)
AFTER_VN_REORGANIZATION = datetime.date(2025, 7, 1)
