"""Small, known registries for the mapping tests: entities in three Vietnamese provinces and one at sea."""

import pytest
from django.contrib.gis.geos import Point

from registry.location import assign_admin_areas
from registry.models import Classification, Country, EntityFamily, LegalForm, WorkingDefinition
from tests.factories import EntityFactory

HANOI = (105.8542, 21.0285)
HO_CHI_MINH_CITY = (106.7009, 10.7769)
DA_NANG = (108.2022, 16.0544)
SOUTH_CHINA_SEA = (112.0, 12.0)  # in no province: counted as "in no area"


def make_entity(lonlat, **fields):
    return EntityFactory(point=Point(*lonlat, srid=4326), **fields)


@pytest.fixture
def viet_nam():
    return Country.objects.get(pk="VNM")


@pytest.fixture
def definition(viet_nam):
    return WorkingDefinition.objects.filter(country=viet_nam).order_by("version").first()


@pytest.fixture
def vn_registry(viet_nam, definition):
    """11 entities: 5 in Hà Nội, 3 in Hồ Chí Minh City, 2 in Đà Nẵng, 1 at sea; mixed families, statuses, sectors."""
    cooperative = EntityFamily.objects.get(code="cooperative")
    association = EntityFamily.objects.get(code="association")
    coop_form = LegalForm.objects.get(country=viet_nam, code="cooperative")
    entities = []
    for index in range(5):
        entities.append(
            make_entity(
                (HANOI[0] + index * 0.01, HANOI[1]),
                family=cooperative,
                legal_form=coop_form,
                status="active" if index < 4 else "dormant",
                sectors=["A"] if index % 2 == 0 else ["C"],
                members_total=20,
                members_women=12,
                members_men=8,
                contact_phone="+84 90 000 0000",
                contact_email="chair@example.vn",
            )
        )
    for index in range(3):
        entities.append(
            make_entity(
                (HO_CHI_MINH_CITY[0] + index * 0.01, HO_CHI_MINH_CITY[1]),
                family=association,
                status="active",
                sectors=["Q"],
                members_total=10,
            )
        )
    for index in range(2):
        entities.append(
            make_entity(
                (DA_NANG[0] + index * 0.01, DA_NANG[1]),
                family=cooperative,
                legal_form=coop_form,
                status="dissolved",
                members_total=5,
                members_women=5,
                members_men=0,
            )
        )
    entities.append(make_entity(SOUTH_CHINA_SEA, family=association, status="active"))
    assign_admin_areas(country=viet_nam)
    for entity in entities[:6]:
        Classification.objects.create(entity=entity, definition=definition, outcome="qualifies")
    for entity in entities[6:8]:
        Classification.objects.create(entity=entity, definition=definition, outcome="does_not_qualify")
    for entity in entities:
        entity.refresh_from_db()
    return entities
