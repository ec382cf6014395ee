"""Bad input is refused with a message naming the field and the reason, and nothing is saved half-way."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from legislation.assessments import record_assessment
from legislation.models import Assessment, Instrument, ReformProcess, StageEvent
from legislation.reform import record_stage

from .factories import AssessmentFactory, ReformProcessFactory

GRID_EDIT = "/legislation/instruments/vnm-coop-2023/assessments/edit/"


def test_assessment_citing_a_provision_that_does_not_exist_is_refused(client_as, coop):
    payload = {"provision": "P99", "rating": "aligned", "assessed_on": "2025-01-15"}
    response = client_as(coop).post(GRID_EDIT, payload)
    assert response.status_code == 400
    assert "&#x27;P99&#x27; is not a provision of the R193 checklist" in response.content.decode()
    assert not Assessment.objects.exists()


def test_rating_outside_the_scale_is_refused(client_as, coop):
    payload = {"provision": "P6a", "rating": "excellent", "assessed_on": "2025-01-15"}
    response = client_as(coop).post(GRID_EDIT, payload)
    assert response.status_code == 400
    assert "&#x27;excellent&#x27; is not on the rating scale" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_domain_and_the_database_refuse_a_rating_outside_the_scale():
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    with pytest.raises(ValidationError) as error:
        record_assessment(instrument, "P6a", "excellent")
    assert "rating" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record_assessment(instrument, "P99", "aligned")
    assert "provision" in error.value.message_dict
    with transaction.atomic(), pytest.raises(IntegrityError, match="assessment_rating_in_scale"):
        AssessmentFactory(instrument=instrument, rating="excellent")
    assert not Assessment.objects.exists()


def test_stage_dated_before_the_process_started_is_refused(client_as, coop):
    process = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    payload = {"stage": "drafting", "occurred_on": "2024-02-29", "date_confidence": "H"}
    response = client_as(coop).post(f"/legislation/processes/{process.pk}/stages/", payload)
    assert response.status_code == 400
    assert "The stage is dated 29 February 2024, before the process started (1 March 2024)." in (
        response.content.decode()
    )
    assert not StageEvent.objects.filter(process=process).exists()
    process.refresh_from_db()
    assert process.current_stage == ""


def test_the_database_refuses_a_stage_before_the_start_whatever_the_path():
    process = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    with pytest.raises(ValidationError):
        record_stage(process, "drafting", datetime.date(2023, 1, 1))
    with transaction.atomic(), pytest.raises(IntegrityError, match="before its reform process started"):
        StageEvent.objects.create(process=process, stage="drafting", occurred_on=datetime.date(2023, 1, 1))
    record_stage(process, "drafting", datetime.date(2024, 5, 1))
    process.started_on = datetime.date(2024, 6, 1)
    with transaction.atomic(), pytest.raises(IntegrityError, match="after its first stage"):
        process.save()


def test_a_process_cannot_be_moved_to_start_after_its_first_stage(client_as, coop):
    process = ReformProcess.objects.get(country_id="VNM")
    from legislation.forms import ReformProcessForm

    form = ReformProcessForm(
        {"title": process.title, "started_on": "2024-01-01"}, instance=process, country=process.country
    )
    assert not form.is_valid()
    assert "it cannot start after that" in str(form.errors["started_on"])


def test_unknown_stage_is_refused(client_as, coop):
    process = ReformProcessFactory()
    payload = {"stage": "celebrated", "occurred_on": "2024-05-01", "date_confidence": "H"}
    response = client_as(coop).post(f"/legislation/processes/{process.pk}/stages/", payload)
    assert response.status_code == 400
    assert "&#x27;celebrated&#x27; is not a reform stage." in response.content.decode()
    assert not StageEvent.objects.filter(process=process).exists()


def test_coop_starts_following_a_process_with_target_instruments(client_as, coop):
    target = Instrument.objects.get(code="kgz-coop-2004")
    payload = {"title": "Amendment of the Law On Cooperatives", "started_on": "2025-03-01", "targets": [target.pk]}
    response = client_as(coop).post("/legislation/countries/KGZ/processes/", payload)
    assert response.status_code == 302
    process = ReformProcess.objects.get(country_id="KGZ")
    assert list(process.targets.all()) == [target]


def test_process_targets_must_be_of_the_same_country(client_as, coop):
    other_country = Instrument.objects.get(code="vnm-coop-2023")
    payload = {"title": "Amendment", "started_on": "2025-03-01", "targets": [other_country.pk]}
    response = client_as(coop).post("/legislation/countries/KGZ/processes/", payload)
    assert response.status_code == 400
    assert not ReformProcess.objects.filter(country_id="KGZ").exists()


def test_a_nul_character_in_a_code_or_key_is_answered_not_a_500(client_as, coop):
    """Codes and keys come from query strings and URLs; PostgreSQL cannot compare text holding a NUL."""
    client = client_as(coop)
    compare = client.get("/legislation/compare/?before=vnm-coop-2012%00&after=vnm-coop-2023")
    assert compare.status_code == 400
    assert "No instrument with the code" in compare.content.decode()
    listing = client.get("/legislation/instruments/?country=VN%00")
    assert listing.status_code == 200 and "Law on Cooperatives 2023" not in listing.content.decode()
    form = client.get("/legislation/instruments/vnm-coop-2023/assessments/edit/?provision=P1%00")
    assert form.status_code == 200
    assert client.get("/legislation/countries/VN%00M/").status_code == 404
    assert client.get("/legislation/countries/vnm/").status_code == 200


def test_a_stage_dated_after_today_is_refused_and_does_not_become_the_current_stage(client_as, coop):
    process = ReformProcessFactory()
    record_stage(process, "drafting", datetime.date(2024, 5, 1))
    future = datetime.date.today() + datetime.timedelta(days=2)
    payload = {"stage": "adopted", "occurred_on": future.isoformat(), "date_confidence": "H", "note": "typo year"}
    response = client_as(coop).post(f"/legislation/processes/{process.pk}/stages/", payload)
    assert response.status_code == 400
    page = response.content.decode()
    assert "after today: a stage is recorded once it has happened" in page
    assert "typo year" in page
    process.refresh_from_db()
    assert process.current_stage == "drafting" and process.events.count() == 1


def test_an_assessment_dated_after_today_is_refused_on_its_field(client_as, coop):
    future = datetime.date.today() + datetime.timedelta(days=400)
    payload = {"provision": "P6a", "rating": "aligned", "evidence": "Art. 9", "assessed_on": future.isoformat()}
    response = client_as(coop).post(GRID_EDIT, payload)
    assert response.status_code == 400
    page = response.content.decode()
    assert "An assessment cannot be dated after today" in page and "Art. 9" in page
    assert not Assessment.objects.exists()
    with pytest.raises(ValidationError) as refused:
        record_assessment(Instrument.objects.get(code="vnm-coop-2023"), "P6a", "aligned", assessed_on=future)
    assert "assessed_on" in refused.value.message_dict


def test_today_in_asia_is_not_refused_as_a_future_date_while_the_server_is_still_on_yesterday(monkeypatch, coop):
    """At 20:00 UTC on 7 December it is 03:00 on 8 December in Hà Nội: a stage or rating of that day is accepted."""
    evening_utc = datetime.datetime(2026, 12, 7, 20, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: evening_utc)
    hanoi_today = datetime.date(2026, 12, 8)
    process = ReformProcessFactory()
    assert record_stage(process, "drafting", hanoi_today).occurred_on == hanoi_today
    law = Instrument.objects.get(code="vnm-coop-2023")
    assert record_assessment(law, "P6a", "aligned", assessed_on=hanoi_today).assessed_on == hanoi_today
    with pytest.raises(ValidationError):
        record_stage(process, "submitted", datetime.date(2026, 12, 9))
