"""The home and country pages in a real browser: maps draw from local data only."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def boundaries(django_db_blocker):
    # transaction=True tests flush the database afterwards; reload what they need.
    from django.core.management import call_command

    call_command("load_boundaries", verbosity=0)


def test_home_map_draws_every_current_province_offline(boundaries, page, live_server, screenshot):
    page.goto(live_server.url + "/")
    page.wait_for_selector(".map-frame[data-loaded]")
    assert page.locator(".map-frame").get_attribute("data-loaded") == str(25 + 9 + 22 + 77 + 34)
    assert page.locator("path.leaflet-interactive").count() >= 167
    screenshot("home")
    assert page.blocked_requests == []
    assert page.console_errors == []


def test_clicking_a_country_opens_its_page(boundaries, page, live_server, screenshot):
    page.goto(live_server.url + "/")
    page.wait_for_selector(".map-frame[data-loaded]")
    page.get_by_role("link", name="Cambodia").click()
    page.wait_for_selector(".map-frame[data-loaded]")
    assert page.locator("h1").inner_text().startswith("Cambodia")
    assert page.locator("tbody tr").count() == 25
    screenshot("country-khm")
