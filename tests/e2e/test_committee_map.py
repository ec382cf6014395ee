"""The committee map in headless Chromium: choropleth, clusters, filters that change the counts shown."""

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry_data(django_db_blocker):
    # transaction=True tests flush the database afterwards: reload what they need.
    call_command("load_boundaries", verbosity=0)
    call_command("load_registry_reference", verbosity=0)
    from registry.location import assign_admin_areas
    from registry.models import Country, EntityFamily
    from tests.factories import EntityFactory, committee_member

    cooperative = EntityFamily.objects.get(code="cooperative")
    association = EntityFamily.objects.get(code="association")
    towns = [(105.85, 21.03, 30), (106.70, 10.78, 20), (108.20, 16.05, 10), (105.77, 10.03, 6)]
    for lon, lat, count in towns:
        for index in range(count):
            EntityFactory(
                point=Point(lon + (index % 6) * 0.02, lat + (index // 6) * 0.02, srid=4326),
                family=association if index % 3 == 0 else cooperative,
                members_total=10 + index,
            )
    assign_admin_areas(country=Country.objects.get(pk="VNM"))
    return committee_member("VNM")


def test_committee_map_shows_choropleth_clusters_and_filtered_counts(
    registry_data, page, live_server, login, screenshot
):
    login(registry_data.username)
    page.goto(live_server.url + "/maps/VNM/")
    frame = page.locator(".committee-map")
    page.wait_for_selector(".committee-map[data-loaded]")
    assert frame.get_attribute("data-total") == "66"
    assert page.locator("tfoot [data-total]").inner_text() == "66"
    # Choropleth: one path per current province; clusters: numbered circles, no raw points at this zoom.
    assert page.locator("path.leaflet-interactive").count() >= 34
    assert frame.get_attribute("data-mode") == "areas"
    cluster_counts = [int(text.replace(",", "")) for text in page.locator(".map-cluster span").all_inner_texts()]
    assert sum(cluster_counts) == 66 and len(cluster_counts) >= 4
    assert page.locator(".legend").inner_text().startswith("Entities")
    # Legend classes neither overlap nor leave gaps: 1 – a, a+1 – b, ... up to the largest province.
    classes = [line.split(" – ") for line in page.locator(".legend").inner_text().splitlines()[2:]]
    bounds = [(int(c[0]), int(c[-1])) for c in classes]
    assert bounds[0][0] == 1
    assert all(later[0] == earlier[1] + 1 for earlier, later in zip(bounds, bounds[1:], strict=False))
    largest = max(int(text) for text in page.locator("tbody td.num:nth-child(2)").all_inner_texts())
    assert bounds[-1][1] == largest
    screenshot("committee-map-vnm")
    # The groups can be switched off to read the areas' colours alone, and on again.
    toggle = page.get_by_label("Entities on the map (groups and points)")
    toggle.uncheck()
    page.wait_for_function("() => document.querySelector('.committee-map').dataset.mode === 'hidden'")
    assert page.locator(".map-cluster").count() == 0
    screenshot("committee-map-vnm-areas-only")
    toggle.check()
    page.wait_for_function("() => document.querySelectorAll('.map-cluster').length >= 4")

    page.select_option("#f-family", "association")
    page.click("#map-filters button[type=submit]")
    page.wait_for_selector(".committee-map[data-loaded]")
    # The groups are redrawn for the filters too (a separate request from the figures).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.map-cluster span')]"
        ".reduce((sum, e) => sum + parseInt(e.textContent.replace(/,/g, ''), 10), 0) === 23"
    )
    assert frame.get_attribute("data-total") == "23"
    assert page.locator("tfoot [data-total]").inner_text() == "23"
    # The table redrawn by the script marks the local names as Vietnamese (fonts, screen readers).
    assert page.locator("#area-table .local[lang=vi]").count() > 0
    cluster_counts = [int(text) for text in page.locator(".map-cluster span").all_inner_texts()]
    assert sum(cluster_counts) == 23
    assert "family=association" in page.url
    assert page.locator("[data-filters-described]").inner_text() == "Family: Association"
    # The download link follows the filters: the file will hold these 23 entities.
    download = page.locator("a[data-download-these]").get_attribute("href")
    assert download.startswith("/data/?country=VNM&map=1&") and "family=association" in download
    screenshot("committee-map-vnm-associations")

    # Clicking a cluster zooms in; near the ground, clusters give way to entities with popups.
    popup = _open_an_entity_popup(page)
    assert "VNM-" in popup.inner_text() and "@" not in popup.inner_text()
    assert popup.locator("a", has_text="Details").get_attribute("href").startswith("/registry/entities/")
    screenshot("committee-map-vnm-points")
    assert page.blocked_requests == []
    assert page.console_errors == []


def _open_an_entity_popup(page):
    """Click clusters until the map shows entities, then open one's popup; returns the popup."""
    frame = page.locator(".committee-map")
    for _ in range(6):
        if frame.get_attribute("data-mode") == "points":
            break
        page.locator(".map-cluster").first.click()
        page.wait_for_timeout(600)
        page.wait_for_function("() => document.querySelector('.committee-map').dataset.features !== undefined")
    assert frame.get_attribute("data-mode") == "points"
    page.locator("path.leaflet-interactive[fill='#f2b705']").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    page.wait_for_timeout(300)  # Leaflet fades popups in: the screenshots show them opaque
    return popup


def test_colouring_by_women_members_shows_zero_percent_as_a_figure_and_unreported_as_no_data(
    django_db_blocker, page, live_server, login, screenshot
):
    call_command("load_boundaries", verbosity=0)
    call_command("load_registry_reference", verbosity=0)
    from registry.location import assign_admin_areas
    from registry.models import Country, EntityFamily
    from tests.factories import EntityFactory, committee_member

    cooperative = EntityFamily.objects.get(code="cooperative")
    # Hà Nội: no women among its members (0%); Hồ Chí Minh City: women not reported; Đà Nẵng: half women.
    for (lon, lat), women in [((105.85, 21.03), 0), ((106.70, 10.78), None), ((108.20, 16.05), 10)]:
        for index in range(3):
            point = Point(lon + index * 0.02, lat, srid=4326)
            EntityFactory(point=point, family=cooperative, members_total=20, members_women=women)
    assign_admin_areas(country=Country.objects.get(pk="VNM"))
    login(committee_member("VNM").username)
    page.goto(live_server.url + "/maps/VNM/")
    page.wait_for_selector(".committee-map[data-loaded]")
    assert page.locator(".legend").inner_text().splitlines()[0] == "Entities"
    page.select_option("#f-measure", "women_share")  # the figures and classes of that measure, without a submit
    page.wait_for_selector(".committee-map[data-loaded]")
    legend = page.locator(".legend").inner_text().splitlines()
    assert legend == ["Women members", "no data", "0%", "1% – 50%"]
    fills = page.locator("path.leaflet-interactive").evaluate_all("paths => paths.map(p => p.getAttribute('fill'))")
    assert fills.count("#ffffcc") == 1, "Hà Nội, at 0%, is in the lowest class"
    assert fills.count("#a1dab4") == 1, "Đà Nẵng, at 50%, is in the next"
    assert all(fill == "#f2f2f2" for fill in fills if fill not in ("#ffffcc", "#a1dab4")), "the rest: no data"
    row = page.locator("tbody tr", has_text="Hà Nội")
    assert row.locator("td.num").nth(2).inner_text() == "0%"
    assert "measure=women_share" in page.url, "the view can be shared and frozen as shown"
    screenshot("committee-map-vnm-women-share")
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["km", "vi"])
def test_a_committee_member_reads_the_map_in_their_own_language(
    registry_data, page, live_server, login, screenshot, language
):
    from django.utils import translation

    with translation.override(language):
        entities, filters_title, active = (
            translation.gettext("Entities"),
            translation.gettext("Countries"),
            translation.gettext("Active"),
        )
        families = [translation.pgettext("entity family", name) for name in ("Cooperative", "Association")]
    login(registry_data.username)
    page.goto(live_server.url + "/maps/VNM/")
    with page.expect_navigation():
        page.select_option("#language-choice", language)  # the menu applies the choice at once
    page.wait_for_selector(".committee-map[data-loaded]")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".legend").inner_text().startswith(entities) and entities != "Entities"
    assert filters_title in page.locator(".site-nav").inner_text()
    assert active in page.locator("#map-filters").inner_text()  # choice labels come translated too
    screenshot(f"committee-map-vnm-{language}")
    # Popups name the family (and the legal form, status) in the reader's words, not the stored English.
    popup_text = _open_an_entity_popup(page).inner_text()
    assert any(name in popup_text for name in families) and "Cooperative" not in popup_text
    screenshot(f"committee-map-vnm-{language}-popup")
    assert page.console_errors == []


