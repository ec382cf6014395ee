"""Classifying entities against a working definition, and the definition's life cycle.

THE RULE (one rule, used by the form, the API and re-classification on adoption):
  - every required criterion met                -> qualifies (a version without required criteria decides
                                                   nothing: undetermined);
  - any required criterion not met              -> does not qualify;
  - otherwise (some required criterion unknown) -> undetermined.
Criteria that are not required are recorded but never decide the outcome.

Adopting a definition version supersedes the country's previously adopted one
and re-classifies every entity of the country in one set-based statement:
results for criteria the new version keeps (same code) carry over, the rule
decides where it can, and the rest are flagged for review. `outcome_changes`
shows what adoption changed.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from . import sql
from .models import Classification, Criterion, WorkingDefinition
from .permissions import can_edit_registry, require

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
RESULTS = (MET, NOT_MET, UNKNOWN)
# As the classification page offers them. A criterion not yet assessed is "unknown", never "met" by default:
# a form saved without looking must not make an entity qualify.
RESULT_CHOICES = (
    (UNKNOWN, pgettext_lazy("criterion result", "Not yet known")),
    (MET, pgettext_lazy("criterion result", "Met")),
    (NOT_MET, pgettext_lazy("criterion result", "Not met")),
)
Outcome = Classification.Outcome
Status = WorkingDefinition.Status


def outcome_for(criteria, results):
    """The outcome of `results` (code -> met|not_met|unknown, or {"result": ...}) under `criteria`."""
    required = [criterion.code for criterion in criteria if criterion.required]
    values = [_result_of(results.get(code)) for code in required]
    if NOT_MET in values:
        return Outcome.DOES_NOT_QUALIFY
    # A draft without any required criterion decides nothing: "every required criterion met" would be
    # true of no criteria at all, and an entity assessed on nothing would qualify.
    if values and all(value == MET for value in values):
        return Outcome.QUALIFIES
    return Outcome.UNDETERMINED


def _result_of(entry):
    if isinstance(entry, dict):
        entry = entry.get("result")
    return entry if entry in RESULTS else UNKNOWN


@transaction.atomic
def classify(user, entity, definition, results, note=""):
    """Record `entity`'s assessment against `definition`; returns the Classification.

    `results` maps criterion code -> {"result": met|not_met|unknown, "evidence": text}.
    """
    require(can_edit_registry(user, entity.country_id), gettext("You may classify only entities of your countries."))
    if definition.country_id != entity.country_id:
        raise ValidationError(
            {
                "definition": gettext("v%(version)s is not a definition of %(country)s.")
                % {"version": definition.version, "country": entity.country.display_name}
            }
        )
    if definition.status == Status.SUPERSEDED:
        # Its assessments are the record of what it decided (and the "before" of what adoption changed).
        raise ValidationError(
            {
                "definition": gettext(
                    "v%(version)s is superseded: its assessments are kept as they were. Assess the entity "
                    "against the version in force."
                )
                % {"version": definition.version}
            }
        )
    criteria = list(definition.criteria.all())
    codes = {criterion.code for criterion in criteria}
    errors = {}
    cleaned = {}
    for code, entry in results.items():
        if code not in codes:
            errors[code] = [
                gettext("%(code)s is not a criterion of v%(version)s.")
                % {"code": repr(code), "version": definition.version}
            ]
            continue
        entry = entry if isinstance(entry, dict) else {"result": entry}
        if entry.get("result", UNKNOWN) not in RESULTS:
            errors[code] = [
                gettext("The result must be one of %(known)s, not %(value)s.")
                % {"known": ", ".join(RESULTS), "value": repr(entry.get("result"))}
            ]
            continue
        cleaned[code] = {"result": entry.get("result", UNKNOWN), "evidence": str(entry.get("evidence", "")).strip()}
    if errors:
        raise ValidationError(errors)
    for code in codes - set(cleaned):
        cleaned[code] = {"result": UNKNOWN, "evidence": ""}
    classification, _ = Classification.objects.get_or_create(entity=entity, definition=definition)
    classification.criteria_results = cleaned
    classification.outcome = outcome_for(criteria, cleaned)
    classification.needs_review = False
    classification.note = note
    classification.assessed_by = user if user.is_authenticated else None
    classification.assessed_at = timezone.now()
    classification._history_user = classification.assessed_by
    classification.save()
    return classification


@transaction.atomic
def new_version(user, country, copy_from=None, title=None, text=None):
    """A new draft version of `country`'s definition, copying the criteria of `copy_from` if given."""
    require(can_edit_registry(user, country.pk), gettext("You may edit only the definitions of your countries."))
    last = WorkingDefinition.objects.filter(country=country).aggregate(last=Max("version"))["last"] or 0
    definition = WorkingDefinition(
        country=country,
        version=last + 1,
        title=title or (copy_from.title if copy_from else f"{country.name} working definition"),
        text=text if text is not None else (copy_from.text if copy_from else ""),
        is_template=bool(copy_from and copy_from.is_template),
    )
    definition._history_user = user
    definition.save()
    if copy_from is not None:
        for criterion in copy_from.criteria.all():
            criterion.pk = None
            criterion.definition = definition
            criterion._history_user = user
            criterion.save()
    return definition


