"""The shipped registry reference data: families, legal forms per country, the ILC 2022 template."""

import pytest
from django.core.management import call_command

from registry.models import EntityFamily, LegalForm, WorkingDefinition
from registry.reference import create_definition_from_template

pytestmark = pytest.mark.django_db

EXPECTED_LEGAL_FORMS = {
    "VNM": {
        "cooperative_group",
        "cooperative",
        "union_of_cooperatives",
        "peoples_credit_fund",
        "social_enterprise",
        "association",
    },
    "THA": {
        "cooperative",
        "farmer_group",
        "community_enterprise",
        "social_enterprise",
        "social_business_group",
        "foundation",
        "association",
    },
    "KHM": {"agricultural_cooperative", "union_of_agricultural_cooperatives", "association", "ngo"},
    "MNG": {"cooperative", "savings_credit_cooperative", "ngo", "partnership"},
    "KGZ": {"cooperative", "credit_union", "noncommercial_organization"},
}


def test_the_seven_ilc_families_are_loaded_by_code():
    assert set(EntityFamily.objects.values_list("code", flat=True)) == {
        "cooperative",
        "association",
        "mutual_society",
        "foundation",
        "social_enterprise",
        "self_help_group",
        "other",
    }


def test_each_country_has_its_legal_forms_with_local_names():
    for iso3, codes in EXPECTED_LEGAL_FORMS.items():
        forms = LegalForm.objects.filter(country_id=iso3)
        assert set(forms.values_list("code", flat=True)) == codes
        assert all(form.name_local for form in forms)
    assert LegalForm.objects.get(country_id="VNM", code="cooperative").name_local == "Hợp tác xã"
    assert LegalForm.objects.get(country_id="THA", code="community_enterprise").family.code == "self_help_group"


def test_loading_again_changes_nothing():
    before = (EntityFamily.objects.count(), LegalForm.objects.count(), WorkingDefinition.objects.count())
    call_command("load_registry_reference", verbosity=0)
    assert (EntityFamily.objects.count(), LegalForm.objects.count(), WorkingDefinition.objects.count()) == before


def test_every_country_starts_with_a_clearly_labelled_template_draft():
    for definition in WorkingDefinition.objects.filter(version=1):
        assert definition.is_template
        assert definition.status == WorkingDefinition.Status.DRAFT
        assert "TEMPLATE" in definition.title and "not a national text" in definition.title
        principles = set(definition.criteria.values_list("principle", flat=True))
        assert {"voluntary_cooperation", "democratic_governance", "autonomy", "primacy_of_people"} <= principles
    assert WorkingDefinition.objects.filter(version=1).count() == 5


def test_template_can_be_loaded_again_as_a_new_draft_version():
    from registry.models import Country

    khm = Country.objects.get(iso3="KHM")
    definition = create_definition_from_template(khm)
    assert definition.version == 2 and definition.is_template
    assert definition.criteria.filter(required=True).count() == 5
