"""The interface in the five countries' languages: the menu switches it, and every catalogued text is translated."""

import ast
import re

import pytest
from django.conf import settings
from django.utils import translation

LOCAL_LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]


def catalog_entries(language):
    """(msgctxt, msgid, msgstr) of a language's .po file, without the header and plural entries."""
    text = (settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        if "msgid_plural" in block or "\nmsgid " not in "\n" + block:
            continue
        parts = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgstr) (".*")$', line)
            if match:
                key = match.group(1)
                parts[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                parts[key] += ast.literal_eval(line)
        if parts.get("msgid"):
            entries.append((parts.get("msgctxt"), parts["msgid"], parts.get("msgstr", "")))
    return entries


@pytest.mark.parametrize("language", LOCAL_LANGUAGES)
def test_every_catalogued_text_is_translated_and_compiled(language):
    entries = catalog_entries(language)
    assert len(entries) > 150
    untranslated = [msgid for _context, msgid, msgstr in entries if not msgstr]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    with translation.override(language):
        stale = [
            msgid
            for context, msgid, msgstr in entries
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) != msgstr
        ]
    assert not stale, f"{language}: the compiled .mo differs from the .po (run `make messages`): {stale[:3]}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LOCAL_LANGUAGES)
def test_the_language_menu_switches_the_interface(client, language):
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"}, follow=True)
    page = response.content.decode()
    with translation.override(language):
        countries, registry = translation.gettext("Countries"), translation.gettext("Registry")
    assert f'<html lang="{language}">' in page
    assert countries != "Countries" and countries in page and registry in page
    assert f'<option value="{language}" lang="{language}" selected>' in page


@pytest.mark.django_db
def test_english_stays_the_default(client):
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page and ">Countries<" in page


@pytest.mark.django_db
def test_countries_are_named_in_the_readers_language_and_local_names_carry_their_language(client):
    client.post("/i18n/setlang/", {"language": "km", "next": "/"})
    home = client.get("/").content.decode()
    # Viet Nam and Thailand in Khmer, beside their own names in their own scripts.
    assert "វៀតណាម" in home and "ថៃ" in home and 'lang="vi">Việt Nam</span>' in home
    cambodia = client.get("/countries/KHM/").content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", cambodia, re.S).group(1)
    # In Khmer the country's name and its local name are the same word: written once.
    assert heading.count("កម្ពុជា") == 1 and "Cambodia" not in heading
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    heading = re.search(r"<h1>(.*?)</h1>", client.get("/countries/KHM/").content.decode(), re.S).group(1)
    assert "Cambodia" in heading and '<span class="local" lang="km">កម្ពុជា</span>' in heading


@pytest.mark.django_db
def test_the_registry_list_filters_and_the_entity_form_speak_the_readers_language(client):
    from tests.factories import user_with_role

    client.force_login(user_with_role("researcher", "MNG"))
    client.post("/i18n/setlang/", {"language": "mn", "next": "/"})
    with translation.override("mn"):
        words = [
            translation.gettext("Search names (any script) or registry number"),
            translation.gettext("Classification (adopted definition)"),
            translation.gettext("any"),
            translation.pgettext("ISIC section", "Agriculture, forestry and fishing"),
            translation.gettext("Women workers"),
            translation.gettext("Latitude"),
        ]
    listing = client.get("/registry/").content.decode()
    assert words[0] in listing and words[1] in listing and f">{words[2]}</option>" in listing
    assert "Search names" not in listing and ">---------<" not in listing
    form = client.get("/registry/new/").content.decode()
    assert words[3] in form and words[4] in form and words[5] in form
    assert "Women workers" not in form and "Agriculture, forestry" not in form
    with translation.override("mn"):
        choose_family = translation.gettext("Choose the family")
    assert f'<option value="" selected>{choose_family}</option>' in form and ">---------<" not in form


@pytest.mark.django_db
def test_refusals_and_missing_pages_explain_themselves_in_the_readers_language(client):
    from tests.factories import EntityFactory, user_with_role

    entity = EntityFactory()  # in Viet Nam
    client.force_login(user_with_role("researcher", "KHM"))
    client.post("/i18n/setlang/", {"language": "km", "next": "/"})
    with translation.override("km"):
        heading = translation.gettext("This page is not open to you")
        reason = translation.gettext("You may not read registry records of this country.")
        missing = translation.gettext("There is no such page")
    refused = client.get(f"/registry/entities/{entity.pk}/edit/")
    page = refused.content.decode()
    assert (
        refused.status_code == 403 and heading in page and reason in page and heading != "This page is not open to you"
    )
    assert '<html lang="km">' in page and 'id="language-choice"' in page  # the site's own page, not a bare error
    not_found = client.get("/registry/entities/00000000-0000-0000-0000-000000000001/")
    assert not_found.status_code == 404 and missing in not_found.content.decode()


def test_the_server_error_page_renders_without_a_request_context_in_the_active_language():
    from django.template.loader import render_to_string

    with translation.override("vi"):
        page = render_to_string("500.html")  # as django.views.defaults.server_error renders it
        expected = translation.gettext("Something went wrong on our side")
    assert '<html lang="vi">' in page and expected in page and expected != "Something went wrong on our side"


@pytest.mark.django_db
def test_the_template_badge_of_a_definition_is_in_the_readers_language(client):
    from tests.factories import user_with_role

    client.force_login(user_with_role("committee", "KHM"))
    client.post("/i18n/setlang/", {"language": "km", "next": "/"})
    page = client.get("/registry/definitions/").content.decode()
    assert '<span class="badge">គំរូ</span>' in page and '<span class="badge">TEMPLATE</span>' not in page


