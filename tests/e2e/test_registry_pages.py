"""The registry list and the entity form's point picker in a real browser (local resources only)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry_data(django_db_blocker):
    # transaction=True tests flush the database afterwards; reload what they need.
    from django.core.management import call_command

    from registry.demo import generate_demo_entities
    from tests.factories import user_with_role

    call_command("load_boundaries", verbosity=0)
    call_command("load_registry_reference", verbosity=0)
    generate_demo_entities(120, seed=1)
    user_with_role("researcher", "VNM")
    user_with_role("coop")


def test_registry_list_renders_every_script(registry_data, page, live_server, login, screenshot):
    login("coop-all")
    page.goto(live_server.url + "/registry/")
    rows = page.locator("table.registry-list tbody tr")
    assert rows.count() == 50
    assert "120 entities" in page.locator(".count").inner_text()
    page.goto(live_server.url + "/registry/?q=Hoi+An")
    screenshot("registry-list")
    page.goto(live_server.url + "/registry/?country=KHM")
    assert page.locator("td[lang=km]").count() > 0
    screenshot("registry-list-khm")
    assert page.blocked_requests == []


def test_entity_form_point_picker_map_renders(registry_data, page, live_server, login, screenshot):
    login("researcher-vnm")
    page.goto(live_server.url + "/registry/new/")
    page.wait_for_selector(".point-picker .leaflet-container")
    assert page.locator(".point-picker .leaflet-container").bounding_box()["height"] >= 300
    assert page.locator(".leaflet-draw, .leaflet-draw-toolbar").count() > 0
    screenshot("registry-entity-form")
    assert page.blocked_requests == []
    assert page.console_errors == []


def test_entity_page_shows_its_map(registry_data, page, live_server, login, screenshot):
    from registry.models import Entity

    entity = Entity.objects.filter(country_id="VNM").first()
    login("researcher-vnm")
    page.goto(live_server.url + entity.get_absolute_url())
    page.wait_for_selector("#entity-map .leaflet-marker-icon")
    screenshot("registry-entity-page")
    assert page.console_errors == []
