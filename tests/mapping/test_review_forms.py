"""A refused comment or sign-off shows the edition page again with the reason and with what the member wrote."""

import pytest
from django.utils.html import escape

from mapping.models import MapEdition, ReviewComment, SignOff
from tests.factories import committee_member
from tests.mapping.test_edition_access import freeze

pytestmark = pytest.mark.django_db
Status = MapEdition.Status
LONG_COMMENT = "Hội An's cooperatives are counted twice: see the district office's list of 3 March.\nPlease check."


@pytest.fixture
def member(client, viet_nam):
    member = committee_member("VNM")
    client.force_login(member)
    return member


@pytest.fixture
def edition(viet_nam, vn_registry, member):
    edition = freeze(viet_nam)
    edition.status = Status.IN_REVIEW
    edition.save(update_fields=["status"])
    return edition


def test_a_comment_on_an_unknown_entity_is_refused_and_its_text_kept_in_the_form(client, edition, vn_registry):
    area_id = str(vn_registry[0].admin_area_id)
    response = client.post(
        edition.get_absolute_url() + "comments", {"text": LONG_COMMENT, "entity": "VNM-999999", "area": area_id}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "No entity numbered “VNM-999999” is in this edition." in page
    assert f">{escape(LONG_COMMENT)}</textarea>" in page
    assert 'value="VNM-999999"' in page
    assert f'<option value="{area_id}" selected>' in page
    assert not ReviewComment.objects.exists()


def test_a_comment_with_no_text_is_refused_naming_why(client, edition):
    response = client.post(edition.get_absolute_url() + "comments", {"text": "   ", "entity": ""})
    assert response.status_code == 400
    assert "A comment needs some text." in response.content.decode()


def test_an_accepted_comment_goes_back_to_the_page(client, edition, vn_registry):
    response = client.post(
        edition.get_absolute_url() + "comments", {"text": "Fine", "entity": vn_registry[0].registry_number}
    )
    assert response.status_code == 302 and response.url == edition.get_absolute_url()
    assert ReviewComment.objects.get().text == "Fine"


def test_a_refused_sign_off_keeps_its_note(client, edition):
    note = "Approved, provided the Huế figures are corrected."
    response = client.post(edition.get_absolute_url() + "sign-off", {"decision": "maybe", "note": note})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown decision" in page and f">{escape(note)}</textarea>" in page
    assert not SignOff.objects.exists()


def test_a_nul_character_in_a_comment_sign_off_note_or_entity_number_is_dropped_not_a_server_error(
    client, edition, vn_registry
):
    number = vn_registry[0].registry_number
    response = client.post(edition.get_absolute_url() + "comments", {"text": "Hội\x00 An", "entity": f"{number}\x00"})
    assert response.status_code == 302
    comment = ReviewComment.objects.get()
    assert (comment.text, comment.entity_id) == ("Hội An", vn_registry[0].pk)
    response = client.post(edition.get_absolute_url() + "sign-off", {"decision": "approve", "note": "Đ\x00úng"})
    assert response.status_code == 302
    assert SignOff.objects.get().note == "Đúng"


def test_freezing_with_a_title_too_long_is_refused_naming_the_title_and_the_limit(client, viet_nam, member):
    response = client.post("/maps/VNM/editions/new", {"query": "status=active", "title": "Họp " * 100}, follow=True)
    assert response.redirect_chain[-1][0] == "/maps/VNM/?status=active"
    assert "Title: 399 characters; at most 300 are allowed" in response.content.decode()
    assert not MapEdition.objects.exists()


def test_a_nul_character_in_an_edition_title_is_dropped(client, viet_nam, vn_registry, member):
    response = client.post("/maps/VNM/editions/new", {"query": "", "title": "Họp\x00 tháng 3"})
    assert response.status_code == 302
    assert MapEdition.objects.get().title == "Họp tháng 3"


def test_a_comment_on_an_entity_names_it_by_number_and_name_with_a_link_not_by_its_id(client, edition, vn_registry):
    entity = vn_registry[0]
    client.post(edition.get_absolute_url() + "comments", {"text": "Closed in 2024?", "entity": entity.registry_number})
    page = client.get(edition.get_absolute_url()).content.decode()
    link = f'<a href="{edition.get_absolute_url()}entities/{entity.pk}/">'
    assert f'{link}<span class="nowrap">{entity.registry_number}</span> {escape(entity.name)}</a>' in page
    assert str(entity.pk) not in page.replace(link, "")


def test_a_comment_on_an_area_names_it_in_the_countrys_language_too(client, edition, vn_registry):
    area = vn_registry[0].admin_area  # Hà Nội, 'Thành phố Hà Nội' in Vietnamese
    client.post(edition.get_absolute_url() + "comments", {"text": "Check", "area": str(area.pk)})
    page = client.get(edition.get_absolute_url()).content.decode()
    assert f'{area.name} · <span lang="vi">{area.name_local}</span>' in page