@pytest.mark.django_db
def test_an_entitys_history_reads_in_the_readers_language(client):
    from registry.services import update_entity
    from tests.factories import EntityFactory, user_with_role

    researcher = user_with_role("researcher", "VNM")
    entity = EntityFactory(name="Hợp tác xã Hội An")
    update_entity(researcher, entity, {"name": "Hợp tác xã Hội An Mới"}, entity.version)
    client.force_login(researcher)
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = client.get(entity.get_absolute_url()).content.decode()
    history = page[page.index('<table class="history">') :]
    history = history[: history.index("</table>")]
    with translation.override("vi"):
        changed = translation.pgettext("history", "Changed")
        edited = translation.pgettext("history reason", "edited")
        name = translation.gettext("Name")
    assert f"{changed}: {edited}" in history and changed != "Changed"
    assert f"<td>{name}</td>" in history  # the field changed, by its label in the reader's language
    assert "edited" not in history and "researcher-vnm" in history


@pytest.mark.parametrize("language, word", [("km", "បៃ"), ("th", "ไบต์"), ("mn", "байт"), ("ky", "байт")])
def test_file_sizes_are_written_in_the_readers_language(language, word):
    # Django's own catalogs have no Khmer, Thai, Mongolian or Kyrgyz for filesizeformat (the batch page).
    from django.template.defaultfilters import filesizeformat

    with translation.override(language):
        assert filesizeformat(351) == f"351\xa0{word}"  # a no-break space, as Django writes it


def test_the_template_definitions_words_are_all_catalogued():
    import json

    from registry.template_words import TEMPLATE_WORDS

    shipped = json.loads((settings.BASE_DIR / "fixtures/registry/ilc2022_template.json").read_text(encoding="utf-8"))
    with translation.override("en"):
        catalogued = [str(text) for text in TEMPLATE_WORDS]
    assert catalogued == [shipped["title"], shipped["text"], *(c["statement"] for c in shipped["criteria"])]


@pytest.mark.django_db
def test_the_template_criteria_read_in_the_researchers_language_until_a_country_edits_them(client):
    from registry.models import WorkingDefinition
    from tests.factories import EntityFactory, user_with_role

    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    criterion = definition.criteria.get(code="asset_lock")
    entity = EntityFactory()
    client.force_login(user_with_role("researcher", "VNM"))
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    url = f"/registry/entities/{entity.pk}/classify/{definition.pk}/"
    page = client.get(url).content.decode()
    with translation.override("vi"):
        statement = translation.pgettext("ILC 2022 template", criterion.statement)
    assert statement != criterion.statement and statement in page and criterion.statement not in page
    # A country's own wording is its text: shown as written.
    criterion.statement = "Tài sản không chia của hợp tác xã theo Luật Hợp tác xã 2023."
    criterion.save()
    assert criterion.statement in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_researcher_editing_the_template_reads_it_in_their_language_beside_the_boxes(client):
    from registry.models import WorkingDefinition
    from tests.factories import user_with_role

    definition = WorkingDefinition.objects.get(country_id="THA", version=1)
    client.force_login(user_with_role("researcher", "THA"))
    client.post("/i18n/setlang/", {"language": "th", "next": "/"})
    page = client.get(f"/registry/definitions/{definition.pk}/").content.decode()
    with translation.override("th"):
        text = translation.pgettext("ILC 2022 template", definition.text)
        statement = translation.pgettext("ILC 2022 template", definition.criteria.first().statement)
    from django.utils.html import escape

    assert escape(definition.text.split("\n\n")[0]) in page  # the stored text is what is edited
    assert escape(text.split("\n\n")[0]) in page and escape(statement) in page  # and the Thai reading beside it


@pytest.mark.django_db
def test_the_countries_formal_names_are_catalogued_and_shown_in_the_readers_language(client):
    from registry.models import COUNTRY_FORMAL_NAMES_TO_TRANSLATE, Country

    with translation.override("en"):
        catalogued = {str(name) for name in COUNTRY_FORMAL_NAMES_TO_TRANSLATE}
    assert set(Country.objects.values_list("formal_name", flat=True)) == catalogued
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = client.get("/countries/VNM/").content.decode()
    assert "Cộng hòa Xã hội Chủ nghĩa Việt Nam" in page and "Socialist Republic" not in page


@pytest.mark.django_db
def test_the_registry_lists_demo_badge_is_in_the_readers_language(client):
    """The badge beside a synthetic entity's name read 'demo' in English on every translated list."""
    from tests.factories import EntityFactory, user_with_role

    EntityFactory(is_demo=True)
    client.force_login(user_with_role("researcher", "VNM"))
    client.post("/i18n/setlang/", {"language": "th", "next": "/"})
    with translation.override("th"):
        badge = translation.pgettext("demo badge", "demo")
    listing = client.get("/registry/").content.decode()
    assert f">{badge}</span>" in listing and ">demo</span>" not in listing


@pytest.mark.django_db
@pytest.mark.parametrize("language", LOCAL_LANGUAGES)
def test_the_sign_in_page_says_why_a_page_asked_for_it_in_the_readers_language(client, language):
    """Anyone opening the registry got a bare sign-in form that said neither why nor where the public maps are."""
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get("/registry/", follow=True).content.decode()
    assert 'class="lead login-why"' in page and 'href="/maps/"' in page
    assert "This page is for signed-in users" not in page
    assert "login-why" not in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["th", "vi"])
def test_the_language_menu_names_english_in_english_on_every_page(client, language):
    """On a Thai page the menu offered 'อังกฤษ', on a Vietnamese one 'Tiếng Anh': no way back for an English reader."""
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get("/").content.decode()
    assert '<option value="en" lang="en">English</option>' in page
    assert '<option value="th" lang="th"' in page and ">ไทย</option>" in page
