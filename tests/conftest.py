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


@pytest.fixture
def lonlat():
    """Build a SRID-4326 point from (longitude, latitude): the order is explicit at every call."""

    def make(lon, lat):
        return Point(lon, lat, srid=4326)

    return make


BEFORE_VN_REORGANIZATION = datetime.date(2025, 6, 30)
AFTER_VN_REORGANIZATION = datetime.date(2025, 7, 1)
