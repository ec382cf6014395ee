"""A researcher's workflows as a browser sends them: the rendered pages' own forms, submitted as shown."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from registry.models import Entity, EntityFamily
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db


class _FormFields(HTMLParser):
    """The fields a browser submits from the first <form> whose class holds `css_class`: name -> value."""

    def __init__(self, css_class):
        super().__init__()
        self.css_class = css_class
        self.inside = False
        self.done = False
        self.fields = {}
        self.checkboxes = set()
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and self.css_class in (attrs.get("class") or "").split():
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind == "checkbox":
                self.checkboxes.add(name)
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def rendered_form(response, css_class):
    parser = _FormFields(css_class)
    parser.feed(response.content.decode())
    return parser


def researcher(client, country="VNM"):
    client.force_login(user_with_role("researcher", country))
    return client


def entity_data(**extra):
    data = {
        "country": "VNM",
        "name": "Hợp tác xã Chè Thái Nguyên",
        "family": EntityFamily.objects.get(code="cooperative").pk,
        "status": "active",
        "location_precision": "exact",
        "source": "field_visit",
        "verification": "unverified",
        "point": '{"type": "Point", "coordinates": [105.8442, 21.5928]}',
    }
    data.update(extra)
    return data


def test_ticking_the_not_a_duplicate_box_on_the_warned_form_saves_the_entity(client):
    """The box is ticked on the page the warning shows, and the form's own Save button sends it."""
    EntityFactory(name="Hợp tác xã Chè Thái Nguyên", point=Point(105.845, 21.593, srid=4326))
    client = researcher(client)
    warned = client.post(reverse("registry:entity-create"), entity_data(name="HTX Che Thai Nguyen"))
    assert "Possible duplicates nearby" in warned.content.decode()
    form = rendered_form(warned, "entity-form")
    assert "confirm_not_duplicate" in form.checkboxes, "the confirmation box is not part of the form Save sends"
    form.fields["confirm_not_duplicate"] = "on"
    saved = client.post(reverse("registry:entity-create"), form.fields)
    assert saved.status_code == 302
    assert Entity.objects.filter(name="HTX Che Thai Nguyen").exists()


def criteria_post(title="Viet Nam working definition", rows=(), action="save"):
    """The definition editor's POST: parallel lists, the required boxes by row index, as the page sends them."""
    data = {"title": title, "text": "", "action": action, "criterion-code": [], "criterion-statement": []}
    data["criterion-principle"], data["criterion-required"] = [], []
    for index, (code, statement, principle, required) in enumerate(rows):
        data["criterion-code"].append(code)
        data["criterion-statement"].append(statement)
        data["criterion-principle"].append(principle)
        if required:
            data["criterion-required"].append(str(index))
    return data


@pytest.fixture
def vnm_draft():
    from registry.models import WorkingDefinition

    return WorkingDefinition.objects.get(country_id="VNM", version=1)


def test_a_criterion_code_too_long_is_refused_by_row_and_nothing_is_saved(client, vnm_draft):
    client = researcher(client)
    before = list(vnm_draft.criteria.values_list("code", flat=True))
    rows = [("democratic", "Members control it.", "democratic_governance", True), ("x" * 60, "Long.", "other", True)]
    response = client.post(reverse("registry:definition", args=[vnm_draft.pk]), criteria_post("Renamed", rows))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Criterion 2" in content and "at most 40" in content
    vnm_draft.refresh_from_db()
    assert vnm_draft.title != "Renamed"
    assert list(vnm_draft.criteria.values_list("code", flat=True)) == before


def test_two_criteria_with_one_code_are_refused_rather_than_one_replacing_the_other(client, vnm_draft):
    client = researcher(client)
    rows = [
        ("autonomy", "Independent of the state.", "autonomy", True),
        ("autonomy", "Own statutes.", "autonomy", False),
    ]
    response = client.post(reverse("registry:definition", args=[vnm_draft.pk]), criteria_post(rows=rows))
    content = response.content.decode()
    assert response.status_code == 200 and "Criterion 2 (autonomy)" in content and "same code" in content
    assert not vnm_draft.criteria.filter(statement="Own statutes.").exists()


def test_a_criterion_without_a_statement_or_with_spaces_in_its_code_is_refused(client, vnm_draft):
    client = researcher(client)
    rows = [("open membership", "Anyone may join.", "voluntary_cooperation", True), ("registered", "", "other", True)]
    content = client.post(reverse("registry:definition", args=[vnm_draft.pk]), criteria_post(rows=rows)).content
    content = content.decode()
    assert "Criterion 1 (open membership)" in content and "no spaces" in content
    assert "Criterion 2 (registered): write its statement." in content
    assert not vnm_draft.criteria.filter(code="registered").exists()


