"""Exports contain what the pages show: the matrix and grids as CSV and XLSX, the country brief as PDF."""

import csv
import datetime
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from legislation.assessments import record_assessment
from legislation.models import Instrument, ReformProcess

from .factories import rate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response):
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    return sheet, [[cell.value if cell.value is not None else "" for cell in row] for row in sheet.iter_rows()]


def test_matrix_csv_and_xlsx_hold_the_ratings_and_share_the_dashboard_shows(client_as, committee):
    rate(
        Instrument.objects.get(code="vnm-coop-2023"), {"P1": "aligned", "P2": "partly_aligned", "P5": "not_applicable"}
    )
    client = client_as(committee)
    dashboard = client.get("/legislation/").content.decode()
    assert "50%" in dashboard and "(1 of 2)" in dashboard

    for rows in (read_csv(client.get("/legislation/matrix.csv")), read_xlsx(client.get("/legislation/matrix.xlsx"))[1]):
        header = rows[0]
        column = next(i for i, title in enumerate(header) if "Law on Cooperatives 2023" in title)
        by_key = {row[0]: row[column] for row in rows[1:] if row[0]}
        assert len(by_key) == 25
        assert (by_key["P1"], by_key["P2"], by_key["P5"], by_key["P6a"]) == (
            "Aligned",
            "Partly aligned",
            "Not applicable",
            "not yet rated",
        )
        share_row = next(row for row in rows if row[3] == "Share aligned of applicable provisions")
        assert share_row[column] in ("50%", 0.5)  # text in CSV, a number formatted 0% in XLSX
        header_of = {title.split(":")[0] for title in header[4:]}
        assert len(header_of) == 5


def test_grid_exports_list_every_provision_with_evidence_and_neutralize_formulas(client_as, committee):
    instrument = Instrument.objects.get(code="tha-coop-1999")
    record_assessment(instrument, "P6a", "aligned", evidence='=HYPERLINK("http://evil.example","x")', note="@SUM(A1)")
    client = client_as(committee)
    grid = client.get("/legislation/instruments/tha-coop-1999/assessments/").content.decode()
    assert "=HYPERLINK(" in grid  # the page shows the text as entered

    rows = read_csv(client.get("/legislation/instruments/tha-coop-1999/assessments.csv"))
    sheet, xlsx_rows = read_xlsx(client.get("/legislation/instruments/tha-coop-1999/assessments.xlsx"))
    for table in (rows, xlsx_rows):
        p6a = next(row for row in table if row[0] == "P6a")
        assert p6a[3] == "Aligned"
        assert p6a[4] == '\'=HYPERLINK("http://evil.example","x")'
        assert p6a[5] == "'@SUM(A1)"
        assert len([row for row in table[1:] if row[0]]) == 25
    text_cells = [cell for row in sheet.iter_rows() for cell in row if cell.value and cell.number_format != "0%"]
    assert all(cell.data_type == "s" for cell in text_cells)  # nothing typed by a user becomes a formula


def test_country_brief_pdf_contains_the_instrument_titles_and_the_summary(client_as, committee):
    rate(Instrument.objects.get(code="khm-ag-coop-2013"), {"P1": "aligned", "P2": "not_aligned"})
    response = client_as(committee).get("/legislation/countries/KHM/brief.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for instrument in Instrument.objects.filter(country_id="KHM"):
        assert " ".join(instrument.title.split()) in flat, instrument.title
    assert "Share aligned of applicable provisions: 50%" in flat
    assert "Cambodia" in flat


def brief_text(client, iso3):
    response = client.get(f"/legislation/countries/{iso3}/brief.pdf")
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


def test_country_brief_marks_every_fact_from_a_secondary_source(client_as, committee):
    """The brief marks M and L facts as the pages do: a number, a date, a status or a legal form, not only titles."""
    client = client_as(committee)
    law = Instrument.objects.get(code="kgz-coop-2004")  # title, number, adoption date and status all H
    law.in_force_on = datetime.date(2004, 7, 1)
    law.in_force_confidence = "H"
    law.save()
    before = brief_text(client, "KGZ").count("secondary source")
    Instrument.objects.filter(pk=law.pk).update(
        number_confidence="M", adopted_confidence="M", in_force_confidence="M", status_confidence="M"
    )
    law.legal_form_links.update(confidence="M")
    assert brief_text(client, "KGZ").count("secondary source") == before + 5


def test_country_brief_marks_a_stage_date_that_is_not_confirmed(client_as, committee):
    client = client_as(committee)
    before = brief_text(client, "MNG").count("unverified")
    ReformProcess.objects.get(country_id="MNG").events.update(date_confidence="L")
    assert brief_text(client, "MNG").count("unverified") == before + 1


def test_matrix_xlsx_counts_and_share_are_numbers_a_spreadsheet_can_add_up(client_as, committee):
    rate(
        Instrument.objects.get(code="vnm-coop-2023"),
        {"P1": "aligned", "P2": "aligned", "P3a": "partly_aligned", "P5": "not_applicable"},
    )
    sheet, rows = read_xlsx(client_as(committee).get("/legislation/matrix.xlsx"))
    column = next(i for i, title in enumerate(rows[0]) if "Law on Cooperatives 2023" in title)
    aligned_row = next(i for i, row in enumerate(rows) if row[3] == "Count: Aligned")
    share_row = next(i for i, row in enumerate(rows) if row[3] == "Share aligned of applicable provisions")
    count = sheet.cell(row=aligned_row + 1, column=column + 1)
    share = sheet.cell(row=share_row + 1, column=column + 1)
    assert (count.value, count.data_type) == (2, "n")  # was the text "2": SUM() gave 0
    assert share.value == 2 / 3 and share.number_format == "0%"
    csv_rows = read_csv(client_as(committee).get("/legislation/matrix.csv"))
    assert csv_rows[share_row][column] == "67%" and csv_rows[aligned_row][column] == "2"


def test_share_aligned_rounds_a_half_up_on_the_page_and_in_the_exports(client_as, committee):
    """1 aligned of 8 applicable is 12.5%: shown as 13% everywhere (Python's round() gave 12%, Excel shows 13%)."""
    instrument = Instrument.objects.get(code="vnm-coop-2023")
    rate(instrument, {"P1": "aligned"} | dict.fromkeys(["P2", "P3a", "P3b", "P4", "P5", "P6a", "P6b"], "not_addressed"))
    client = client_as(committee)
    assert "13%" in client.get("/legislation/").content.decode()
    grid = read_csv(client.get("/legislation/instruments/vnm-coop-2023/assessments.csv"))
    assert grid[-1][2:4] == ["Share aligned of applicable provisions", "13%"]


def test_country_brief_keeps_every_column_on_the_page_when_evidence_is_one_long_word(client_as, committee):
    """500 characters without a space (a pasted URL) widened the evidence column: the notes fell off the page."""
    law = Instrument.objects.get(code="kgz-coop-2004")
    record_assessment(law, "P6a", "aligned", evidence="Art." + "9" * 496, note="Registration within ten days")
    response = client_as(committee).get("/legislation/countries/KGZ/brief.pdf")
    outside = []
    for page in PdfReader(io.BytesIO(response.content)).pages:
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size, width=width):
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            if text.strip() and x > width:
                outside.append(text)

        page.extract_text(visitor_text=visit)
    assert outside == []
    assert "Registration within ten days" in brief_text(client_as(committee), "KGZ")
