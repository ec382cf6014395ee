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
    page.wait_for_selector(".point-picker[data-coordinates-ready] .leaflet-container")
    assert page.locator(".point-picker .leaflet-container").bounding_box()["height"] >= 300
    assert page.locator(".leaflet-draw, .leaflet-draw-toolbar").count() > 0
    # A researcher of one country has it chosen, and the map shows that country, not all five.
    assert page.locator("#id_country").input_value() == "VNM"
    page.wait_for_selector(".point-picker path.leaflet-interactive, .point-picker svg path")
    page.wait_for_timeout(500)
    scale = page.locator(".point-picker .leaflet-control-scale-line").first.inner_text()
    assert scale.endswith(" km") and int(scale.split()[0]) <= 300, scale  # all five countries: 1000 km
    screenshot("registry-entity-form")
    assert page.blocked_requests == []
    assert page.console_errors == []


def test_coordinate_examples_follow_the_country_chosen(registry_data, page, live_server, login):
    from registry.models import CountryRole
    from tests.factories import user_with_role

    researcher = user_with_role("researcher", "KGZ", username="researcher-kgz-tha")
    CountryRole.objects.create(user=researcher, country_id="THA", role="researcher")
    login("researcher-kgz-tha")
    page.goto(live_server.url + "/registry/new/")
    page.wait_for_selector(".point-picker[data-coordinates-ready] .leaflet-container")
    page.select_option("#id_country", "THA")
    assert page.locator("#point-latitude").get_attribute("placeholder") == "13.756300"  # Bangkok
    page.select_option("#id_country", "KGZ")
    assert page.locator("#point-longitude").get_attribute("placeholder") == "74.569800"  # Bishkek
    assert page.console_errors == []


def test_entity_page_shows_its_map(registry_data, page, live_server, login, screenshot):
    from registry.models import Entity

    entity = Entity.objects.filter(country_id="VNM").first()
    Entity.objects.filter(pk=entity.pk).update(location_precision="exact")
    login("researcher-vnm")
    page.goto(live_server.url + entity.get_absolute_url())
    page.wait_for_selector("#entity-map .leaflet-marker-icon")
    # An exact point is drawn as a point; one that stands for a district centre, with a circle of its size.
    frame = page.locator(".map-frame[data-precision]")
    assert frame.get_attribute("data-circle-metres") == "0"
    Entity.objects.filter(pk=entity.pk).update(location_precision="district")
    page.reload()
    page.wait_for_selector("#entity-map .leaflet-marker-icon")
    assert frame.get_attribute("data-circle-metres") == "15000"
    screenshot("registry-entity-page")
    assert page.console_errors == []


