"""The committee map's filters: parsed once from a query string, applied to every layer at once.

Query parameters (each may repeat or hold a comma-separated list):
  family        entity family codes (cooperative, association, ...)
  legal_form    legal form codes of the country
  sector        ISIC Rev.4 section letters
  status        active, dormant, dissolved, unknown
  verification  unverified, verified, disputed
  definition    a working-definition version number of the country (default: the adopted one)
  outcome       classification outcomes under that definition (qualifies, does_not_qualify, undetermined)

A bad value raises FilterError naming the parameter and the reason; views
answer it with HTTP 400.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, When
from django.utils.translation import gettext as _

from registry.models import ISIC_SECTIONS, Classification, Entity, EntityFamily, LegalForm, WorkingDefinition

MAX_VALUES_PER_PARAMETER = 30

# The fixed vocabularies, listed once: the live map parses its filters on every request (B2).
_SECTORS = [code for code, _title in ISIC_SECTIONS]
_STATUSES = list(Entity.Status.values)
_VERIFICATIONS = list(Entity.Verification.values)
_OUTCOMES = list(Classification.Outcome.values)


class FilterError(ValueError):
    """A query parameter the map cannot use; `parameter` names it."""

    def __init__(self, parameter, reason):
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


def _values(query, name):
    raw = query.getlist(name) if hasattr(query, "getlist") else _as_list(query.get(name))
    values = []
    for item in raw:
        values.extend(part.strip() for part in str(item).split(",") if part.strip())
    if len(values) > MAX_VALUES_PER_PARAMETER:
        raise FilterError(name, f"at most {MAX_VALUES_PER_PARAMETER} values")
    return sorted(set(values))


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list | tuple) else [value]


def _check_choices(name, values, allowed):
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise FilterError(name, f"unknown value(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)}")
    return values


def _version(versions):
    if not versions:
        return None
    if len(versions) > 1:
        raise FilterError("definition", "give one version number")
    try:
        return int(versions[0])
    except ValueError:
        raise FilterError("definition", f"must be a version number, got {versions[0]!r}") from None


@dataclass(frozen=True)
class MapFilters:
    """Validated filters of one country's map.

    `definition_version` is the working-definition version asked for, or None
    for the country's adopted one (else its latest); `definition` is that
    WorkingDefinition or None, looked up on first use: most map requests
    filter on no classification outcome and never need it.
    """

    country_id: str
    families: list = field(default_factory=list)
    legal_forms: list = field(default_factory=list)
    sectors: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    verifications: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    definition_version: int | None = None

    @classmethod
    def parse(cls, country, query):
        """Validate `query` (a QueryDict or a plain dict such as an edition's stored filters)."""
        # Vocabularies are read only when the parameter is given: most map requests carry no filter.
        families = _values(query, "family")
        if families:
            _check_choices("family", families, list(EntityFamily.objects.values_list("code", flat=True)))
        legal_forms = _values(query, "legal_form")
        if legal_forms:
            codes = LegalForm.objects.filter(country=country).values_list("code", flat=True)
            _check_choices("legal_form", legal_forms, list(codes))
        sectors = _check_choices("sector", [v.upper() for v in _values(query, "sector")], _SECTORS)
        statuses = _check_choices("status", _values(query, "status"), _STATUSES)
        verifications = _check_choices("verification", _values(query, "verification"), _VERIFICATIONS)
        outcomes = _check_choices("outcome", _values(query, "outcome"), _OUTCOMES)
        filters = cls(
            country_id=country.pk,
            families=families,
            legal_forms=legal_forms,
            sectors=sectors,
            statuses=statuses,
            verifications=verifications,
            outcomes=outcomes,
            definition_version=_version(_values(query, "definition")),
        )
        # A version asked for must exist, and outcomes need a definition: check both now, for a clean 400.
        if filters.definition_version is not None and filters.definition is None:
            raise FilterError(
                "definition", f"{country.name} has no working definition version {filters.definition_version}"
            )
        if outcomes and filters.definition is None:
            raise FilterError("outcome", f"{country.name} has no working definition to classify against")
        return filters

    @classmethod
    def stored(cls, country, query):
        """The filters an edition was frozen with (its `filters`), as stored, to describe them.

        Not checked against today's vocabularies, as parse() checks a request: a legal form or family
        code may have changed or gone since the freeze, and a frozen edition's page and pack must still
        show. A code no longer known is described as itself.
        """
        return cls(
            country_id=country.pk,
            families=_values(query, "family"),
            legal_forms=_values(query, "legal_form"),
            sectors=[value.upper() for value in _values(query, "sector")],
            statuses=_values(query, "status"),
            verifications=_values(query, "verification"),
            outcomes=_values(query, "outcome"),
            definition_version=_version(_values(query, "definition")),
        )

    def _family_names(self):
        return {family.code: family.display_name for family in EntityFamily.objects.filter(code__in=self.families)}

    def _legal_form_names(self):
        forms = LegalForm.objects.filter(country_id=self.country_id, code__in=self.legal_forms)
        return {form.code: form.display_name for form in forms}

    @cached_property
    def definition(self):
        """The WorkingDefinition outcomes are read under (see the class docstring), or None."""
        definitions = WorkingDefinition.objects.filter(country_id=self.country_id)
        if self.definition_version is not None:
            return definitions.filter(version=self.definition_version).first()
        # The adopted version, else the latest: one query.
        adopted_first = Case(When(status=WorkingDefinition.Status.ADOPTED, then=0), default=1)
        return definitions.order_by(adopted_first, "-version").first()

    def cache_key(self):
        """A hashable value that determines which entities these filters select (see LiveSource.compiled_rows)."""
        return (
            self.country_id,
            tuple(self.families),
            tuple(self.legal_forms),
            tuple(self.sectors),
            tuple(self.statuses),
            tuple(self.verifications),
            tuple(self.outcomes),
            # Outcomes are read under a definition; without them the definition selects nothing.
            self.definition.pk if self.outcomes else None,
        )

    def apply(self, entities):
        """Narrow an Entity queryset to the entities these filters select (always within the country)."""
        entities = entities.filter(country_id=self.country_id)
        if self.families:
            entities = entities.filter(family__code__in=self.families)
        if self.legal_forms:
            entities = entities.filter(legal_form__country_id=self.country_id, legal_form__code__in=self.legal_forms)
        if self.sectors:
            entities = entities.filter(sectors__overlap=self.sectors)
        if self.statuses:
            entities = entities.filter(status__in=self.statuses)
        if self.verifications:
            entities = entities.filter(verification__in=self.verifications)
        if self.outcomes:
            # One classification per (entity, definition): the join cannot duplicate rows.
            entities = entities.filter(
                classifications__definition=self.definition, classifications__outcome__in=self.outcomes
            )
        return entities

    def as_query(self):
        """The filters as a plain dict of lists (stored on editions, put back into URLs)."""
        names = {
            "families": "family",
            "legal_forms": "legal_form",
            "sectors": "sector",
            "statuses": "status",
            "verifications": "verification",
            "outcomes": "outcome",
        }
        result = {param: list(getattr(self, key)) for key, param in names.items() if getattr(self, key)}
        if self.definition is not None:
            result["definition"] = [str(self.definition.version)]
        return result

    @property
    def is_filtered(self):
        return any([self.families, self.legal_forms, self.sectors, self.statuses, self.verifications, self.outcomes])

    def labelled(self):
        """[(label, values in the reader's words)] of the filters given, as describe() words them."""
        labels = [
            (_("Family"), self.families, self._family_names),
            (_("Legal form"), self.legal_forms, self._legal_form_names),
            (_("Sector (ISIC)"), self.sectors, lambda: {code: f"{code} {label}" for code, label in ISIC_SECTIONS}),
            (_("Status"), self.statuses, lambda: dict(Entity.Status.choices)),
            (_("Verification"), self.verifications, lambda: dict(Entity.Verification.choices)),
            (_("Classification outcome"), self.outcomes, lambda: dict(Classification.Outcome.choices)),
        ]
        labelled = []
        for label, values, names in labels:
            if values:
                words = names()
                labelled.append((label, ", ".join(str(words.get(value, value)) for value in values)))
        return labelled

    def describe(self):
        """Plain-language summary for pages and printed packs, in the reader's words (not the codes)."""
        parts = [f"{label}: {values}" for label, values in self.labelled()]
        if self.outcomes and self.definition is not None:
            parts.append(_("Definition: version %(version)s") % {"version": self.definition.version})
        return "; ".join(parts) or _("All entities")
