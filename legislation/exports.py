"""CSV and XLSX of the dashboard matrix and of an assessment grid; the country brief as PDF.

The CSV and XLSX files are in English whatever the language of the page they are downloaded from (their
headers and rating labels are what other programs and the ILO read); the brief is rendered in the
language of the request, like the pages.

Cells that a spreadsheet would read as a formula (starting with = + - @, or a
tab or carriage return) are prefixed with a quote, in CSV and XLSX alike.
"""

import csv
import io

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from registry.spreadsheets import safe_cell as spreadsheet_cell

from .matrix import build_matrix, grid_for, instruments_in_force_by_country
from .models import Instrument, Rating
from .rating import COLOURS, scale_rows
from .reform import timeline
from .summary import percent_of, summary_for


class Percent:
    """A share (0..1) in a cell: "27%" in CSV, a number formatted as a percentage in XLSX (so it can be summed)."""

    def __init__(self, fraction):
        self.fraction = fraction

    def __str__(self):
        return f"{percent_of(self.fraction)}%"


def safe_cell(value):
    """The value as a spreadsheet should hold it: a number stays a number; anything else is text, never a formula."""
    if isinstance(value, int | float | Percent) and not isinstance(value, bool):
        return value
    return spreadsheet_cell("" if value is None else str(value))


class Table:
    """Headers and rows (each cell plain text) plus, per cell, the rating it shows (for colour in XLSX)."""

    def __init__(self, title, headers):
        self.title = title
        self.headers = headers
        self.rows = []
        self.ratings = []

    def add(self, cells, ratings=None):
        self.rows.append([safe_cell(cell) for cell in cells])
        self.ratings.append(ratings or [None] * len(cells))


def _rating_text(assessment):
    if assessment is None:
        return "not yet rated"
    return assessment.get_rating_display() + (" (demo)" if assessment.is_demo else "")


def _share_text(summary):
    share = summary.share_aligned
    return "n/a" if share is None else Percent(share)


@translation.override("en")
def matrix_table():
    matrix = build_matrix()
    headers = ["Key", "R193 paragraph", "Part", "Provision"]
    for column in matrix.columns:
        instrument = column.instrument
        headers.append(f"{column.country.name}: {instrument.title}" if instrument else f"{column.country.name}: none")
    table = Table("R193 matrix", headers)
    for row in matrix.rows:
        table.add(
            [row.provision.key, row.provision.paragraph, row.provision.part, row.provision.text]
            + [_rating_text(cell) for cell in row.cells],
            [None] * 4 + [cell.rating if cell else None for cell in row.cells],
        )
    for value, label in Rating.choices:
        table.add(
            ["", "", "", f"Count: {label}"]
            + [column.summary.counts.get(value, 0) if column.summary else "" for column in matrix.columns]
        )
    table.add(["", "", "", "Not yet rated"] + [c.summary.unrated if c.summary else "" for c in matrix.columns])
    table.add(
        ["", "", "", "Share aligned of applicable provisions"]
        + [_share_text(c.summary) if c.summary else "" for c in matrix.columns]
    )
    return table


@translation.override("en")
def grid_table(instrument):
    table = Table(
        f"{instrument.title}",
        [
            "Key",
            "R193 paragraph",
            "Provision",
            "Rating",
            "Evidence (articles)",
            "Note",
            "Assessor",
            "Assessed on",
            "Demo",
        ],
    )
    for provision, assessment in grid_for(instrument):
        table.add(
            [
                provision.key,
                provision.paragraph,
                provision.text,
                _rating_text(assessment),
                assessment.evidence if assessment else "",
                assessment.note if assessment else "",
                assessment.assessor.get_username() if assessment and assessment.assessor else "",
                assessment.assessed_on.isoformat() if assessment else "",
                ("yes" if assessment.is_demo else "no") if assessment else "",
            ],
            [None, None, None, assessment.rating if assessment else None] + [None] * 5,
        )
    summary = summary_for(instrument)
    table.add(["", "", "Share aligned of applicable provisions", _share_text(summary)])
    return table


def to_csv(table):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(header) for header in table.headers])
    writer.writerows(table.rows)
    # A byte-order mark so that spreadsheet programs open UTF-8 (Khmer, Thai, Vietnamese) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@translation.override("en")
def to_xlsx(table):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Assessments"
    sheet.append([safe_cell(header) for header in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cells, ratings in zip(table.rows, table.ratings, strict=True):
        sheet.append([cell.fraction if isinstance(cell, Percent) else cell for cell in cells])
        for column, cell in enumerate(cells, start=1):
            if isinstance(cell, Percent):
                sheet.cell(row=sheet.max_row, column=column).number_format = "0%"
        for column, rating in enumerate(ratings, start=1):
            if rating:
                sheet.cell(row=sheet.max_row, column=column).fill = PatternFill(
                    "solid", start_color=COLOURS[Rating(rating)]
                )
    sheet.freeze_panes = "B2"
    legend = workbook.create_sheet("Rating scale")
    legend.append(["Rating", "Meaning"])
    for _, label, meaning, colour in scale_rows():
        legend.append([str(label), str(meaning)])
        legend.cell(row=legend.max_row, column=1).fill = PatternFill("solid", start_color=colour)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def brief_context(country):
    rated = instruments_in_force_by_country().get(country.iso3)
    return {
        "country": country,
        "instruments": Instrument.objects.in_country(country)
        .select_related("supersedes", "amends", "implements")
        .prefetch_related("legal_form_links__legal_form"),
        "processes": timeline(country),
        "rated": rated,
        "grid": grid_for(rated) if rated else [],
        "summary": summary_for(rated) if rated else None,
        "scale": scale_rows(),
    }


def country_brief_pdf(country, base_url):
    """The printable country legislation brief as PDF bytes (WeasyPrint shapes Khmer and Thai with Pango)."""
    from weasyprint import HTML

    html = render_to_string("legislation/brief.html", brief_context(country))
    return HTML(string=html, base_url=base_url).write_pdf()
