"""An edition's entities as a spreadsheet (CSV) for the committee: every entity it holds, and what changed.

The edition page shows the first 200 entities added, removed and changed; a
committee checking a new edition wants all of them, in a file they can sort
and annotate. One row per entity of the snapshot, marked added, changed or
unchanged against the previous edition, then one row per entity removed
since, with the previous edition's values. Public fields only (the snapshot
holds nothing else), in the reader's words: the columns and the families,
statuses, verifications and outcomes in the page's language, the area in
English and in the country's language. Text cells go through
registry.spreadsheets.safe_cell.
"""

import csv
import itertools

from django.db.models import Exists, F, FloatField, Func, OuterRef, Subquery
from django.utils.translation import gettext as _

from registry.models import Classification, Entity, family_label, legal_form_label
from registry.spreadsheets import safe_cell

from .models import EditionEntity

# Read in pages along the (edition, registry number) index: a country's edition holds up to 350,000 rows.
CHUNK = 5000


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


def _snapshot(edition):
    return (
        EditionEntity.objects.filter(edition=edition)
        .annotate(
            area_name=F("admin_area__name"),
            area_name_local=F("admin_area__name_local"),
            lon=Func(F("point"), function="ST_X", output_field=FloatField()),
            lat=Func(F("point"), function="ST_Y", output_field=FloatField()),
        )
        .defer("point")
        .order_by("registry_number")
    )


def _in_pages(queryset):
    """The queryset's rows in registry-number order, CHUNK at a time (keyset pages: no OFFSET)."""
    after = ""
    while True:
        page = list(queryset.filter(registry_number__gt=after)[:CHUNK])
        yield from page
        if len(page) < CHUNK:
            return
        after = page[-1].registry_number


def sheet_rows(edition):
    """The header, then [cells] of every entity of `edition` and of every entity removed since the previous.

    The words are chosen now, in the active language, and the rows read as
    they are iterated: a streamed response iterates after its view returned.
    """
    country = edition.committee.country
    # The words the edition page's difference table uses.
    changes = {"added": _("added"), "changed": _("changed"), "unchanged": _("unchanged"), "removed": _("removed")}
    statuses, verifications = dict(Entity.Status.choices), dict(Entity.Verification.choices)
    outcomes = dict(Classification.Outcome.choices)

    def cells(row, change):
        return [
            changes[change],
            row.registry_number,
            row.name,
            row.name_local,
            family_label(row.family_name),
            legal_form_label(country.pk, row.legal_form_name, ""),
            statuses.get(row.status, row.status),
            verifications.get(row.verification, row.verification),
            row.members_total,
            row.members_women,
            row.sectors,
            outcomes.get(row.outcome, row.outcome),
            row.area_name,
            row.area_name_local,
            round(row.lon, 6),
            round(row.lat, 6),
        ]

    columns = _columns()
    return _rows(edition, columns, cells)


def _rows(edition, columns, cells):
    yield columns
    snapshot = _snapshot(edition)
    previous = edition.previous
    if previous is None:
        for row in _in_pages(snapshot):
            yield cells(row, "added")
        return
    before = EditionEntity.objects.filter(edition=previous, entity_id=OuterRef("entity_id")).values("fingerprint")
    # The same test as mapping.editions.edition_diff: a previous row of the entity, and its fingerprint.
    for row in _in_pages(snapshot.annotate(previous_fingerprint=Subquery(before[:1]))):
        if row.previous_fingerprint is None:
            change = "added"
        else:
            change = "unchanged" if row.previous_fingerprint == row.fingerprint else "changed"
        yield cells(row, change)
    now = EditionEntity.objects.filter(edition=edition, entity_id=OuterRef("entity_id"))
    for row in _in_pages(_snapshot(previous).exclude(Exists(now))):
        yield cells(row, "removed")


class _Echo:
    def write(self, value):
        return value


def csv_lines(edition):
    """The sheet as CSV text lines, a BOM first: spreadsheet programs then read every script as UTF-8."""
    writer = csv.writer(_Echo())
    rows = sheet_rows(edition)  # its words chosen now (see sheet_rows)
    lines = (writer.writerow([safe_cell("" if value is None else value) for value in row]) for row in rows)
    return itertools.chain(["\ufeff"], lines)


def filename(edition):
    return f"{edition.committee.country_id}-edition-{edition.number}-entities.csv"
