"""Registry reference data that ships in fixtures/registry: entity families, legal forms, the ILC 2022 template.

Loading is idempotent (update-or-create by code), so `make run`, the test
session and a deployment can all run it again and again. Codes are a contract:
other apps (legislation, exchange) refer to families and legal forms by code.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from .models import Country, Criterion, EntityFamily, LegalForm, WorkingDefinition

REFERENCE_DIR = settings.BASE_DIR / "fixtures" / "registry"


def _read(name):
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


def ilc2022_template():
    """The ILC 2022 template as shipped: {"title", "text", "criteria": [...]}."""
    return _read("ilc2022_template.json")


@dataclass
class ReferenceReport:
    families: int = 0
    legal_forms: int = 0
    skipped_legal_forms: int = 0
    templates_created: int = 0

    def __str__(self):
        skipped = f" ({self.skipped_legal_forms} skipped: country not loaded)" if self.skipped_legal_forms else ""
        return (
            f"{self.families} entity families, {self.legal_forms} legal forms{skipped}, "
            f"{self.templates_created} template definitions created"
        )


@transaction.atomic
def load_reference_data(with_templates=True):
    """Load families and legal forms; give every country without a definition a template draft."""
    report = ReferenceReport()
    families = {}
    for row in _read("entity_families.json"):
        family, _ = EntityFamily.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "description": row["description"], "sort_order": row["sort_order"]},
        )
        families[family.code] = family
        report.families += 1
    countries = set(Country.objects.values_list("iso3", flat=True))
    for row in _read("legal_forms.json"):
        if row["country"] not in countries:
            report.skipped_legal_forms += 1
            continue
        LegalForm.objects.update_or_create(
            country_id=row["country"],
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_local": row["name_local"],
                "family": families[row["family"]],
                "description": row["description"],
            },
        )
        report.legal_forms += 1
    if with_templates:
        for country in Country.objects.exclude(definitions__isnull=False):
            create_definition_from_template(country)
            report.templates_created += 1
    return report


@transaction.atomic
def create_definition_from_template(country):
    """A new draft version of `country`'s working definition, copied from the ILC 2022 template.

    Clearly a template (`is_template=True`, the title says so): a starting point
    for the country's own text, never presented as the adopted national definition.
    """
    template = ilc2022_template()
    last = WorkingDefinition.objects.filter(country=country).aggregate(last=Max("version"))["last"] or 0
    definition = WorkingDefinition.objects.create(
        country=country,
        version=last + 1,
        title=template["title"],
        text=template["text"],
        status=WorkingDefinition.Status.DRAFT,
        is_template=True,
    )
    Criterion.objects.bulk_create(
        Criterion(
            definition=definition,
            code=row["code"],
            statement=row["statement"],
            principle=row["principle"],
            required=row["required"],
            sort_order=position,
        )
        for position, row in enumerate(template["criteria"], start=1)
    )
    return definition
