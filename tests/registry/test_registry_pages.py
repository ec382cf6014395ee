"""The researchers' pages: roles enforced on the server, form through the service, warnings shown."""

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from registry.models import Entity, WorkingDefinition
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def vnm_entity():
    return EntityFactory(name="Hợp tác xã Hội An", contact_phone="+84 912 345 678", contact_name="Nguyễn Thị A")


def client_for(client, role, country=None):
    client.force_login(user_with_role(role, country))
    return client


def form_data(**extra):
    data = {
        "country": "VNM",
        "name": "Hợp tác xã Chè Thái Nguyên",
        "family": "",
        "legal_form": "",
        "status": "active",
        "location_precision": "exact",
        "source": "field_visit",
        "verification": "unverified",
        "point": '{"type": "Point", "coordinates": [105.8442, 21.5928]}',
    }
    from registry.models import EntityFamily

    data["family"] = EntityFamily.objects.get(code="cooperative").pk
    data.update(extra)
    return data


def test_anonymous_users_see_no_registry_record_and_no_contact_data(client, vnm_entity):
    for url in (reverse("registry:entities"), vnm_entity.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert b"912 345" not in client.get(reverse("registry:entities"), follow=True).content


def test_researcher_of_khm_gets_403_editing_a_vnm_entity(client, vnm_entity):
    client = client_for(client, "researcher", "KHM")
    assert client.get(reverse("registry:entity-edit", args=[vnm_entity.pk])).status_code == 403
    assert client.post(reverse("registry:entity-edit", args=[vnm_entity.pk]), form_data()).status_code == 403
    assert client.get(vnm_entity.get_absolute_url()).status_code == 403
    assert vnm_entity.registry_number.encode() not in client.get(reverse("registry:entities")).content


def test_committee_members_read_their_country_but_cannot_edit(client, vnm_entity):
    client = client_for(client, "committee", "VNM")
    page = client.get(vnm_entity.get_absolute_url())
    assert page.status_code == 200 and "Nguyễn Thị A" in page.content.decode()
    assert client.get(reverse("registry:entity-edit", args=[vnm_entity.pk])).status_code == 403
    assert client.get(reverse("registry:entity-create")).status_code == 403
    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    assert client.post(reverse("registry:definition", args=[definition.pk]), {"action": "submit"}).status_code == 403


def test_coop_reads_every_country(client, vnm_entity):
    khm = EntityFactory(country_id="KHM", name="Srov Takeo", point=Point(104.785, 10.99, srid=4326))
    content = client_for(client, "coop").get(reverse("registry:entities")).content.decode()
    assert vnm_entity.registry_number in content and khm.registry_number in content


def test_list_searches_across_diacritics_and_filters(client, vnm_entity):
    EntityFactory(name="Hợp tác xã Đà Nẵng")
    client = client_for(client, "researcher", "VNM")
    content = client.get(reverse("registry:entities"), {"q": "hoi an"}).content.decode()
    assert vnm_entity.registry_number in content and "Đà Nẵng" not in content
    content = client.get(reverse("registry:entities"), {"status": "dissolved"}).content.decode()
    assert vnm_entity.registry_number not in content


def test_form_creates_through_the_service_with_history_naming_the_user(client):
    client = client_for(client, "researcher", "VNM")
    response = client.post(reverse("registry:entity-create"), form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    entity = Entity.objects.get(name="Hợp tác xã Chè Thái Nguyên")
    assert entity.registry_number.startswith("VNM-") and entity.admin_area is not None
    assert entity.history.get().history_user.username == "researcher-vnm"


def test_form_shows_the_out_of_country_message_and_keeps_the_input(client):
    client = client_for(client, "researcher", "VNM")
    response = client.post(
        reverse("registry:entity-create"), form_data(point='{"type": "Point", "coordinates": [104.9282, 11.5564]}')
    )
    content = response.content.decode()
    assert response.status_code == 200 and "km outside" in content and "Chè Thái Nguyên" in content
    assert not Entity.objects.exists()


def test_form_warns_about_likely_duplicates_with_links_before_saving(client):
    existing = EntityFactory(name="Hợp tác xã Chè Thái Nguyên", point=Point(105.845, 21.593, srid=4326))
    client = client_for(client, "researcher", "VNM")
    response = client.post(reverse("registry:entity-create"), form_data(name="HTX Che Thai Nguyen"))
    content = response.content.decode()
    assert response.status_code == 200 and existing.get_absolute_url() in content
    assert Entity.objects.count() == 1
    response = client.post(
        reverse("registry:entity-create"), form_data(name="HTX Che Thai Nguyen", confirm_not_duplicate="on")
    )
    assert response.status_code == 302 and Entity.objects.count() == 2


def test_second_save_with_a_stale_version_is_refused_and_the_input_kept(client, vnm_entity):
    client = client_for(client, "researcher", "VNM")
    url = reverse("registry:entity-edit", args=[vnm_entity.pk])
    assert client.post(url, form_data(name="First editor", version=1)).status_code == 302
    response = client.post(url, form_data(name="Second editor", version=1))
    content = response.content.decode()
    assert response.status_code == 200 and "NOT saved" in content and "Second editor" in content
    vnm_entity.refresh_from_db()
    assert vnm_entity.name == "First editor" and vnm_entity.version == 2


def test_definition_editor_adopts_and_shows_what_changed(client, vnm_entity):
    client = client_for(client, "researcher", "VNM")
    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    url = reverse("registry:definition", args=[definition.pk])
    client.post(url, {"action": "submit"})
    response = client.post(
        url, {"action": "adopt", "adopted_on": "2025-03-01", "adopted_by": "National advisory committee"}
    )
    assert response.status_code == 302
    definition.refresh_from_db()
    assert definition.status == "adopted"
    content = client.get(url).content.decode()
    assert "What adoption changed" in content and "<td>Undetermined</td>" in content


def test_classification_form_records_the_outcome(client, vnm_entity):
    client = client_for(client, "researcher", "VNM")
    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    data = {f"result-{c.code}": "met" for c in definition.criteria.filter(required=True)}
    response = client.post(reverse("registry:entity-classify", args=[vnm_entity.pk, definition.pk]), data)
    assert response.status_code == 302
    assert vnm_entity.classifications.get().outcome == "qualifies"


def test_list_says_more_than_the_cap_instead_of_counting_everything(client, monkeypatch):
    from registry import pagination

    for _ in range(4):
        EntityFactory()
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr(pagination.CappedPaginator.__init__, "__defaults__", (3, None))
    content = client_for(client, "coop").get(reverse("registry:entities")).content.decode()
    assert "More than 3 entities" in content


def test_list_of_one_country_pages_through_its_entities_in_number_order(client):
    """The country filter is written so PostgreSQL walks the (country, number) index (in_country_by_number)."""
    for lon, lat, country in [(105.85, 21.03, "VNM"), (104.92, 11.56, "KHM")] * 3:
        EntityFactory(country_id=country, point=Point(lon, lat, srid=4326))
    client.force_login(user_with_role("coop"))
    listed = client.get(reverse("registry:entities"), {"country": "VNM"}).context["page"].object_list
    assert [entity.registry_number for entity in listed] == ["VNM-000001", "VNM-000002", "VNM-000003"]
    searched = client.get(reverse("registry:entities"), {"country": "KHM", "q": "demo"}).context["page"]
    assert [entity.registry_number for entity in searched.object_list] == ["KHM-000001", "KHM-000002", "KHM-000003"]
    assert "= ANY(" in str(Entity.objects.in_country_by_number(listed[0].country).query)


def test_list_pages_read_keys_first_and_each_page_holds_the_next_entities(client, settings):
    settings.REGISTRY_PAGE_SIZE = 2
    for _ in range(5):
        EntityFactory(name="Hợp tác xã Hội An")
    client.force_login(user_with_role("coop"))
    pages = [client.get(reverse("registry:entities"), {"q": "hoi an", "page": n}).context["page"] for n in (1, 2, 3)]
    numbers = [entity.registry_number for page in pages for entity in page.object_list]
    assert numbers == [f"VNM-00000{n}" for n in range(1, 6)]
    assert all(entity.family.name for page in pages for entity in page.object_list)  # rows come with their labels


def test_classification_form_starts_unassessed_and_names_results_in_the_readers_language(client, vnm_entity):
    import re

    from django.utils import translation

    client = client_for(client, "researcher", "VNM")
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    definition = WorkingDefinition.objects.get(country_id="VNM", version=1)
    url = reverse("registry:entity-classify", args=[vnm_entity.pk, definition.pk])
    page = client.get(url).content.decode()
    with translation.override("vi"):
        met, unknown = (
            translation.pgettext("criterion result", "Met"),
            translation.pgettext("criterion result", "Not yet known"),
        )
        undetermined = translation.gettext("Undetermined")
    assert f'<option value="met">{met}</option>' in page and met != "Met"
    # Nothing is "met" until someone says so: every criterion starts as not yet known.
    selected = re.findall(r'<option value="(\w+)" selected>', page)
    assert selected and set(selected) == {"unknown"} and len(selected) == definition.criteria.count()
    assert f'<option value="unknown" selected>{unknown}</option>' in page
    # Saved as offered, the entity is undetermined, not qualifying.
    data = {f"result-{criterion.code}": "unknown" for criterion in definition.criteria.all()}
    response = client.post(url, data, follow=True)
    assert vnm_entity.classifications.get().outcome == "undetermined"
    assert undetermined in response.content.decode()


def test_coordinate_boxes_show_an_example_point_of_the_researchers_own_country(client):
    # A Mongolian researcher sees Ulaanbaatar's figures, not Ha Noi's; the page holds every offered
    # country's example for the script to follow the country chosen.
    content = client_for(client, "researcher", "MNG").get(reverse("registry:entity-create")).content.decode()
    assert 'placeholder="47.886400"' in content and 'placeholder="106.905700"' in content
    assert "21.028500" not in content
    # A form sent back with an error keeps the example of the country that was chosen.
    content = (
        client_for(client, "researcher", "VNM").post(reverse("registry:entity-create"), form_data(name="")).content
    )
    assert b'placeholder="21.028500"' in content


def test_the_list_names_each_area_as_its_reader_knows_it(client, vnm_entity):
    from registry.models import AdminArea, CountryRole

    area = AdminArea.objects.locate(vnm_entity.point).place
    Entity.objects.filter(pk=vnm_entity.pk).update(admin_area=area)
    assert area.name_local and area.name_local != area.name
    client_for(client, CountryRole.Role.RESEARCHER, "VNM")
    english = client.get(reverse("registry:entities")).content.decode()
    assert f"<td>{area.name}</td>" in english
    client.cookies["django_language"] = "vi"
    vietnamese = client.get(reverse("registry:entities")).content.decode()
    assert f'<td lang="vi">{area.name_local}</td>' in vietnamese


def test_the_entity_form_groups_every_field_once(client):
    from registry.forms import EntityForm
    from registry.models import CountryRole
    from registry.services import EDITABLE_FIELDS

    user = user_with_role(CountryRole.Role.RESEARCHER, "VNM")
    form = EntityForm(user=user)
    grouped = [field.name for _key, _legend, fields in form.sections() for field in fields]
    grouped += [field.name for field in form.location_fields()]
    assert sorted(grouped) == sorted(set(EDITABLE_FIELDS) - {"point"})
    assert "other" not in [key for key, _legend, _fields in form.sections()]
    client.force_login(user)
    page = client.get(reverse("registry:entity-create")).content.decode()
    for legend in ("Name and kind", "Registration", "Members and workers", "Address and contact"):
        assert f"<legend>{legend}</legend>" in page
    assert page.index('name="members_women"') < page.index('name="contact_email"')


def test_a_registration_date_typed_in_thai_digits_is_read(client):
    from registry.models import CountryRole

    client_for(client, CountryRole.Role.RESEARCHER, "VNM")
    data = form_data(name="HTX Ngày Thái", registration_date="๒๐๐๒-๐๓-๑๕", members_total="๓๐")
    response = client.post(reverse("registry:entity-create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entity = Entity.objects.get(name="HTX Ngày Thái")
    assert (entity.registration_date.isoformat(), entity.members_total) == ("2002-03-15", 30)


def test_entity_page_separates_its_values_and_writes_coordinates_with_a_point(client):
    """Vietnamese writes 21,5928 for 21.5928: a location written that way ("21,59280, 105,84420") read as four
    numbers. Registration number, authority and date, and contact name, phone and e-mail, ran together."""
    entity = EntityFactory(
        point=Point(105.8442, 21.5928, srid=4326),
        registration_number="HTX-123",
        registering_authority="Sở Kế hoạch",
        contact_name="Nguyễn Thị A",
        contact_phone="+84 912 345 678",
    )
    client = client_for(client, "researcher", "VNM")
    client.cookies["django_language"] = "vi"
    page = client.get(entity.get_absolute_url()).content.decode()
    assert "21.59280, 105.84420" in page
    assert "HTX-123 · Sở Kế hoạch" in page
    assert "Nguyễn Thị A · +84 912 345 678" in page


def test_the_list_of_one_area_shows_its_entities_only(client, vnm_entity):
    """The country page links each area to /registry/?area=ID; an unknown id is named as such, never a 500."""
    from registry.models import AdminArea, CountryRole

    area = AdminArea.objects.locate(vnm_entity.point).place
    Entity.objects.filter(pk=vnm_entity.pk).update(admin_area=area)
    elsewhere = EntityFactory(name="Hợp tác xã Đà Nẵng", point=Point(108.2022, 16.0544, srid=4326))
    client_for(client, CountryRole.Role.RESEARCHER, "VNM")
    response = client.get(reverse("registry:entities"), {"area": area.pk})
    assert response.status_code == 200
    content = response.content.decode()
    assert vnm_entity.registry_number in content and elsewhere.registry_number not in content
    response = client.get(reverse("registry:entities"), {"area": 987654321})
    assert response.status_code == 200 and "No area has the number 987654321." in response.content.decode()


def test_a_search_that_finds_nothing_offers_no_download(client, vnm_entity):
    """'0 entities · Download these entities' offered a file with nothing in it."""
    client = client_for(client, "researcher", "VNM")
    assert "data-download-these" not in client.get("/registry/?q=zzzz-nothing").content.decode()
    assert "data-download-these" in client.get("/registry/?q=hoi+an").content.decode()


def test_a_refused_entity_form_lists_what_to_correct_at_its_top(client):
    """The location's error lay two screens below the button, in the ink colour: nothing said the save had failed."""
    client = client_for(client, "researcher", "VNM")
    page = client.post(reverse("registry:entity-create"), form_data(point="")).content.decode()
    top = page.index('class="notice error form-problems"')
    assert top < page.index('name="country"')
    assert 'href="#point-latitude"' in page[top:]


def test_entity_page_names_its_sectors_in_the_readers_language(client):
    """The page showed the bare section letters ("A, C"), which no committee member or researcher reads."""
    entity = EntityFactory(sectors=["A", "C"])
    client = client_for(client, "researcher", "VNM")
    client.cookies["django_language"] = "vi"
    page = client.get(entity.get_absolute_url()).content.decode()
    assert "A Nông nghiệp, lâm nghiệp và thủy sản; C Công nghiệp chế biến, chế tạo" in page
