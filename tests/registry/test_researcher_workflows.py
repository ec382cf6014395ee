"""A researcher's workflows as a browser sends them: the rendered pages' own forms, submitted as shown."""

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
