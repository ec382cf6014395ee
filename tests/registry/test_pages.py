"""The first pages: home, country pages, their map layers, health endpoint, compose file."""

import json
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_home_page_names_the_five_countries_in_english_and_local_script(client):
    page = client.get("/").content.decode()
    for english, local in [
        ("Cambodia", "កម្ពុជា"),
        ("Kyrgyzstan", "Кыргызстан"),
        ("Mongolia", "Монгол Улс"),
        ("Thailand", "ประเทศไทย"),
        ("Viet Nam", "Việt Nam"),
    ]:
        assert english in page and local in page
    assert "34 provinces" in page  # Viet Nam today


def test_pages_reference_only_local_static_files(client):
    for url in ["/", "/countries/KHM/", "/countries/VNM/"]:
        page = client.get(url).content.decode()
        external = [src for src in re.findall(r'(?:src|href)="([^"]+)"', page) if re.match(r"^(https?:)?//", src)]
        assert external == [], f"{url} references {external}"
        assert "leaflet/leaflet.js" in page


def test_no_external_tile_layer_by_default():
    assert settings.LEAFLET_CONFIG["TILES"] == []


def test_country_page_lists_current_provinces_with_local_names(client):
    page = client.get("/countries/VNM/").content.decode()
    assert "Thành phố Đà Nẵng" in page
    assert "Quảng Nam" not in page  # merged into Đà Nẵng on 2025-07-01
    assert "34 first-level units" in page


def test_country_page_on_a_past_date_lists_former_provinces(client):
    page = client.get("/countries/VNM/?on=2025-06-30").content.decode()
    assert "Quảng Nam" in page and "63 first-level units" in page


def test_country_page_bad_date_is_a_clear_400(client):
    response = client.get("/countries/VNM/?on=yesterday")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]


def test_unknown_country_is_404(client):
    assert client.get("/countries/FRA/").status_code == 404


def test_country_areas_geojson_is_rfc7946_lon_lat(client):
    response = client.get("/countries/KHM/areas.geojson")
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(response.content)
    assert len(collection["features"]) == 25
    coordinates = collection["features"][0]["geometry"]["coordinates"]
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    lon, lat = coordinates
    assert 102 < lon < 108 and 10 < lat < 15


def test_healthz_reports_database_and_postgis(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["postgis"] == "ok"
    assert body["postgis_version"].startswith("3.")


def test_docker_compose_parses_and_names_both_services():
    compose = yaml.safe_load(Path(settings.BASE_DIR, "docker-compose.yml").read_text())
    assert set(compose["services"]) == {"db", "web"}
    assert "postgis" in compose["services"]["db"]["image"]
    assert compose["services"]["web"]["environment"]["DATABASE_URL"].startswith("postgis://")
    assert "make run" in " ".join(compose["services"]["web"]["command"])


@pytest.mark.parametrize(
    "language, written",
    [
        ("en", "30 June 2025"),  # the ILO's day-month-year, not Django's US "June 30, 2025"
        ("mn", "2025 оны 6-р сарын 30"),  # Mongolian writes the year first
        ("vi", "30 tháng 6 năm 2025"),  # inside a sentence: no capital "Ngày"
        ("ky", "30 июнь 2025 ж."),  # Kyrgyz writes month names in lower case (registry/django_words.py)
        ("km", "30 ខែ"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(client, language, written):
    client.cookies["django_language"] = language
    page = client.get("/countries/VNM/?on=2025-06-30").content.decode()
    assert written in page, re.findall(r"[^<>]{0,40}2025[^<>]{0,20}", page)