def test_a_refused_definition_keeps_every_row_typed_and_names_the_empty_title(client, vnm_draft):
    client = researcher(client)
    rows = [("reinvests", "Reinvests at least half of its surplus.", "primacy_of_people", True)]
    response = client.post(reverse("registry:definition", args=[vnm_draft.pk]), criteria_post("", rows))
    content = response.content.decode()
    assert response.status_code == 200 and "Title: This field is required." in content
    assert 'value="reinvests"' in content and "Reinvests at least half of its surplus." in content
    assert not vnm_draft.criteria.filter(code="reinvests").exists()


def test_adoption_and_what_it_changed_read_in_the_researchers_language(client, vnm_draft):
    EntityFactory()
    client = researcher(client)
    client.cookies["django_language"] = "vi"
    url = reverse("registry:definition", args=[vnm_draft.pk])
    client.post(url, {"action": "submit"})
    again = client.post(url, {"action": "submit"}, follow=True).content.decode()
    assert "cannot go to" not in again and "không thể chuyển sang" in again
    page = client.post(url, {"action": "adopt", "adopted_on": "2025-03-01", "adopted_by": "NAC"}, follow=True)
    content = page.content.decode()
    assert "Đã thông qua v1; đã phân loại lại 1 tổ chức" in content
    changes = content[content.index("<table", content.index("Những thay đổi do việc thông qua")) :]
    assert "Chưa phân loại" in changes and "Chưa xác định" in changes
    assert "not_classified" not in changes and "undetermined" not in changes


def test_a_refused_filter_is_named_and_left_out_while_the_other_filters_still_apply(client):
    EntityFactory(name="HTX Active", status="active")
    EntityFactory(name="HTX Dormant", status="dormant")
    client = researcher(client)
    client.cookies["django_language"] = "vi"
    content = client.get(reverse("registry:entities"), {"status": "dormant", "outcome": "xyz"}).content.decode()
    assert "HTX Dormant" in content and "HTX Active" not in content
    assert "Phân loại (định nghĩa đã thông qua): " in content and "xyz" in content
    assert "<li>outcome" not in content


