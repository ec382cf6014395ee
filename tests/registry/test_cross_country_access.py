"""Another country's registry stays out of reach of the entity form's duplicate warnings."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from registry.models import EntityFamily
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db

HUE = '{"type": "Point", "coordinates": [107.5337, 16.3047]}'


@pytest.fixture
def vnm_entity():
    return EntityFactory(
        name="Hợp tác xã Tín dụng Huế", point=Point(107.5337, 16.3047, srid=4326), contact_phone="+84 912 345 678"
    )


def khm_form_data(**extra):
    """The entity form as a Cambodian researcher fills it in, with a point typed in Viet Nam."""
    return {
        "country": "KHM",
        "name": "Hop tac xa Tin dung Hue",
        "family": EntityFamily.objects.get(code="cooperative").pk,
        "status": "active",
        "location_precision": "exact",
        "source": "survey",
        "verification": "unverified",
        "point": HUE,
        **extra,
    }


def test_entity_form_does_not_list_another_countrys_entities_as_duplicates(client, vnm_entity):
    client.force_login(user_with_role("researcher", "KHM"))
    response = client.post(reverse("registry:entity-create"), khm_form_data())
    content = response.content.decode()
    assert response.status_code == 200
    assert vnm_entity.registry_number not in content
    assert str(vnm_entity.pk) not in content
    assert "Tín dụng Huế" not in content


def test_entity_form_still_lists_duplicates_in_the_entitys_own_country(client, vnm_entity):
    client.force_login(user_with_role("researcher", "VNM"))
    response = client.post(reverse("registry:entity-create"), khm_form_data(country="VNM"))
    assert response.status_code == 200
    assert vnm_entity.get_absolute_url() in response.content.decode()
