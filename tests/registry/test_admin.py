"""The Django admin obeys the same rules and saves through the same entity service (history included)."""

import pytest
from django.urls import reverse

from registry.models import Entity, EntityFamily
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db


def admin_data(entity=None, **extra):
    data = {
        "country": "VNM",
        "name": "Hợp tác xã Admin",
        "family": EntityFamily.objects.get(code="cooperative").pk,
        "status": "active",
        "location_precision": "exact",
        "source": "field_visit",
        "verification": "unverified",
        "sectors": "",
        "point": '{"type": "Point", "coordinates": [105.8542, 21.0285]}',
        "version_seen": entity.version if entity else "",
    }
    data.update(extra)
    return data


@pytest.fixture
def staff_researcher(client):
    user = user_with_role("researcher", "VNM", is_staff=True)
    client.force_login(user)
    return user


def test_admin_change_goes_through_the_service_and_writes_history(client, staff_researcher):
    entity = EntityFactory()
    response = client.post(reverse("admin:registry_entity_change", args=[entity.pk]), admin_data(entity))
    assert response.status_code == 302, response.content.decode()[:2000]
    entity.refresh_from_db()
    assert entity.name == "Hợp tác xã Admin" and entity.version == 2
    latest = entity.history.first()
    assert latest.history_user == staff_researcher and latest.history_change_reason == "admin"


def test_admin_add_allocates_number_and_area(client, staff_researcher):
    response = client.post(reverse("admin:registry_entity_add"), admin_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    entity = Entity.objects.get(name="Hợp tác xã Admin")
    assert entity.registry_number.startswith("VNM-") and entity.admin_area is not None
    assert entity.history.get().history_user == staff_researcher


def test_admin_shows_the_service_refusal_on_the_field(client, staff_researcher):
    response = client.post(
        reverse("admin:registry_entity_add"),
        admin_data(point='{"type": "Point", "coordinates": [104.9282, 11.5564]}'),
    )
    assert response.status_code == 200 and "km outside" in response.content.decode()
    assert not Entity.objects.exists()


def test_admin_refuses_a_stale_version(client, staff_researcher):
    entity = EntityFactory()
    url = reverse("admin:registry_entity_change", args=[entity.pk])
    client.post(url, admin_data(entity, name="First"))
    response = client.post(url, admin_data(entity, name="Second", version_seen=1))
    assert response.status_code == 200 and "NOT saved" in response.content.decode()
    entity.refresh_from_db()
    assert entity.name == "First"


def test_admin_researcher_of_khm_cannot_change_or_see_vnm_entities(client):
    client.force_login(user_with_role("researcher", "KHM", is_staff=True))
    entity = EntityFactory()
    response = client.post(reverse("admin:registry_entity_change", args=[entity.pk]), admin_data(entity))
    assert response.status_code in (302, 403, 404)
    entity.refresh_from_db()
    assert entity.version == 1
    assert entity.registry_number not in client.get(reverse("admin:registry_entity_changelist")).content.decode()