def submit_for_review(user, definition):
    """Draft -> under committee review."""
    return _change_status(user, definition, {Status.DRAFT}, Status.UNDER_REVIEW)


def return_to_draft(user, definition):
    return _change_status(user, definition, {Status.UNDER_REVIEW}, Status.DRAFT)


@dataclass
class AdoptionReport:
    definition: WorkingDefinition
    previous: WorkingDefinition | None
    classified: int

    def __str__(self):
        """What the definition page says after adoption, in the reader's language."""
        values = {
            "version": self.definition.version,
            "count": number_format(self.classified, force_grouping=True),
            "previous": self.previous.version if self.previous else None,
        }
        if self.previous:
            return (
                ngettext(
                    "v%(version)s adopted, superseding v%(previous)s; %(count)s entity re-classified",
                    "v%(version)s adopted, superseding v%(previous)s; %(count)s entities re-classified",
                    self.classified,
                )
                % values
            )
        return (
            ngettext(
                "v%(version)s adopted; %(count)s entity re-classified",
                "v%(version)s adopted; %(count)s entities re-classified",
                self.classified,
            )
            % values
        )


@transaction.atomic
def adopt(user, definition, adopted_on, adopted_by):
    """Adopt `definition` (from committee review), supersede the previous one, re-classify the country."""
    require(
        can_edit_registry(user, definition.country_id), gettext("You may adopt only the definitions of your countries.")
    )
    errors = {}
    if definition.status != Status.UNDER_REVIEW:
        errors["status"] = [
            gettext("Only a version under committee review can be adopted; v%(version)s is %(status)s.")
            % {"version": definition.version, "status": str(definition.get_status_display()).lower()}
        ]
    if not adopted_on:
        errors["adopted_on"] = [gettext("Give the date of adoption.")]
    elif adopted_on > timezone.localdate():
        # Adopted now, whatever the date typed: a date to come would be a typing slip (2205 for 2025).
        errors["adopted_on"] = [
            gettext("The date %(date)s is after today: record an adoption once it has happened.")
            % {"date": date_format(adopted_on, "DATE_FORMAT")}
        ]
    if not (adopted_by or "").strip():
        errors["adopted_by"] = [gettext("Name the body that adopted it (e.g. the national advisory committee).")]
    if not definition.criteria.filter(required=True).exists():
        errors["criteria"] = [gettext("A definition needs at least one required criterion before it can be adopted.")]
    if errors:
        raise ValidationError(errors)
    previous = (
        WorkingDefinition.objects.select_for_update()
        .filter(country_id=definition.country_id, status=Status.ADOPTED)
        .first()
    )
    if previous is not None:
        previous.status = Status.SUPERSEDED
        previous._history_user = user
        previous.save()
    definition.status = Status.ADOPTED
    definition.adopted_on = adopted_on
    definition.adopted_by = adopted_by.strip()
    definition._history_user = user
    definition.save()
    classified = reclassify(definition, previous, user)
    return AdoptionReport(definition, previous, classified)