def test_a_researcher_registers_an_entity_by_typing_its_coordinates(
    registry_data, page, live_server, login, screenshot
):
    import json

    from django.utils import translation

    from registry.models import Entity

    with translation.override("vi"):
        swapped = translation.gettext("The latitude is over 90°: latitude and longitude look swapped.")
        name_label = translation.gettext("Name")
        cooperative = translation.pgettext("entity family", "Cooperative")
        draw_marker = translation.gettext("Draw a marker")
    login("researcher-vnm")
    page.context.add_cookies([{"name": "django_language", "value": "vi", "url": live_server.url}])
    page.goto(live_server.url + "/registry/new/")
    page.wait_for_selector(".point-picker[data-coordinates-ready] .leaflet-container")
    # The form speaks the researcher's language: labels, and the ISIC sections as checkboxes.
    assert page.locator("label[for=id_name]").inner_text() == name_label != "Name"
    assert page.locator(".sector-choices input[type=checkbox]").count() == 21
    # The map's toolbar too (django-leaflet has no Vietnamese words of its own).
    assert page.locator(".leaflet-draw-draw-marker").get_attribute("title") == draw_marker != "Draw a marker"
    page.select_option("#id_country", "VNM")
    page.fill("#id_name", "Hợp tác xã Nông nghiệp Đông Anh")
    page.select_option("#id_family", label=cooperative)  # "Hợp tác xã"
    page.check(".sector-choices input[value=A]")
    page.check(".sector-choices input[value=C]")
    # Typed the wrong way round (longitude first): told so, and nothing placed.
    page.fill("#point-latitude", "105.8542")
    page.fill("#point-longitude", "21.0285")
    page.locator("#point-longitude").dispatch_event("change")
    assert page.locator("[data-coordinates-error=swapped]").is_visible()
    assert page.locator("[data-coordinates-error=swapped]").inner_text() == swapped
    assert page.locator(".point-picker .leaflet-marker-icon").count() == 0
    page.fill("#point-latitude", "21,0285")  # a decimal comma, as many keyboards type it
    page.fill("#point-longitude", "105.8542")
    page.locator("#point-longitude").dispatch_event("change")
    assert not page.locator("[data-coordinates-error=swapped]").is_visible()
    assert page.locator(".point-picker .leaflet-marker-icon").count() == 1
    geometry = json.loads(page.locator(".point-picker textarea").input_value())
    assert geometry["type"] == "Point" and geometry["coordinates"] == pytest.approx([105.8542, 21.0285])
    # Thai or Khmer digits, as Thai and Cambodian lists write them, are read as the same numbers.
    page.fill("#point-latitude", "๒๑.๐๒๘๕")
    page.fill("#point-longitude", "១០៥.៨៥៤២")
    page.locator("#point-longitude").dispatch_event("change")
    geometry = json.loads(page.locator(".point-picker textarea").input_value())
    assert geometry["coordinates"] == pytest.approx([105.8542, 21.0285])
    screenshot("registry-entity-form-coordinates-vi")
    # Until the entity's page arrives, not until its map has loaded every boundary ("load"), which on a
    # busy machine took over the 30 s allowed.
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form.entity-form button[type=submit]").click()
    entity = Entity.objects.get(name="Hợp tác xã Nông nghiệp Đông Anh")
    assert (entity.point.x, entity.point.y) == pytest.approx((105.8542, 21.0285))
    assert sorted(entity.sectors) == ["A", "C"] and entity.admin_area.name == "Hà Nội"
    # Editing it, the boxes show the stored point.
    page.goto(live_server.url + f"/registry/entities/{entity.pk}/edit/")
    page.wait_for_selector(".point-picker .leaflet-marker-icon")
    assert page.locator("#point-latitude").input_value() == "21.028500"
    assert page.locator("#point-longitude").input_value() == "105.854200"
    checked = page.locator(".sector-choices input:checked").evaluate_all("boxes => boxes.map(b => b.value)")
    assert checked == ["A", "C"]
    # Placing the point on the map instead (the draw tool, then a click away from it) fills the boxes.
    page.locator(".leaflet-draw-draw-marker").click()
    box = page.locator(".point-picker .leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.75)
    page.wait_for_function("() => document.querySelector('#point-latitude').value !== '21.028500'")
    clicked = json.loads(page.locator(".point-picker textarea").input_value())["coordinates"]
    assert float(page.locator("#point-latitude").input_value()) == pytest.approx(clicked[1], abs=1e-6)
    assert float(page.locator("#point-longitude").input_value()) == pytest.approx(clicked[0], abs=1e-6)
    assert clicked[0] < 105.8542 and clicked[1] < 21.0285  # left of and below the old point
    assert page.console_errors == []


def test_coordinates_that_cannot_be_placed_keep_the_form_from_saving_the_old_point(
    registry_data, page, live_server, login
):
    """Editing, a latitude typed as 21.03N cannot be placed: the map keeps the stored point. Saving then
    stored that point as if the researcher had typed it; the form now stays, with the reason beside the boxes."""
    from registry.models import Entity

    entity = Entity.objects.filter(country_id="VNM").first()
    login("researcher-vnm")
    page.goto(live_server.url + f"/registry/entities/{entity.pk}/edit/")
    page.wait_for_selector(".point-picker[data-coordinates-ready] .leaflet-marker-icon")
    page.fill("#point-latitude", "21.03N")
    page.locator("#point-latitude").dispatch_event("change")
    assert page.locator("[data-coordinates-error=number]").is_visible()
    page.locator("form.entity-form button[type=submit]").click()
    page.wait_for_timeout(500)
    assert page.url.endswith("/edit/") and page.locator("#point-latitude").input_value() == "21.03N"
    # One box emptied is not a point either.
    page.fill("#point-latitude", "")
    page.locator("#point-latitude").dispatch_event("change")
    assert page.locator("[data-coordinates-error=number]").is_visible()
    page.fill("#point-latitude", "21.0285")
    page.fill("#point-longitude", "105.8542")
    page.locator("#point-longitude").dispatch_event("change")
    assert not page.locator("[data-coordinates-error=number]").is_visible()
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator("form.entity-form button[type=submit]").click()
    entity.refresh_from_db()
    assert (entity.point.x, entity.point.y) == pytest.approx((105.8542, 21.0285))
    assert page.console_errors == []
