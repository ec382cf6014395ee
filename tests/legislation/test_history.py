"""Every change to assessments, stages, instruments and processes is kept in history and listed as "what changed"."""

import datetime

from legislation.models import Assessment, Instrument, ReformProcess, StageEvent

GRID_EDIT = "/legislation/instruments/kgz-coop-2004/assessments/edit/"


def rate_p6a(client, rating, evidence):
    payload = {"provision": "P6a", "rating": rating, "evidence": evidence, "assessed_on": "2025-01-15"}
    assert client.post(GRID_EDIT, payload).status_code == 302


def test_changing_a_rating_keeps_the_old_one_in_history_with_who_changed_it(client_as, coop):
    client = client_as(coop)
    rate_p6a(client, "not_addressed", "")
    rate_p6a(client, "aligned", "Art. 12")
    assessment = Assessment.objects.get(instrument__code="kgz-coop-2004", provision__key="P6a")
    history = list(assessment.history.order_by("history_date"))
    assert [(h.history_type, h.rating, h.history_user) for h in history] == [
        ("+", "not_addressed", coop),
        ("~", "aligned", coop),
    ]


def test_recording_a_stage_writes_history_of_the_event_and_the_current_stage(client_as, coop):
    process = ReformProcess.objects.get(country_id="MNG")
    url = f"/legislation/processes/{process.pk}/stages/"
    payload = {"stage": "implementing_regulations", "occurred_on": "2022-01-10", "date_confidence": "M"}
    assert client_as(coop).post(url, payload).status_code == 302
    event = StageEvent.objects.get(process=process, stage="implementing_regulations")
    assert event.history.get().history_user == coop
    assert list(process.history.order_by("history_date").values_list("current_stage", flat=True))[-2:] == [
        "adopted",
        "implementing_regulations",
    ]


def test_editing_an_instrument_writes_history():
    instrument = Instrument.objects.get(code="mng-coop-2021")
    before = instrument.history.count()
    instrument.in_force_on = datetime.date(2021, 6, 1)
    instrument.save()
    assert instrument.history.count() == before + 1
    assert instrument.history.first().in_force_on == datetime.date(2021, 6, 1)


def test_dashboard_lists_what_changed_since_a_date_with_old_and_new_values(client_as, coop, committee):
    rate_p6a(client_as(coop), "not_addressed", "")
    rate_p6a(client_as(coop), "partly_aligned", "Art. 5")
    page = client_as(committee).get(f"/legislation/?since={datetime.date.today()}").content.decode()
    changes = page[page.index("What changed since") :]
    assert "Law &quot;On Cooperatives&quot; (KGZ) — P6a" in changes
    assert "<del>Not addressed</del> → <ins>Partly aligned</ins>" in changes
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    later = client_as(committee).get(f"/legislation/?since={tomorrow}").content.decode()
    assert "Nothing changed since then." in later


def test_a_bad_since_date_is_named_in_the_message(client_as, committee):
    page = client_as(committee).get("/legislation/?since=last-week").content.decode()
    assert "&#x27;since&#x27; must be a date as YYYY-MM-DD, got &#x27;last-week&#x27;" in page


def test_what_changed_names_the_instrument_a_link_points_to_not_its_id(client_as, coop, committee):
    civil_code = Instrument.objects.get(code="kgz-civil-code")
    law = Instrument.objects.get(code="kgz-coop-2004")
    civil_code.amends = law
    civil_code.save()
    page = client_as(committee).get(f"/legislation/?since={datetime.date.today()}").content.decode()
    changes = page[page.index("What changed since") :]
    assert "<li>amends: <del>—</del> → <ins>Law &quot;On Cooperatives&quot; (KGZ)</ins></li>" in changes
    assert f"<ins>{law.pk}</ins>" not in changes
