"""The admin follows the pages: only COOP and administrators change legislation data, and a stage entered there
obeys the same rules (date not before the process started, current stage kept in step) with a message, not a 500."""

import datetime

import pytest

from legislation.models import Assessment, Instrument, Provision, ReformProcess
from registry.models import CountryRole
from tests.factories import user_with_role

from .factories import ReformProcessFactory, rate


def staff(role, country=None):
    return user_with_role(role, country, is_staff=True)


@pytest.mark.parametrize(("role", "country"), [("committee", "VNM"), ("researcher", "THA")])
def test_staff_reader_cannot_change_a_rating_through_the_admin_history_revert(client, role, country):
    (assessment,) = rate(Instrument.objects.get(code="vnm-coop-2023"), {"P6a": "aligned"})
    version = assessment.history.get()
    client.force_login(staff(role, country))
    url = f"/admin/legislation/assessment/{assessment.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200  # readers may look at an old version
    response = client.post(
        url,
        {
            "instrument": assessment.instrument_id,
            "provision": assessment.provision_id,
            "rating": "not_aligned",
            "evidence": "tampered",
            "assessed_on": "2025-01-01",
        },
    )
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert (assessment.rating, assessment.evidence) == ("aligned", "")
    assert assessment.history.count() == 1


def process_change_data(process, started_on, events, new_event=None):
    """The admin change form of a process with its stage inline, as a browser posts it."""
    data = {
        "country": process.country_id,
        "title": process.title,
        "started_on": started_on,
        "note": process.note,
        "is_demo": "",
        "events-TOTAL_FORMS": str(len(events) + (1 if new_event else 0)),
        "events-INITIAL_FORMS": str(len(events)),
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "1000",
    }
    rows = [{"id": event.pk, **{k: getattr(event, k) for k in ("stage", "occurred_on", "note")}} for event in events]
    if new_event:
        rows.append(new_event)
    for index, row in enumerate(rows):
        data.update(
            {
                f"events-{index}-id": row.get("id", ""),
                f"events-{index}-process": process.pk,
                f"events-{index}-stage": row["stage"],
                f"events-{index}-occurred_on": str(row["occurred_on"]),
                f"events-{index}-date_confidence": "H",
                f"events-{index}-note": row.get("note", ""),
            }
        )
    return data


@pytest.fixture
def coop_admin(client):
    client.force_login(staff(CountryRole.Role.COOP))
    return client


def test_admin_stage_dated_before_the_process_started_is_refused_on_the_field(coop_admin):
    process = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    data = process_change_data(
        process, "2024-03-01", [], {"stage": "drafting", "occurred_on": "2024-01-15", "note": "typed note"}
    )
    response = coop_admin.post(f"/admin/legislation/reformprocess/{process.pk}/change/", data)
    assert response.status_code == 200  # the form again, not a 500
    page = response.content.decode()
    assert "before the process started" in page
    assert "typed note" in page
    assert not process.events.exists()


def test_admin_cannot_move_the_start_after_a_stage(coop_admin):
    process = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    coop_admin.post(
        f"/admin/legislation/reformprocess/{process.pk}/change/",
        process_change_data(process, "2024-03-01", [], {"stage": "drafting", "occurred_on": "2024-04-01"}),
    )
    events = list(process.events.all())
    response = coop_admin.post(
        f"/admin/legislation/reformprocess/{process.pk}/change/", process_change_data(process, "2024-06-01", events)
    )
    assert response.status_code == 200
    assert "it cannot start after that" in response.content.decode()
    process.refresh_from_db()
    assert process.started_on == datetime.date(2024, 3, 1)


def test_admin_stages_keep_the_current_stage_in_step(coop_admin):
    process = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    url = f"/admin/legislation/reformprocess/{process.pk}/change/"
    response = coop_admin.post(
        url, process_change_data(process, "2024-03-01", [], {"stage": "drafting", "occurred_on": "2024-04-01"})
    )
    assert response.status_code == 302
    process.refresh_from_db()
    assert process.current_stage == "drafting"
    coop_admin.post(
        url,
        process_change_data(
            process, "2024-03-01", list(process.events.all()), {"stage": "submitted", "occurred_on": "2024-09-01"}
        ),
    )
    process.refresh_from_db()
    assert process.current_stage == "submitted"
    assert ReformProcess.objects.get(pk=process.pk).get_current_stage_display() == "Submitted to the legislature"
    assert Assessment.objects.count() == 0