def reclassify(definition, previous, user=None):
    """Give every entity of the country a classification under `definition` (set-based); returns rows written."""
    criteria = list(definition.criteria.all())
    with connection.cursor() as cursor:
        cursor.execute(
            sql.RECLASSIFY_ON_ADOPTION,
            {
                "previous": previous.pk if previous else None,
                "codes": [criterion.code for criterion in criteria],
                "required": [criterion.code for criterion in criteria if criterion.required],
                "country": definition.country_id,
                "definition": definition.pk,
                "note": f"re-classified on adoption of v{definition.version}",
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return cursor.rowcount


NOT_CLASSIFIED = "not_classified"


def outcome_label(outcome):
    """An outcome code as outcome_changes() gives it (or NOT_CLASSIFIED), in the reader's language."""
    if outcome == NOT_CLASSIFIED:
        return pgettext("outcome", "Not classified")
    return str(Outcome(outcome).label) if outcome in Outcome.values else outcome


def outcome_changes(definition):
    """Rows (before, after, needs_review, count) comparing `definition` with the version it superseded."""
    previous = (
        WorkingDefinition.objects.filter(country_id=definition.country_id, version__lt=definition.version)
        .filter(status=Status.SUPERSEDED)
        .order_by("-version")
        .first()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql.OUTCOME_CHANGES, {"previous": previous.pk if previous else None, "definition": definition.pk}
        )
        return previous, cursor.fetchall()


def _change_status(user, definition, allowed_from, to):
    require(
        can_edit_registry(user, definition.country_id),
        gettext("You may change only the definitions of your countries."),
    )
    if definition.status not in allowed_from:
        raise ValidationError(
            {
                "status": gettext("v%(version)s is %(status)s: it cannot go to %(target)s.")
                % {
                    "version": definition.version,
                    "status": str(definition.get_status_display()).lower(),
                    "target": str(to.label).lower(),
                }
            }
        )
    definition.status = to
    definition._history_user = user
    definition.save()
    return definition


def editable(definition):
    """Drafts are edited; versions under review, adopted or superseded are frozen."""
    return definition.status == Status.DRAFT


CRITERION_CODE = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def clean_criteria(rows):
    """Check criteria rows (dicts: code, statement, principle, required) as a researcher typed them.

    Raises ValidationError({"criteria": [...]}) naming each row (its position and code) and what is wrong:
    a code too long or not made of letters a-z, digits, hyphens and underscores (it names the criterion's
    result in every classification), a code given twice (the second row would silently replace the first),
    an empty statement, an unknown principle.
    """
    code_length = Criterion._meta.get_field("code").max_length
    principles = set(Criterion.Principle.values)
    problems = []
    seen = set()
    for position, row in enumerate(rows, start=1):
        code = row["code"]
        where = gettext("Criterion %(position)s (%(code)s)") % {"position": position, "code": code}
        if len(code) > code_length:
            problems.append(
                gettext("%(where)s: the code has %(length)s characters; at most %(limit)s.")
                % {"where": where, "length": len(code), "limit": code_length}
            )
        elif not CRITERION_CODE.match(code):
            problems.append(
                gettext("%(where)s: a code holds only letters a-z, digits, hyphens and underscores (no spaces).")
                % {"where": where}
            )
        elif code in seen:
            problems.append(
                gettext("%(where)s: another criterion above has the same code; give each criterion its own code.")
                % {"where": where}
            )
        seen.add(code)
        if not row["statement"].strip():
            problems.append(gettext("%(where)s: write its statement.") % {"where": where})
        if row["principle"] not in principles:
            problems.append(
                gettext("%(where)s: choose one of the ILC 2022 principles, not %(value)s.")
                % {"where": where, "value": repr(row["principle"])}
            )
    if problems:
        raise ValidationError({"criteria": problems})


@transaction.atomic
def save_criteria(user, definition, rows):
    """Replace the criteria of a draft with `rows` (dicts: code, statement, principle, required).

    Nothing is written when a row is refused (clean_criteria).
    """
    require(
        can_edit_registry(user, definition.country_id), gettext("You may edit only the definitions of your countries.")
    )
    if not editable(definition):
        raise ValidationError({"criteria": gettext("Only a draft can be edited: make a new version instead.")})
    clean_criteria(rows)
    kept = set()
    for position, row in enumerate(rows, start=1):
        criterion, _ = Criterion.objects.get_or_create(
            definition=definition,
            code=row["code"],
            defaults={"statement": row["statement"], "principle": row["principle"]},
        )
        criterion.statement = row["statement"]
        criterion.principle = row["principle"]
        criterion.required = row["required"]
        criterion.sort_order = position
        criterion._history_user = user
        criterion.save()
        kept.add(criterion.code)
    for criterion in definition.criteria.exclude(code__in=kept):
        criterion._history_user = user
        criterion.delete()
    _reassess_under_new_criteria(user, definition)


def _reassess_under_new_criteria(user, definition):
    """Bring the assessments already made against `definition` (a draft) in line with its criteria as saved.

    An entity assessed while the draft had other criteria keeps its results for the criteria still there;
    a criterion added is unknown for it, a removed one no longer counts, and the rule decides the outcome
    again. Otherwise an entity found to qualify under the draft's first criteria kept "qualifies" through
    adoption (which leaves existing assessments alone), never assessed on a required criterion added since.
    An assessment whose outcome changes this way is flagged for review.
    """
    criteria = list(definition.criteria.all())
    codes = {criterion.code for criterion in criteria}
    for record in definition.classifications.all():
        results = {code: entry for code, entry in record.criteria_results.items() if code in codes}
        for code in codes - set(results):
            results[code] = {"result": UNKNOWN, "evidence": ""}
        outcome = outcome_for(criteria, results)
        if results == record.criteria_results and outcome == record.outcome:
            continue
        record.needs_review = record.needs_review or outcome != record.outcome
        record.criteria_results = results
        record.outcome = outcome
        record._history_user = user
        record._change_reason = f"criteria of v{definition.version} changed"
        record.save()
