"""Cells for files that people open in a spreadsheet program (CSV, XLSX): text is never run as a formula.

A cell beginning with one of FORMULA_PREFIXES is a formula to Excel, LibreOffice and Google Sheets
("CSV injection"); names and notes typed by anyone may begin so. Every export of the platform (the
registry's, the legislation's) writes its cells through safe_cell.
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_cells(values):
    """`safe_cell` of each value, written out inline: it runs for every cell of a million-row export."""
    return [("'" + v) if v.__class__ is str and v.startswith(FORMULA_PREFIXES) else v for v in values]


class LineEcho:
    """A file-like object whose write() hands back the line, so csv.writer makes one line at a time (streamed)."""

    def write(self, value):
        return value
