"""An edition's entities as a spreadsheet (CSV) for the committee: every entity it holds, and what changed.

The edition page shows the first 200 entities added, removed and changed; a
committee checking a new edition wants all of them, in a file they can sort
and annotate. One row per entity of the snapshot, marked added, changed or
unchanged against the previous edition, then one row per entity removed
since, with the previous edition's values. Public fields only (the snapshot
holds nothing else), in the reader's words: the columns and the families,
statuses, verifications and outcomes in the page's language, legal forms as
the edition's entity pages name them (LegalForm.label_of_stored_name), the
area in English and in the country's language. Text cells go through
registry.spreadsheets.safe_cells.
"""

import csv
import functools
import itertools

from django.utils.translation import gettext as _

from registry.models import Classification, Entity, LegalForm, family_label
from registry.spreadsheets import LineEcho, safe_cells

from . import sql

# Rows read from the database at a time: a country's edition holds up to 350,000.
BATCH = 5000


def _columns():
    return [
        _("Change"),
        _("Registry number"),
        _("Name"),
        _("Local name"),
        _("Family"),
        _("Legal form"),
        _("Status"),
        _("Verification"),
        _("Members"),
        _("Women members"),
        _("Sectors (ISIC)"),
        _("Classification outcome"),
        _("Area"),
        _("Area (local name)"),
        _("Longitude"),
        _("Latitude"),
    ]


def sheet_rows(edition):
    """The header, then [cells] of every entity of `edition` and of every entity removed since the previous.

    The words are chosen now, in the active language, and the rows read as
    they are iterated: a streamed response iterates after its view returned.
    """
    country_id = edition.committee.country_id
    # The words the edition page's difference table uses.
    changes = {"added": _("added"), "changed": _("changed"), "unchanged": _("unchanged"), "removed": _("removed")}
    # Labels as text now: lazy ones would be translated again for every row they are written in.
    statuses, verifications, outcomes = (
        {code: str(label) for code, label in choices.choices}
        for choices in (Entity.Status, Entity.Verification, Classification.Outcome)
    )
    # Each stored name in the reader's words, looked up once: an edition repeats a few of them.
    families = functools.cache(family_label)
    legal_forms = functools.cache(lambda name: LegalForm.label_of_stored_name(country_id, name))

    def cells(row):
        change, number, name, local, family, form, status, verification, members, women, *rest = row
        sectors, outcome, area, area_local, lon, lat = rest
        return [
            changes[change],
            number,
            name,
            local,
            families(family),
            legal_forms(form),
            statuses.get(status, status),
            verifications.get(verification, verification),
            members,
            women,
            sectors,
            outcomes.get(outcome, outcome),
            area,
            area_local,
            lon,
            lat,
        ]

    return _rows(edition, _columns(), cells)


def _rows(edition, columns, cells):
    yield columns
    for row in sql.edition_sheet_rows(edition.pk, edition.previous_id, batch=BATCH):
        yield cells(row)


def csv_lines(edition):
    """The sheet as CSV text lines, a BOM first: spreadsheet programs then read every script as UTF-8."""
    writer = csv.writer(LineEcho())
    rows = sheet_rows(edition)  # its words chosen now (see sheet_rows)
    lines = (writer.writerow(safe_cells(row)) for row in rows)  # csv writes None as an empty cell
    return itertools.chain(["\ufeff"], lines)


def filename(edition):
    return f"{edition.committee.country_id}-edition-{edition.number}-entities.csv"
