"""The synthetic demo registry: realistic, complete, marked as demo, deterministic, bulk-written."""

import datetime

import pytest
from django.core.management import call_command

from registry.demo import dataset_key, ensure_demo_entities, generate_demo_entities
from registry.location import assign_admin_areas
from registry.models import Entity
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_every_demo_entity_is_marked_placed_numbered_and_has_history():
    report = generate_demo_entities(400, seed=7)
    assert report.created == 400
    demo = Entity.objects.filter(is_demo=True)
    assert demo.count() == 400
    assert not demo.exclude(source=Entity.Source.DEMO).exists()
    assert not demo.exclude(source_reference=dataset_key(400, 7)).exists()
    assert not demo.filter(admin_area__isnull=True).exists()
    assert set(demo.values_list("country_id", flat=True)) == {"VNM", "THA", "KHM", "MNG", "KGZ"}
    assert demo.filter(country_id="VNM").order_by("registry_number").first().registry_number == "VNM-000001"
    assert Entity.history.filter(is_demo=True, history_type="+").count() == 400


def test_demo_areas_follow_the_same_rule_as_area_derivation():
    generate_demo_entities(300, seed=3)
    assert assign_admin_areas() == 0


def test_demo_names_are_in_local_script_with_romanized_forms():
    generate_demo_entities(300, seed=3)
    thai = Entity.objects.filter(country_id="THA").first()
    assert any("\u0e00" <= char <= "\u0e7f" for char in thai.name_local)
    assert thai.name_romanized.isascii()
    khmer = Entity.objects.filter(country_id="KHM").first()
    assert any("\u1780" <= char <= "\u17ff" for char in khmer.name_local)
    mongolian = Entity.objects.filter(country_id="MNG").first()
    assert any("\u0400" <= char <= "\u04ff" for char in mongolian.name_local)


def test_members_by_sex_add_up_where_known():
    generate_demo_entities(300, seed=3)
    for entity in Entity.objects.filter(members_women__isnull=False)[:100]:
        assert entity.members_women + entity.members_men == entity.members_total


def test_same_seed_gives_the_same_entities():
    generate_demo_entities(50, seed=11)
    first = list(Entity.objects.order_by("registry_number").values_list("id", "name", "point"))
    generate_demo_entities(50, seed=11)
    assert list(Entity.objects.order_by("registry_number").values_list("id", "name", "point")) == first


def test_ensure_skips_when_dataset_present_and_never_touches_real_entities():
    real = EntityFactory()
    generate_demo_entities(60, seed=2)
    assert ensure_demo_entities(60, seed=2).skipped
    report = ensure_demo_entities(80, seed=2)
    assert not report.skipped and report.removed == 60
    assert Entity.objects.filter(is_demo=True).count() == 80
    assert Entity.objects.filter(pk=real.pk).exists()


def test_command_reports_what_it_wrote(capsys):
    call_command("generate_demo_entities", count=20, seed=5, verbosity=1)
    assert "20 synthetic demo entities written" in capsys.readouterr().out


def test_numbers_of_deleted_real_entities_are_never_handed_out_again():
    real = EntityFactory()
    number = real.registry_number
    real.delete()
    generate_demo_entities(30, seed=1)
    assert not Entity.objects.filter(registry_number=number).exists()


def test_large_loads_put_every_foreign_key_and_index_back(monkeypatch):
    from django.db import connection

    from registry import demo, sql

    def foreign_keys():
        with connection.cursor() as cursor:
            cursor.execute(sql.ENTITY_FOREIGN_KEYS)
            return cursor.fetchall()

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(sql.ENTITY_SECONDARY_INDEXES)
            return cursor.fetchall()

    before, indexes_before = foreign_keys(), indexes()
    monkeypatch.setattr(demo, "BULK_FOREIGN_KEY_THRESHOLD", 10)
    generate_demo_entities(40, seed=4)
    generate_demo_entities(40, seed=5)  # again, after a deletion that queued deferred checks
    assert foreign_keys() == before and len(before) == 4
    assert indexes() == indexes_before and "entity_search_text_trgm" in {name for name, _ in indexes_before}
    assert Entity.objects.search("hoi an").count() == Entity.objects.filter(name_romanized__icontains="hoi an").count()


@pytest.mark.django_db
def test_no_demo_entity_is_registered_in_the_future():
    ensure_demo_entities(400, seed=3)
    assert Entity.objects.filter(registration_date__isnull=False).exists()
    assert not Entity.objects.filter(registration_date__gt=datetime.date.today()).exists()
