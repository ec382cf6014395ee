"""A held row beside the registry entity it may duplicate: what the researcher compares before deciding.

The row's values are those validated when it was held (ImportRow.cleaned); the entity's are its current
ones. Contact fields are left out: the choice is about which organisation this is, not how to reach it.
"""

from dataclasses import dataclass

from registry.models import EntityFamily, LegalForm

from .columns import FIELDS_BY_NAME

# In the order a researcher reads an organisation's record; names first.
COMPARED_FIELDS = (
    "name",
    "name_local",
    "name_romanized",
    "family",
    "legal_form",
    "registration_number",
    "registering_authority",
    "founded_year",
    "members_total",
    "members_women",
    "workers_total",
    "address",
    "external_id",
)


@dataclass(frozen=True)
class ComparedField:
    label: str
    in_file: str
    in_registry: str

    @property
    def differs(self):
        """Both sides give a value and they disagree; a value the file leaves blank contradicts nothing."""
        return bool(self.in_file and self.in_registry) and self.in_file != self.in_registry


def compare_held_rows(rows):
    """{row pk: [ComparedField]} for the held rows among `rows` that name the entity they may duplicate;
    a field blank on both sides is left out. One query each for the families and legal forms named."""
    held = [row for row in rows if row.outcome == row.Outcome.HELD and row.duplicate_of is not None]
    if not held:
        return {}
    families = {family.pk: family.display_name for family in EntityFamily.objects.all()}
    form_ids = {row.cleaned.get("legal_form_id") for row in held} | {row.duplicate_of.legal_form_id for row in held}
    forms = {form.pk: form.display_name for form in LegalForm.objects.filter(pk__in=form_ids - {None})}
    return {row.pk: _compare(row.cleaned, row.duplicate_of, families, forms) for row in held}


def _compare(cleaned, entity, families, forms):
    compared = []
    for name in COMPARED_FIELDS:
        if name == "family":
            in_file, in_registry = families.get(cleaned.get("family_id")), families.get(entity.family_id)
        elif name == "legal_form":
            in_file, in_registry = forms.get(cleaned.get("legal_form_id")), forms.get(entity.legal_form_id)
        else:
            in_file, in_registry = cleaned.get(name), getattr(entity, name)
        in_file, in_registry = _shown(in_file), _shown(in_registry)
        if in_file or in_registry:
            compared.append(ComparedField(str(FIELDS_BY_NAME[name].label), in_file, in_registry))
    return compared


def _shown(value):
    return "" if value is None else str(value).strip()
