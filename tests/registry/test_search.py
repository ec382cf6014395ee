"""Search across scripts ignoring diacritics, and the duplicate warning."""

import pytest
from django.contrib.gis.geos import Point

from registry.models import Entity
from registry.services import likely_duplicates
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_search_ignores_diacritics_and_case():
    hoi_an = EntityFactory(name="Hợp tác xã Nông nghiệp Hội An")
    EntityFactory(name="Hợp tác xã Đà Nẵng")
    assert list(Entity.objects.search("Hoi An")) == [hoi_an]
    assert list(Entity.objects.search("hội an")) == [hoi_an]
    assert Entity.objects.search("da nang").count() == 1


def test_search_finds_khmer_thai_and_cyrillic_names():
    khmer = EntityFactory(country_id="KHM", name="Srov Takeo", name_local="សហគមន៍កសិកម្ម ស្រូវ តាកែវ",
                          point=Point(104.785, 10.99, srid=4326))  # fmt: skip
    thai = EntityFactory(country_id="THA", name="Sahakon Chiang Mai", name_local="สหกรณ์การเกษตรเชียงใหม่",
                         point=Point(98.98, 18.79, srid=4326))  # fmt: skip
    mongolian = EntityFactory(country_id="MNG", name="Kharkhorin", name_local="Хархорин малчдын хоршоо",
                              point=Point(102.82, 47.2, srid=4326))  # fmt: skip
    assert list(Entity.objects.search("ស្រូវ")) == [khmer]
    assert list(Entity.objects.search("เชียงใหม่")) == [thai]
    assert list(Entity.objects.search("МАЛЧДЫН")) == [mongolian]


def test_search_by_registry_number():
    entity = EntityFactory()
    assert list(Entity.objects.search(entity.registry_number.lower())) == [entity]


def test_duplicate_warning_finds_a_similar_name_nearby_only():
    near = EntityFactory(name="Hợp tác xã Nông nghiệp Hội An", point=Point(108.338, 15.880, srid=4326))
    EntityFactory(name="Hợp tác xã Nông nghiệp Hội An", point=Point(105.85, 21.03, srid=4326))  # far away
    EntityFactory(name="Quỹ tín dụng Cẩm Hà", point=Point(108.339, 15.881, srid=4326))  # near, other name
    found = likely_duplicates("HTX Nong nghiep Hoi An", Point(108.3385, 15.8805, srid=4326), "VNM", distance_m=2000)
    assert [entity for entity, _, _ in found] == [near]
    assert found[0][2] < 200
    assert likely_duplicates("Nong nghiep Hoi An", Point(108.3385, 15.8805, srid=4326), "VNM", exclude=near) == []
