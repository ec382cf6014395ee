"""Committee members read families, legal forms and statuses in their own words, on pages, popups and packs.

The registry stores English family names and the law's legal forms with their local terms; features and
edition snapshots carry those stored names and the status codes. Pages put them in the reader's words.
"""

import json
import re

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import translation

from mapping import editions
from mapping.filters import MapFilters
from mapping.models import MapEdition
from registry.models import FAMILY_NAMES_TO_TRANSLATE, Country
from tests.factories import committee_member

pytestmark = pytest.mark.django_db
LOCAL_LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]


def _in_vietnamese(client):
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})


def _map_vocabulary(page):
    return json.loads(re.search(r'<script id="map-vocabulary" type="application/json">(.*?)</script>', page).group(1))


def test_every_shipped_family_is_catalogued_and_translated():
    shipped = json.loads((settings.BASE_DIR / "fixtures/registry/entity_families.json").read_text(encoding="utf-8"))
    with translation.override("en"):
        catalogued = {str(name) for name in FAMILY_NAMES_TO_TRANSLATE}
    assert {family["name"] for family in shipped} == catalogued
    for language in LOCAL_LANGUAGES:
        with translation.override(language):
            untranslated = [name for name in catalogued if translation.pgettext("entity family", name) == name]
        assert not untranslated, f"{language}: {untranslated}"


def test_committee_map_names_families_and_legal_forms_in_the_readers_language(client, vn_registry):
    client.force_login(committee_member("VNM"))
    _in_vietnamese(client)
    page = client.get("/maps/VNM/").content.decode()
    # The family filter and the popups' words: "Hợp tác xã" for the family, the law's term for the legal form.
    assert '<option value="cooperative">Hợp tác xã</option>' in page
    assert '<option value="self_help_group">Nhóm tự lực</option>' in page
    # The map's credit, in the map's options as django-leaflet writes them (JSON, so escaped).
    assert f'"attributionprefix": {json.dumps("Ranh giới: Natural Earth")}' in page
    vocabulary = _map_vocabulary(page)
    assert vocabulary["families"]["Association"] == "Hiệp hội"
    assert vocabulary["legal_forms"]["Union of cooperatives"] == "Liên hiệp hợp tác xã"
    with translation.override("vi"):
        assert vocabulary["statuses"]["dormant"] == translation.gettext("Dormant")
    # The features themselves carry the stored names, which the vocabulary's keys must match.
    features = client.get("/maps/VNM/entities.geojson", {"zoom": 16, "bbox": "105.8,21.0,105.95,21.1"}).json()
    families = {feature["properties"]["family"] for feature in features["features"]}
    legal_forms = {feature["properties"]["legal_form"] for feature in features["features"]}
    assert families == {"Cooperative"} and families <= vocabulary["families"].keys()
    assert legal_forms <= vocabulary["legal_forms"].keys()


def test_in_english_legal_forms_keep_their_english_names(client, vn_registry):
    client.force_login(committee_member("VNM"))
    vocabulary = _map_vocabulary(client.get("/maps/VNM/").content.decode())
    assert vocabulary["families"]["Cooperative"] == "Cooperative"
    assert vocabulary["legal_forms"]["Cooperative"] == "Cooperative"
    assert vocabulary["statuses"]["dormant"] == "Dormant"


def test_filter_summary_names_values_not_codes(viet_nam):
    query = QueryDict("family=self_help_group&legal_form=union_of_cooperatives&status=active&sector=A")
    filters = MapFilters.parse(viet_nam, query)
    with translation.override("en"):
        summary = filters.describe()
    assert "Family: Self-help group" in summary and "Legal form: Union of cooperatives" in summary
    assert "Status: Active" in summary and "Sector (ISIC): A Agriculture, forestry and fishing" in summary
    assert "self_help_group" not in summary
    with translation.override("vi"):
        summary = filters.describe()
    assert "Nhóm tự lực" in summary and "Liên hiệp hợp tác xã" in summary


def test_public_edition_entity_page_in_the_readers_language(client, vn_registry):
    country = Country.objects.get(pk="VNM")
    edition = editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "For the meeting"
    )
    MapEdition.objects.filter(pk=edition.pk).update(
        status=MapEdition.Status.PUBLISHED, published_at="2026-01-01T00:00Z"
    )
    hanoi = vn_registry[0]
    url = f"/maps/VNM/editions/{edition.number}/entities/{hanoi.pk}/"
    english = client.get(url).content.decode()
    assert "<dd>Cooperative</dd>" in english  # family and legal form, both in English
    # Its place on a small map, at the frozen point, over the country's provinces.
    x, y = (f"{value:f}" for value in edition.snapshot_entities.get(entity_id=hanoi.pk).point.coords)
    assert f'data-lon="{x}" data-lat="{y}"' in english and "/countries/VNM/areas.geojson" in english
    _in_vietnamese(client)
    page = client.get(url).content.decode()
    assert "<dd>Hợp tác xã</dd>" in page and "<dd>Cooperative</dd>" not in page
    # The snapshot keeps the English names it froze: the later page shows them in the reader's words.
    assert edition.snapshot_entities.get(entity_id=hanoi.pk).family_name == "Cooperative"


def test_registry_list_shows_the_laws_term_to_its_readers(client, vn_registry):
    client.force_login(committee_member("VNM"))
    _in_vietnamese(client)
    page = client.get("/registry/?country=VNM").content.decode()
    assert "<td>Hợp tác xã</td>" in page  # the legal form's local term
    assert "<td>Hiệp hội</td>" in page  # associations have no legal form here: their family, translated