def test_an_area_that_does_not_exist_is_named_as_such_not_listed_as_empty(client):
    EntityFactory(name="HTX Somewhere")
    client = researcher(client)
    response = client.get(reverse("registry:entities"), {"area": "99999999"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Area: No area has the number 99999999." in content and "HTX Somewhere" in content
    assert client.get(reverse("registry:entities"), {"area": "abc", "page": "99999"}).status_code == 200


def test_a_researcher_is_offered_only_the_countries_whose_records_they_read(client):
    EntityFactory(name="HTX Hội An")
    client = researcher(client, "THA")
    content = client.get(reverse("registry:entities"), {"country": "VNM"}).content.decode()
    assert '<option value="VNM"' not in content and '<option value="THA"' in content
    assert "Country: Select a valid choice." in content


def test_an_entity_page_writes_zero_workers_as_zero_not_as_unknown(client):
    """A cooperative without employees (0) is a known fact; only an empty count is unknown (— or ?)."""
    entity = EntityFactory(members_total=12, members_women=0, members_men=12, workers_total=0, workers_women=0)
    content = researcher(client).get(entity.get_absolute_url()).content.decode()
    assert "<dd>12 (0 / 12)</dd>" in content
    assert "<dd>0 (0)</dd>" in content


@pytest.mark.parametrize(
    "point", ['{"type": "Point"}', '{"type": "Point", "coordinates": ["NaN", "NaN"]}', '{"type": "Point", "coordinates']
)
def test_an_unreadable_point_is_refused_on_the_form_not_a_server_error(client, point):
    response = researcher(client).post(reverse("registry:entity-create"), entity_data(name="HTX Mới", point=point))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Some fields need attention" in content and 'value="HTX Mới"' in content
    assert not Entity.objects.filter(name="HTX Mới").exists()


def test_an_assessment_made_on_a_draft_follows_the_criteria_adopted_not_those_it_was_made_under(client, vnm_draft):
    """Assessed while the draft had criteria A and B (both met: qualifies); then the draft gains a required
    criterion C. Adopted, the entity cannot qualify on criteria it was never assessed against."""
    from registry import classification
    from registry.models import Classification

    user = user_with_role("researcher", "VNM")
    entity = EntityFactory()
    rows = [
        {"code": "a", "statement": "A.", "principle": "autonomy", "required": True},
        {"code": "b", "statement": "B.", "principle": "autonomy", "required": True},
    ]
    classification.save_criteria(user, vnm_draft, rows)
    classification.classify(user, entity, vnm_draft, {"a": "met", "b": "met"})
    rows = [rows[0], {"code": "c", "statement": "Registered.", "principle": "other", "required": True}]
    classification.save_criteria(user, vnm_draft, rows)
    classification.submit_for_review(user, vnm_draft)
    classification.adopt(user, vnm_draft, datetime.date(2025, 3, 1), "NAC")
    record = Classification.objects.get(entity=entity, definition=vnm_draft)
    assert record.outcome == Classification.Outcome.UNDETERMINED and record.needs_review
    assert set(record.criteria_results) == {"a", "c"} and record.criteria_results["c"]["result"] == "unknown"
    content = researcher(client).get(entity.get_absolute_url()).content.decode()
    assert "Qualifies" not in content and "needs review" in content


@pytest.mark.parametrize("language", ["km", "th", "mn"])
def test_the_entity_forms_refusals_read_in_khmer_thai_and_mongolian(client, language):
    """Django's own catalogs lack these field refusals in Khmer (all), Thai and Mongolian (text too long)."""
    client = researcher(client)
    client.cookies["django_language"] = language
    data = entity_data(name="A" * 400, members_total="-5", registration_date="2020-13-45", contact_email="x")
    content = client.post(reverse("registry:entity-create"), data).content.decode()
    assert "Some fields need attention" not in content  # the page is in the reader's language
    for english in ("Ensure this value", "Enter a valid"):
        assert english not in content


def test_an_adoption_dated_after_today_is_refused_on_its_date_with_what_was_typed_kept(client, vnm_draft):
    client = researcher(client)
    url = reverse("registry:definition", args=[vnm_draft.pk])
    client.post(url, {"action": "submit"})
    response = client.post(url, {"action": "adopt", "adopted_on": "2205-03-01", "adopted_by": "National committee"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Adopted on: The date 1 March 2205 is after today" in content
    assert 'value="2205-03-01"' in content and 'value="National committee"' in content
    vnm_draft.refresh_from_db()
    assert vnm_draft.status == "under_review" and vnm_draft.adopted_on is None


def test_a_save_from_a_stale_tab_says_so_once_and_blames_no_field(client):
    entity = EntityFactory(name="HTX Hội An")
    client = researcher(client)
    url = reverse("registry:entity-edit", args=[entity.pk])
    first_tab, second_tab = rendered_form(client.get(url), "entity-form"), rendered_form(client.get(url), "entity-form")
    assert client.post(url, {**first_tab.fields, "name": "HTX Hội An (first tab)"}).status_code == 302
    content = client.post(url, {**second_tab.fields, "name": "HTX Hội An (second tab)"}).content.decode()
    assert content.count("was changed by someone else") == 1
    assert "Some fields need attention" not in content and 'value="HTX Hội An (second tab)"' in content
    entity.refresh_from_db()
    assert entity.name == "HTX Hội An (first tab)" and entity.version == 2


def test_a_draft_without_required_criteria_does_not_make_an_entity_qualify(client, vnm_draft):
    """Only optional criteria, nothing assessed: 'every required criterion met' holds of none, vacuously."""
    entity = EntityFactory()
    rows = [("reinvests", "Reinvests its surplus.", "primacy_of_people", False)]
    client = researcher(client)
    client.post(reverse("registry:definition", args=[vnm_draft.pk]), criteria_post(rows=rows))
    assert not vnm_draft.criteria.filter(required=True).exists()
    client.post(reverse("registry:entity-classify", args=[entity.pk, vnm_draft.pk]), {"result-reinvests": "unknown"})
    content = client.get(entity.get_absolute_url()).content.decode()
    assert "<td>Undetermined</td>" in content and "<td>Qualifies</td>" not in content


def test_criteria_are_reordered_by_their_positions_and_removed_by_emptying_their_code(client, vnm_draft):
    client = researcher(client)
    url = reverse("registry:definition", args=[vnm_draft.pk])
    page = client.get(url).content.decode()
    assert "To reorder the criteria, change their positions" in page
    codes = list(vnm_draft.criteria.values_list("code", flat=True))
    data = criteria_post(rows=[(code, f"Statement {code}.", "other", True) for code in codes])
    data["criterion-order"] = [str(position) for position in range(1, len(codes) + 1)]
    data["criterion-order"][-1] = "1"  # the last criterion first
    data["criterion-code"][1] = ""  # the second removed
    assert client.post(url, data).status_code == 302
    saved = list(vnm_draft.criteria.order_by("sort_order").values_list("code", flat=True))
    assert saved == [codes[-1], codes[0], *codes[2:-1]]


def test_a_page_past_the_end_or_not_a_number_says_which_page_is_shown(client):
    EntityFactory(name="HTX Hội An")
    client = researcher(client)
    past = client.get(reverse("registry:entities"), {"page": "99999"})
    assert past.status_code == 200
    assert "There is no page 99999: this is page 1 of 1." in past.content.decode()
    assert "There is no page abc" in client.get(reverse("registry:entities"), {"page": "abc"}).content.decode()
    assert "There is no page" not in client.get(reverse("registry:entities"), {"page": "1"}).content.decode()


def test_a_superseded_version_keeps_its_assessments_as_they_were(client, vnm_draft):
    """Re-assessing under a superseded version would rewrite the 'before' of what adoption changed."""
    from registry import classification
    from registry.models import Classification

    user = user_with_role("researcher", "VNM", username="researcher-vnm-2")
    entity = EntityFactory()
    classification.submit_for_review(user, vnm_draft)
    classification.adopt(user, vnm_draft, datetime.date(2025, 3, 1), "NAC")
    second = classification.new_version(user, vnm_draft.country, copy_from=vnm_draft)
    classification.submit_for_review(user, second)
    classification.adopt(user, second, datetime.date(2025, 6, 1), "NAC")
    client = researcher(client)
    url = reverse("registry:entity-classify", args=[entity.pk, vnm_draft.pk])
    codes = vnm_draft.criteria.filter(required=True).values_list("code", flat=True)
    page = client.post(url, {f"result-{code}": "met" for code in codes}, follow=True).content.decode()
    assert "v1 is superseded: its assessments are kept as they were." in page and "definition:" not in page
    assert Classification.objects.get(entity=entity, definition=vnm_draft).outcome == "undetermined"
    entity_page = client.get(entity.get_absolute_url()).content.decode()
    assert url not in entity_page
    assert reverse("registry:entity-classify", args=[entity.pk, second.pk]) in entity_page


def test_editing_the_members_of_a_confirmed_namesake_does_not_ask_again_but_renaming_it_does(client):
    EntityFactory(name="Hợp tác xã Chè Thái Nguyên", point=Point(105.845, 21.593, srid=4326))
    client = researcher(client)
    created = client.post(
        reverse("registry:entity-create"), entity_data(name="HTX Che Thai Nguyen", confirm_not_duplicate="on")
    )
    assert created.status_code == 302
    second = Entity.objects.get(name="HTX Che Thai Nguyen")
    url = reverse("registry:entity-edit", args=[second.pk])
    form = rendered_form(client.get(url), "entity-form")
    assert client.post(url, {**form.fields, "members_total": "40"}).status_code == 302
    second.refresh_from_db()
    assert second.members_total == 40
    form = rendered_form(client.get(url), "entity-form")
    renamed = client.post(url, {**form.fields, "name": "HTX Chè Thái Nguyên"})
    assert renamed.status_code == 200 and "Possible duplicates nearby" in renamed.content.decode()


def test_a_khmer_search_typed_with_a_zero_width_space_finds_the_name_written_with_a_space(client):
    EntityFactory(
        country_id="KHM",
        name="Sahakum Kasekam Prey Veng",
        name_local="សហគមន៍កសិកម្ម ព្រៃវែង",
        point=Point(105.3, 11.5, srid=4326),
    )
    client = researcher(client, "KHM")
    content = client.get(reverse("registry:entities"), {"q": "សហគមន៍កសិកម្ម\u200bព្រៃវែង"}).content.decode()
    assert "Sahakum Kasekam Prey Veng" in content


def test_a_drafts_trial_assessments_are_not_shown_as_what_adoption_changed(client, vnm_draft):
    entity = EntityFactory()
    client = researcher(client)
    codes = vnm_draft.criteria.filter(required=True).values_list("code", flat=True)
    client.post(
        reverse("registry:entity-classify", args=[entity.pk, vnm_draft.pk]), {f"result-{c}": "met" for c in codes}
    )
    content = client.get(reverse("registry:definition", args=[vnm_draft.pk])).content.decode()
    assert "What adoption changed" not in content