def test_the_edition_review_page_in_thai_shows_the_map_the_difference_and_the_workflow(
    registry_data, page, live_server, login, screenshot
):
    from django.utils import translation

    from mapping import editions
    from mapping.filters import MapFilters
    from registry.models import Country, Entity

    country = Country.objects.get(pk="VNM")
    committee = editions.committee_for(country)
    first = editions.freeze_edition(committee, MapFilters.parse(country, {}), "March", user=registry_data)
    Entity.objects.filter(country=country).order_by("registry_number").first().delete()
    second = editions.freeze_edition(committee, MapFilters.parse(country, {}), "June", user=registry_data)
    editions.add_comment(second, registry_data, "ตรวจสอบจังหวัดนี้อีกครั้ง")
    with translation.override("th"):
        draft, removed = translation.gettext("Draft"), translation.gettext("removed")
    login(registry_data.username)
    page.goto(live_server.url + "/maps/VNM/")
    with page.expect_navigation():
        page.select_option("#language-choice", "th")
    page.goto(f"{live_server.url}/maps/VNM/editions/{second.number}/")
    page.wait_for_selector(".committee-map[data-loaded]")
    body = page.locator("main").inner_text()
    assert draft in body and removed in body and "ตรวจสอบจังหวัดนี้อีกครั้ง" in body
    assert page.locator("[data-diff-removed]").inner_text() == "1"
    assert first.number == second.number - 1
    screenshot("edition-review-vnm-th")
    # One entity as the edition froze it, in Thai.
    snapshot = second.snapshot_entities.order_by("registry_number").first()
    page.goto(f"{live_server.url}/maps/VNM/editions/{second.number}/entities/{snapshot.entity_id}/")
    assert snapshot.registry_number in page.locator("h1").inner_text()
    screenshot("edition-entity-vnm-th")
    assert page.console_errors == []
