"""The classification rule, the definition life cycle and re-classification on adoption."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import classification
from registry.models import Classification, Criterion, WorkingDefinition
from tests.factories import EntityFactory, user_with_role

pytestmark = pytest.mark.django_db
Outcome = Classification.Outcome


@pytest.fixture
def researcher():
    return user_with_role("researcher", "VNM")


@pytest.fixture
def template(researcher):
    return WorkingDefinition.objects.get(country_id="VNM", version=1)


def required_codes(definition):
    return list(definition.criteria.filter(required=True).values_list("code", flat=True))


def test_rule_all_required_met_qualifies_any_not_met_does_not_else_undetermined(template):
    criteria = list(template.criteria.all())
    codes = required_codes(template)
    assert classification.outcome_for(criteria, dict.fromkeys(codes, "met")) == Outcome.QUALIFIES
    assert classification.outcome_for(criteria, {**dict.fromkeys(codes, "met"), codes[0]: "not_met"}) == (
        Outcome.DOES_NOT_QUALIFY
    )
    assert classification.outcome_for(criteria, {codes[0]: "met"}) == Outcome.UNDETERMINED
    optional = template.criteria.filter(required=False).first().code
    assert classification.outcome_for(criteria, {**dict.fromkeys(codes, "met"), optional: "not_met"}) == (
        Outcome.QUALIFIES
    )


def test_classify_records_evidence_and_history(researcher, template):
    entity = EntityFactory()
    results = {code: {"result": "met", "evidence": "statutes art. 3"} for code in required_codes(template)}
    record = classification.classify(researcher, entity, template, results)
    assert record.outcome == Outcome.QUALIFIES
    assert record.criteria_results[required_codes(template)[0]]["evidence"] == "statutes art. 3"
    assert record.history.first().history_user == researcher


def test_classify_refuses_unknown_results_and_other_countries(researcher, template):
    entity = EntityFactory()
    with pytest.raises(ValidationError):
        classification.classify(researcher, entity, template, {"autonomy": "maybe"})
    with pytest.raises(PermissionDenied):
        classification.classify(user_with_role("researcher", "KHM"), entity, template, {})


def adopt(researcher, definition, day=datetime.date(2025, 1, 1)):
    classification.submit_for_review(researcher, definition)
    return classification.adopt(researcher, definition, day, "National advisory committee")


def test_adoption_reclassifies_where_the_rule_decides_and_flags_the_rest(researcher, template):
    qualifies, fails, unknown, never = EntityFactory(), EntityFactory(), EntityFactory(), EntityFactory()
    codes = required_codes(template)
    classification.classify(researcher, qualifies, template, dict.fromkeys(codes, "met"))
    classification.classify(researcher, fails, template, {**dict.fromkeys(codes, "met"), codes[0]: "not_met"})
    classification.classify(researcher, unknown, template, {codes[0]: "met"})
    adopt(researcher, template)

    second = classification.new_version(researcher, template.country, copy_from=template)
    Criterion.objects.create(
        definition=second, code="registered", statement="Is registered", principle="other", required=False
    )
    report = adopt(researcher, second, datetime.date(2025, 6, 1))
    template.refresh_from_db()
    assert template.status == WorkingDefinition.Status.SUPERSEDED
    assert report.classified == 4

    def under_second(entity):
        return Classification.objects.get(entity=entity, definition=second)

    assert under_second(qualifies).outcome == Outcome.QUALIFIES and not under_second(qualifies).needs_review
    assert under_second(fails).outcome == Outcome.DOES_NOT_QUALIFY
    assert under_second(unknown).outcome == Outcome.UNDETERMINED and under_second(unknown).needs_review
    assert under_second(never).needs_review
    assert Classification.history.filter(definition_id=second.pk, history_type="+").count() == 4
    previous, changes = classification.outcome_changes(second)
    assert previous == template
    assert ("undetermined", "undetermined", True, 2) in changes  # "never" was flagged at the first adoption
    assert ("qualifies", "qualifies", False, 1) in changes


def test_a_new_required_criterion_sends_qualifying_entities_to_review(researcher, template):
    entity = EntityFactory()
    classification.classify(researcher, entity, template, dict.fromkeys(required_codes(template), "met"))
    adopt(researcher, template)
    second = classification.new_version(researcher, template.country, copy_from=template)
    Criterion.objects.create(definition=second, code="reinvests_51", statement="Reinvests", principle="other")
    adopt(researcher, second)
    record = Classification.objects.get(entity=entity, definition=second)
    assert record.outcome == Outcome.UNDETERMINED and record.needs_review


def test_only_a_version_under_review_with_date_and_body_is_adopted(researcher, template):
    with pytest.raises(ValidationError) as error:
        classification.adopt(researcher, template, None, "")
    assert {"status", "adopted_on", "adopted_by"} <= set(error.value.message_dict)


def test_committee_members_cannot_edit_definitions(template):
    with pytest.raises(PermissionDenied):
        classification.submit_for_review(user_with_role("committee", "VNM"), template)