def instrument_change_data(instrument, **changes):
    data = {
        field.name: getattr(instrument, field.attname)
        for field in Instrument._meta.concrete_fields
        if field.name not in ("id", "supersedes", "amends", "implements")
    }
    data = {name: "" if value is None else value for name, value in data.items()}
    data.update(changes)
    data.update(
        {
            "legal_form_links-TOTAL_FORMS": "0",
            "legal_form_links-INITIAL_FORMS": "0",
            "legal_form_links-MIN_NUM_FORMS": "0",
            "legal_form_links-MAX_NUM_FORMS": "1000",
        }
    )
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"in_force_on": "2020-01-01"}, "In force from 1 January 2020, before its adoption (20 June 2023)."),
        ({"adopted_on": "", "adopted_year": "2030"}, "In force from 1 July 2024, before its adoption (2030)."),
        ({"repealed_on": "2024-01-01"}, "Repealed on 1 January 2024, before it came into force (1 July 2024)."),
    ],
)
def test_admin_refuses_instrument_dates_out_of_order_naming_the_field(coop_admin, changes, message):
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    url = f"/admin/legislation/instrument/{instrument.pk}/change/"
    response = coop_admin.post(url, instrument_change_data(instrument, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "is violated" not in page
    instrument.refresh_from_db()
    assert (instrument.adopted_year, instrument.in_force_on, instrument.repealed_on) == (
        2023,
        datetime.date(2024, 7, 1),
        None,
    )


def test_admin_takes_the_year_of_adoption_from_the_full_date(coop_admin):
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    url = f"/admin/legislation/instrument/{instrument.pk}/change/"
    response = coop_admin.post(url, instrument_change_data(instrument, adopted_year="2022"))
    assert response.status_code == 302  # was the form again with 'Constraint ... is violated'
    instrument.refresh_from_db()
    assert (instrument.adopted_on, instrument.adopted_year) == (datetime.date(2023, 6, 20), 2023)


def test_admin_refuses_an_assessment_dated_after_today(coop_admin):
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    future = datetime.date.today() + datetime.timedelta(days=30)
    response = coop_admin.post(
        "/admin/legislation/assessment/add/",
        {
            "instrument": instrument.pk,
            "provision": Provision.objects.get(key="P6a").pk,
            "rating": "aligned",
            "evidence": "Art. 21",
            "assessed_on": future.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "An assessment cannot be dated after today" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_r193_checklist_is_read_only_in_the_admin_since_each_load_writes_it_back(coop_admin):
    provision = Provision.objects.get(key="P4")
    url = f"/admin/legislation/provision/{provision.pk}/change/"
    assert coop_admin.get(url).status_code == 200
    payload = {"key": "P4", "paragraph": "4", "part": "I", "text": "edited", "confidence": "M", "sort_order": 5}
    assert coop_admin.post(url, payload).status_code == 403
    assert coop_admin.post("/admin/legislation/provision/add/", payload | {"key": "P99"}).status_code == 403
    assert coop_admin.post(f"/admin/legislation/provision/{provision.pk}/delete/", {"post": "yes"}).status_code == 403
    version = provision.history.first()
    history_url = f"/admin/legislation/provision/{provision.pk}/history/{version.history_id}/"
    assert coop_admin.post(history_url, payload).status_code == 403
    provision.refresh_from_db()
    assert provision.text.startswith("pursues the objectives listed") and Provision.objects.count() == 25


@pytest.mark.parametrize(
    ("link", "target", "message"),
    [
        ("amends", "vnm-coop-2023", "Choose another instrument: this is the instrument itself."),
        ("implements", "tha-coop-1999", "Choose an instrument of the same country; Cooperatives Act B.E. 2542 (1999)"),
    ],
)
def test_admin_refuses_a_link_to_itself_or_to_another_countrys_law(coop_admin, link, target, message):
    """Saved, either made Viet Nam's 2023 law an amendment or implementing text: it left the dashboard's matrix."""
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    data = instrument_change_data(instrument, **{link: Instrument.objects.get(code=target).pk})
    data["supersedes"] = instrument.supersedes_id
    response = coop_admin.post(f"/admin/legislation/instrument/{instrument.pk}/change/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    instrument.refresh_from_db()
    assert instrument.amends_id is None and instrument.implements_id is None


def test_admin_refuses_a_law_marked_in_force_after_its_repeal_date(coop_admin, client):
    """Saved, the dashboard went on rating Viet Nam's 2023 law as the law in force after its recorded repeal."""
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    url = f"/admin/legislation/instrument/{instrument.pk}/change/"
    data = instrument_change_data(instrument, repealed_on="2025-01-01")
    data["supersedes"] = instrument.supersedes_id
    response = coop_admin.post(url, data)
    assert response.status_code == 200
    assert "Marked in force, but repealed or replaced on 1 January 2025." in response.content.decode()
    data["status"] = "repealed"
    assert coop_admin.post(url, data).status_code == 302
