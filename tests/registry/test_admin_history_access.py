"""The admin's history pages follow the same country rules as its change pages."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from registry.models import Classification, WorkingDefinition
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def vnm_classification():
    vnm_entity = EntityFactory(point=Point(107.5337, 16.3047, srid=4326))
    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    return Classification.objects.create(
        entity=vnm_entity, definition=definition, outcome="undetermined", note="Evidence only Viet Nam may read"
    )


@pytest.fixture
def khm_staff_client(client):
    client.force_login(user_with_role("researcher", "KHM", is_staff=True))
    return client


def test_admin_history_of_another_countrys_classification_is_refused(khm_staff_client, vnm_classification):
    version = vnm_classification.history.first().history_id
    for name, args in [
        ("admin:registry_classification_history", [vnm_classification.pk]),
        ("admin:registry_classification_simple_history", [vnm_classification.pk, version]),
    ]:
        response = khm_staff_client.get(reverse(name, args=args))
        assert response.status_code == 403, name
        assert "Evidence only Viet Nam may read" not in response.content.decode()


def test_admin_history_of_another_countrys_definition_is_refused(khm_staff_client, vnm_classification):
    definition = vnm_classification.definition
    version = definition.history.first().history_id
    for name, args in [
        ("admin:registry_workingdefinition_history", [definition.pk]),
        ("admin:registry_workingdefinition_simple_history", [definition.pk, version]),
    ]:
        assert khm_staff_client.get(reverse(name, args=args)).status_code == 403, name


def test_admin_history_of_an_own_countrys_classification_is_shown(client, vnm_classification):
    client.force_login(user_with_role("researcher", "VNM", is_staff=True))
    response = client.get(reverse("admin:registry_classification_history", args=[vnm_classification.pk]))
    assert response.status_code == 200


def test_a_reader_cannot_revert_a_definition_by_posting_to_its_history_page(client, vnm_classification):
    """The history page hides its Revert button from readers, but django-simple-history saved what was posted."""
    definition = vnm_classification.definition
    version = definition.history.first().history_id
    original_title = definition.title
    client.force_login(user_with_role("researcher", "VNM", is_staff=True))
    url = reverse("admin:registry_workingdefinition_simple_history", args=[definition.pk, version])
    assert client.get(url).status_code == 200  # reading the old version stays open to readers
    response = client.post(url, {"title": "Changed by a reader", "country": "VNM", "version": definition.version})
    assert response.status_code == 403
    definition.refresh_from_db()
    assert definition.title == original_title
