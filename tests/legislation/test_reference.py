"""The shipped reference data: 25 R193 provisions and the five countries' instruments, loaded idempotently."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from legislation.models import Instrument, InstrumentLegalForm, Provision, ReformProcess, StageEvent
from legislation.reference import ReferenceDataError, load_reference_data
from registry.models import LegalForm

FIXTURE = json.loads((settings.BASE_DIR / "fixtures/legislation/instruments.json").read_text(encoding="utf-8"))


def counts():
    return (
        Provision.objects.count(),
        Instrument.objects.count(),
        InstrumentLegalForm.objects.count(),
        ReformProcess.objects.count(),
        StageEvent.objects.count(),
        Instrument.history.count(),
    )


def test_reference_data_has_the_25_r193_provisions_in_checklist_order():
    keys = list(Provision.objects.values_list("key", flat=True))
    assert len(keys) == 25
    assert keys[:3] == ["P1", "P2", "P3a"] and keys[-1] == "P13"
    assert Provision.objects.get(key="P10_2").paragraph == "10(2)"
    assert Provision.objects.get(key="P12").part == "III"


def test_reference_data_has_every_instrument_of_domain_md():
    assert set(Instrument.objects.values_list("code", flat=True)) == {row["code"] for row in FIXTURE["instruments"]}
    assert set(Instrument.objects.values_list("country_id", flat=True)) == {"VNM", "THA", "KHM", "MNG", "KGZ"}
    vn2023 = Instrument.objects.get(number="17/2023/QH15")
    assert str(vn2023.adopted_on) == "2023-06-20" and str(vn2023.in_force_on) == "2024-07-01"
    assert vn2023.supersedes.number == "23/2012/QH13"
    assert set(vn2023.legal_forms.values_list("code", flat=True)) == {
        "cooperative_group",
        "cooperative",
        "union_of_cooperatives",
    }
    assert set(
        Instrument.objects.get(code="tha-social-enterprise-2019").legal_forms.values_list("code", flat=True)
    ) == {
        "social_enterprise",
        "social_business_group",
    }


def test_facts_domain_md_leaves_unknown_stay_empty():
    cambodia_law = Instrument.objects.get(code="khm-ag-coop-2013")
    assert cambodia_law.number == ""  # promulgation number unknown
    mongolia_original = Instrument.objects.get(code="mng-coop-original")
    assert mongolia_original.adopted_year is None  # 1995 or 1998: sources disagree


def test_loading_again_changes_nothing():
    before = counts()
    call_command("load_legislation_reference", verbosity=0)
    report = load_reference_data()
    assert counts() == before
    assert report.instruments_created == report.legal_form_links_created == report.events_created == 0


def test_loading_again_keeps_a_fact_the_coop_unit_verified_unless_asked_to_update():
    instrument = Instrument.objects.get(code="khm-ag-coop-2013")
    instrument.title_original_confidence = "H"
    instrument.save()
    load_reference_data()
    instrument.refresh_from_db()
    assert instrument.title_original_confidence == "H"
    load_reference_data(update=True)
    instrument.refresh_from_db()
    assert instrument.title_original_confidence == "L"


def test_a_missing_legal_form_stops_the_load_with_its_name_and_saves_nothing():
    Instrument.objects.all().delete()
    LegalForm.objects.filter(country_id="THA", code="social_business_group").delete()
    with pytest.raises(ReferenceDataError, match="THA/social_business_group does not exist"):
        load_reference_data()
    assert Instrument.objects.count() == 0
    with pytest.raises(CommandError, match="tha-social-enterprise-2019"):
        call_command("load_legislation_reference", verbosity=0)


def test_known_reform_processes_are_loaded_with_their_current_stage():
    vietnam = ReformProcess.objects.get(country_id="VNM")
    assert vietnam.current_stage == "in_force"
    assert list(vietnam.events.values_list("stage", flat=True)) == ["adopted", "in_force"]
    assert ReformProcess.objects.get(country_id="MNG").current_stage == "adopted"
    assert not ReformProcess.objects.filter(is_demo=True).exists()


def test_instrument_page_shows_an_unconfirmed_fact_as_unverified(client):
    page = client.get("/legislation/instruments/khm-ag-coop-2013/").content.decode()
    assert "ច្បាប់ស្ដីពីសហគមន៍កសិកម្ម" in page
    original = page.index("ច្បាប់ស្ដីពីសហគមន៍កសិកម្ម")
    assert "unverified" in page[original : original + 400]
    assert 'lang="km"' in page


def test_loading_again_keeps_a_stage_date_the_coop_unit_corrected_without_adding_the_old_one_back():
    vietnam = ReformProcess.objects.get(country_id="VNM")
    in_force = vietnam.events.get(stage="in_force")
    in_force.occurred_on = datetime.date(2024, 7, 2)  # as corrected in the admin
    in_force.save()
    report = load_reference_data()
    assert report.events_created == 0
    assert list(vietnam.events.values_list("stage", "occurred_on")) == [
        ("adopted", datetime.date(2023, 6, 20)),
        ("in_force", datetime.date(2024, 7, 2)),
    ]
