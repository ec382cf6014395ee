"""Legislation reference data that ships in fixtures/legislation: the R193 checklist and the five countries' laws.

Idempotent. Provisions are reference text owned by the fixture and are
updated in place. Instruments and reform processes are created when missing;
an existing one is left as the COOP unit may have edited it (a fact verified
in the interface must not be reverted by the next `make run`) unless
`update=True`. Legal-form links and stage events are added when missing, never
removed (a shipped stage is missing when its process has no stage of that kind,
whatever the date). Instruments refer to registry legal forms by (country, code):
a missing one stops the load with a message naming it, before anything is saved.
"""

import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from registry.models import Country, LegalForm

from .models import Instrument, InstrumentLegalForm, Provision, ReformProcess, StageEvent
from .reform import refresh_current_stage

REFERENCE_DIR = settings.BASE_DIR / "fixtures" / "legislation"

INSTRUMENT_FIELDS = [
    "kind",
    "subject",
    "title",
    "title_confidence",
    "title_original",
    "title_original_language",
    "title_original_confidence",
    "number",
    "number_confidence",
    "adopted_year",
    "adopted_on",
    "adopted_confidence",
    "in_force_on",
    "in_force_confidence",
    "repealed_on",
    "repealed_confidence",
    "status",
    "status_confidence",
    "sources",
    "note",
]
DATE_FIELDS = {"adopted_on", "in_force_on", "repealed_on"}
LINK_FIELDS = ["supersedes", "amends", "implements"]


class ReferenceDataError(Exception):
    """The fixtures refer to something that is not there (a country, a legal form, an instrument)."""


def _read(name):
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


@dataclass
class ReferenceReport:
    provisions: int = 0
    instruments_created: int = 0
    instruments_updated: int = 0
    legal_form_links_created: int = 0
    processes_created: int = 0
    events_created: int = 0

    def __str__(self):
        return (
            f"{self.provisions} R193 provisions, {self.instruments_created} instruments created, "
            f"{self.instruments_updated} updated, {self.legal_form_links_created} legal-form links created, "
            f"{self.processes_created} reform processes and {self.events_created} stage events created"
        )


def _instrument_values(row):
    values = {}
    for name in INSTRUMENT_FIELDS:
        value = row.get(name)
        if name in DATE_FIELDS:
            value = datetime.date.fromisoformat(value) if value else None
        elif value is None and name != "adopted_year":
            # Unknown facts stay empty; their confidence defaults to L (unverified).
            value = Instrument._meta.get_field(name).get_default()
        values[name] = value
    return values


def _check_references(rows):
    """Every country, legal form and instrument a fixture row names must exist; one message lists them all."""
    problems = []
    countries = set(Country.objects.values_list("iso3", flat=True))
    forms = set(LegalForm.objects.values_list("country_id", "code"))
    codes = {row["code"] for row in rows}
    for row in rows:
        if row["country"] not in countries:
            problems.append(f"instrument {row['code']}: country {row['country']} is not loaded (run load_boundaries)")
        for link in row.get("legal_forms", []):
            if (row["country"], link["code"]) not in forms:
                problems.append(
                    f"instrument {row['code']}: legal form {row['country']}/{link['code']} does not exist "
                    "(run load_registry_reference first)"
                )
        for name in LINK_FIELDS:
            if row.get(name) and row[name] not in codes:
                problems.append(f"instrument {row['code']}: {name} refers to unknown instrument {row[name]}")
    if problems:
        raise ReferenceDataError("fixtures/legislation/instruments.json: " + "; ".join(problems))


@transaction.atomic
def load_reference_data(update=False):
    """Load provisions, instruments, their legal forms and the known reform processes. Returns a report."""
    report = ReferenceReport()
    for position, row in enumerate(_read("provisions.json")["provisions"], start=1):
        Provision.objects.update_or_create(
            key=row["key"],
            defaults={
                "paragraph": row["paragraph"],
                "part": row["part"],
                "text": row["text"],
                "confidence": row["confidence"],
                "sort_order": position,
            },
        )
        report.provisions += 1

    data = _read("instruments.json")
    rows = data["instruments"]
    _check_references(rows)
    instruments = {}
    touched = set()  # created or overwritten in this load: their links follow the fixture too
    for row in rows:
        values = _instrument_values(row)
        instrument = Instrument.objects.filter(code=row["code"]).first()
        if instrument is None:
            instrument = Instrument(code=row["code"], country_id=row["country"], **values)
            report.instruments_created += 1
        elif update:
            for name, value in values.items():
                setattr(instrument, name, value)
            report.instruments_updated += 1
        else:
            instruments[row["code"]] = instrument
            continue
        try:
            instrument.full_clean(exclude=LINK_FIELDS)
        except ValidationError as error:
            raise ReferenceDataError(f"instrument {row['code']}: {error.message_dict}") from None
        instrument.save()
        instruments[row["code"]] = instrument
        touched.add(row["code"])

    for row in rows:
        instrument = instruments[row["code"]]
        if row["code"] in touched:
            changed = []
            for name in LINK_FIELDS:
                target = instruments[row[name]] if row.get(name) else None
                if getattr(instrument, f"{name}_id") != (target.pk if target else None):
                    setattr(instrument, name, target)
                    changed.append(name)
            if changed:
                instrument.save(update_fields=changed)
        for link in row.get("legal_forms", []):
            legal_form = LegalForm.objects.get(country_id=row["country"], code=link["code"])
            _, created = InstrumentLegalForm.objects.get_or_create(
                instrument=instrument, legal_form=legal_form, defaults={"confidence": link["confidence"]}
            )
            report.legal_form_links_created += created

    for row in data.get("reform_processes", []):
        process, created = ReformProcess.objects.get_or_create(
            country_id=row["country"], title=row["title"], defaults={"note": row.get("note", "")}
        )
        report.processes_created += created
        if created:
            process.targets.set(instruments[code] for code in row.get("targets", []))
        for event in row.get("events", []):
            # A shipped stage is known by its stage, not its date: one the COOP unit redated (a date verified
            # in the interface) is the same stage and must not come back beside it as a second one.
            _, created = StageEvent.objects.get_or_create(
                process=process,
                stage=event["stage"],
                defaults={
                    "occurred_on": datetime.date.fromisoformat(event["occurred_on"]),
                    "date_confidence": event.get("date_confidence", "L"),
                    "note": event.get("note", ""),
                    "document_title": event.get("document_title", ""),
                    "document_url": event.get("document_url", ""),
                },
            )
            report.events_created += created
        refresh_current_stage(process)
    return report
