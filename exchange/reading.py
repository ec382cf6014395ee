"""Reading uploaded files into a table of text cells: one parser class per format.

Every parser returns a `Table`: the column names, the cells as text (a pandas
DataFrame of str), the row numbers a researcher will look for (a spreadsheet
shows the header as row 1, so the first data row is 2; geographic files number
features from 1), and, for geographic files, the point coordinates.
A file that cannot be read raises `ImportFileError` with a message in plain words.
"""

import abc
import csv
import io
import math
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from django.utils.translation import gettext, gettext_lazy

from .columns import auto_mapping

# Legacy encodings tried (after UTF-8/16) for each country's files, most likely first.
LEGACY_ENCODINGS = {
    "VNM": ["cp1258"],
    "THA": ["cp874"],
    "MNG": ["cp1251"],
    "KGZ": ["cp1251", "koi8_r"],
    "KHM": [],
}
WESTERN_FALLBACKS = ["cp1252", "latin-1"]
# The script a country's names are written in, to judge a legacy decoding by.
SCRIPT_RANGES = {
    "THA": [(0x0E00, 0x0E7F)],
    "MNG": [(0x0400, 0x04FF)],
    "KGZ": [(0x0400, 0x04FF)],
    # Vietnamese letters of Latin-1 and Latin Extended (not all of them: "Þ", "ð", "ß" are not Vietnamese,
    # and a Vietnamese legacy file read as Latin-1 is full of them), combining tones, Latin Extended Additional.
    "VNM": [
        *((ord(c), ord(c)) for c in "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"),
        (0x0300, 0x036F),
        (0x1EA0, 0x1EFF),
    ],
    "KHM": [(0x1780, 0x17FF)],
}
MAGIC_TYPES = [
    (b"%PDF", gettext_lazy("a PDF document")),
    (b"\x89PNG", gettext_lazy("a PNG image")),
    (b"GIF8", gettext_lazy("a GIF image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"\xd0\xcf\x11\xe0", gettext_lazy("an old Excel (.xls) or Word (.doc) file: save it as .xlsx or .csv")),
    (b"\x1f\x8b", gettext_lazy("a gzip archive")),
    (b"Rar!", gettext_lazy("a RAR archive")),
    (b"7z\xbc\xaf", gettext_lazy("a 7-Zip archive")),
]
SUPPORTED = gettext_lazy("CSV (comma, semicolon or tab), XLSX, GeoJSON, GeoPackage or a zipped Shapefile")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass
class Table:
    columns: list
    cells: pd.DataFrame
    row_numbers: np.ndarray
    file_format: str
    lon: np.ndarray | None = None
    lat: np.ndarray | None = None
    row_errors: dict = field(default_factory=dict)  # row index -> reason
    encoding: str = ""
    delimiter: str = ""
    warnings: list = field(default_factory=list)

    def __len__(self):
        return len(self.cells)


def _script_share(text, country):
    ranges = SCRIPT_RANGES.get(country) or []
    letters = [char for char in text if ord(char) > 127 and char.isalpha()]
    if not letters or not ranges:
        return 0.0
    inside = sum(1 for char in letters if any(low <= ord(char) <= high for low, high in ranges))
    return inside / len(letters)


def _looks_utf16(raw):
    sample = raw[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def decode_text(raw, country=None, declared=""):
    """Decode a text file: (text, encoding used, warnings).

    A BOM decides; otherwise UTF-16 is recognized by its zero bytes, then
    strict UTF-8, then the country's legacy code pages judged by how much of
    the text falls in the country's script. A declared encoding is used when
    the bytes agree with it; when they do not, we say so and use what fits.
    """
    warnings = []
    for bom, encoding in [
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ]:
        if raw.startswith(bom):
            return raw.decode(encoding), encoding, warnings
    utf16 = _looks_utf16(raw)
    if utf16:
        try:
            return raw.decode(utf16), utf16, warnings
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8")
        utf8_ok = True
    except UnicodeDecodeError:
        utf8_ok = False
    declared_utf8 = declared.strip().lower().replace("_", "-") in {"", "utf-8", "utf8"}
    if not utf8_ok and declared_utf8:
        mostly = _mostly_utf8(raw, country)
        if mostly is not None:
            return mostly
    if declared:
        declared_norm = declared.strip().lower().replace("_", "-")
        if declared_norm in {"utf-8", "utf8"} and utf8_ok:
            return text, "utf-8", warnings
        if declared_norm not in {"utf-8", "utf8"}:
            try:
                declared_text = raw.decode(declared)
            except LookupError:
                declared_text = None
                warnings.append(
                    gettext("%(encoding)s is not an encoding we know; the encoding was detected instead.")
                    % {"encoding": repr(declared)}
                )
                declared = ""
            except UnicodeDecodeError:
                declared_text = None
            if declared_text is not None and not (utf8_ok and any(byte > 127 for byte in raw)):
                # Most legacy code pages decode any bytes: trust the declaration unless one of the country's
                # own code pages gives names clearly more in its script (cp1258 read as Latin-1: "Hõòp tác xaÞ").
                best = _best_legacy(raw, country)
                if best is None or best[0] < _script_share(declared_text, country) + 0.1 or best[1] == declared:
                    return _nfc_if_legacy(declared_text, declared), declared, warnings
                warnings.append(
                    gettext(
                        "The file was declared as %(declared)s, but read so its names are not in the country's "
                        "script; it was read as %(encoding)s instead. Check that names look right."
                    )
                    % {"declared": declared, "encoding": best[1]}
                )
                return _nfc_if_legacy(best[2], best[1]), best[1], warnings
        # The declaration is wrong; fall through to detection and say so.
    if utf8_ok:
        if declared and declared.lower().replace("_", "-") not in {"utf-8", "utf8"}:
            warnings.append(
                gettext("The file was declared as %(declared)s but is valid UTF-8; it was read as UTF-8.")
                % {"declared": declared}
            )
        return text, "utf-8", warnings
    best = _best_legacy(raw, country, every_country=True)
    if best is None or best[0] <= 0:
        for encoding in WESTERN_FALLBACKS:
            try:
                decoded = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            best = (0, encoding, decoded)
            break
    _, encoding, decoded = best
    if declared:
        warning = gettext(
            "The file is not UTF-8 (declared as %(declared)s, which does not fit its bytes; read as %(encoding)s). "
            "Check that names look right; saving the file as UTF-8 avoids any doubt."
        )
    else:
        warning = gettext(
            "The file is not UTF-8 (read as %(encoding)s). Check that names look right; saving the file as UTF-8 "
            "avoids any doubt."
        )
    warnings.append(warning % {"declared": declared, "encoding": encoding})
    return _nfc_if_legacy(decoded, encoding), encoding, warnings


def _mostly_utf8(raw, country):
    """(text, "utf-8", warnings) for a UTF-8 file with a few lines in a legacy code page (lists put together
    from several sources), or None. Read whole in the code page, its UTF-8 names would all be garbled
    ("Há»£p tĂ¡c xĂ£"): the lines that are UTF-8 are read so, the others in the code page they fit."""
    lines = raw.splitlines(keepends=True)
    good, bad = [], []
    for number, line in enumerate(lines, start=1):
        try:
            good.append(line.decode("utf-8") if not line.isascii() else None)
        except UnicodeDecodeError:
            bad.append(number)
            good.append(None)
    utf8_lines = sum(1 for line in good if line is not None)
    if not bad or utf8_lines <= len(bad):
        return None
    legacy = _best_legacy(b"".join(lines[number - 1] for number in bad), country, every_country=True)
    encoding = legacy[1] if legacy is not None and legacy[0] > 0 else WESTERN_FALLBACKS[0]
    for number in bad:
        good[number - 1] = _nfc_if_legacy(lines[number - 1].decode(encoding, errors="replace"), encoding)
    text = "".join(line if line is not None else lines[index].decode("ascii") for index, line in enumerate(good))
    shown = shown_list(bad)
    warning = gettext(
        "Line(s) %(lines)s are not UTF-8 like the rest of the file; they were read as %(encoding)s. "
        "Check that their names look right."
    ) % {"lines": shown, "encoding": encoding}
    return text, "utf-8", [warning]


def _best_legacy(raw, country, every_country=False):
    """(score, encoding, text) of the legacy code page whose text is most in the country's script, or None."""
    candidates = LEGACY_ENCODINGS.get(country or "", [])
    if every_country:
        candidates = candidates + [enc for encs in LEGACY_ENCODINGS.values() for enc in encs]
    best = None
    for encoding in dict.fromkeys(candidates):
        try:
            decoded = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in decoded if 0x80 <= ord(char) <= 0x9F)
        share = _script_share(decoded, country) if country else 0.0
        score = share - controls
        if best is None or score > best[0]:
            best = (score, encoding, decoded)
    return best


def _nfc_if_legacy(text, encoding):
    # Windows-1258 stores Vietnamese tone marks as combining characters: compose them.
    return unicodedata.normalize("NFC", text) if encoding.lower().replace("-", "") == "cp1258" else text


def sniff_format(raw, filename):
    """'csv', 'xlsx', 'geojson', 'gpkg' or 'shapefile', from the bytes first and the name second."""
    if not raw:
        raise ImportFileError(gettext("The file is empty."))
    for magic, what in MAGIC_TYPES:
        if raw.startswith(magic):
            raise ImportFileError(
                gettext("This file is %(what)s, not a table. Upload %(supported)s.")
                % {"what": what, "supported": SUPPORTED}
            )
    if raw.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except zipfile.BadZipFile as error:
            raise ImportFileError(
                gettext("The file looks like a zip archive but cannot be opened: %(error)s.") % {"error": error}
            ) from error
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(name.lower().endswith(".shp") for name in names):
            return "shapefile"
        raise ImportFileError(
            gettext("The zip archive holds neither a workbook nor a Shapefile (%(names)s). Upload %(supported)s.")
            % {"names": ", ".join(names[:5]), "supported": SUPPORTED}
        )
    head = raw[:2000].lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = Path(filename or "").suffix.lower()
    if head.startswith((b"{", b"[")) and (suffix in {".geojson", ".json"} or b"Feature" in raw[:100000]):
        return "geojson"
    # NUL bytes in text that has no other control bytes are damage (old database exports pad fields with them),
    # removed by CsvParser; a binary file has control bytes of every kind.
    sample = raw[:4000]
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\x00\t\n\r")
    binary = b"\x00" in sample and (controls > len(sample) / 100 or sample.count(b"\x00") > len(sample) * 0.3)
    if binary and not _looks_utf16(raw) and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            gettext("This is a binary file, not a table. Upload %(supported)s.") % {"supported": SUPPORTED}
        )
    return "csv"


class Parser(abc.ABC):
    """Base class: `parse(raw, filename, country, declared_encoding)` returns a Table."""

    file_format = ""

    @abc.abstractmethod
    def parse(self, raw, filename, country=None, declared_encoding=""):
        """Read the file's bytes into a Table, or raise ImportFileError saying why it cannot."""


def _frame_from_rows(header, rows):
    width = len(header)
    frame = pd.DataFrame([row[:width] + [""] * (width - len(row)) for row in rows], columns=range(width), dtype=object)
    frame.columns = header
    return frame.fillna("").astype(str)


def _unique_headers(header):
    """The header's names made unique ("name", "name (2)"), never taking a name the header has itself."""
    names = [
        (str(name).strip() if name is not None else "") or f"column {position}"
        for position, name in enumerate(header, start=1)
    ]
    taken = set(names)
    seen = {}
    result = []
    for name in names:
        if name in seen:
            number = seen[name]
            while True:
                number += 1
                renamed = f"{name} ({number})"
                if renamed not in taken:
                    break
            seen[name] = number
            taken.add(renamed)
            name = renamed
        else:
            seen[name] = 1
        result.append(name)
    return result


class CsvParser(Parser):
    """Delimited text: comma, semicolon, tab or pipe; any of the encodings decode_text knows."""

    file_format = "csv"

    def parse(self, raw, filename, country=None, declared_encoding=""):
        text, encoding, warnings = decode_text(raw, country, declared_encoding)
        if "\x00" in text:
            lines = sorted({text.count("\n", 0, found.start()) + 1 for found in re.finditer("\x00", text)})
            warnings.append(
                gettext("NUL characters (bytes 0, which no text holds) were removed from line(s) %(lines)s.")
                % {"lines": shown_list(lines)}
            )
            text = text.replace("\x00", "")
        controls = sum(1 for char in text[:5000] if ord(char) < 32 and char not in "\r\n\t")
        if controls > 20:
            raise ImportFileError(
                gettext("This file does not read as text in any encoding we know. Upload %(supported)s.")
                % {"supported": SUPPORTED}
            )
        # Excel writes its list separator as a first line "sep=;" (and reads it back so): taken, then left out.
        hint = re.match(r"sep=([,;\t|])[ \t]*(\r\n|\r|\n)", text)
        delimiter = hint.group(1) if hint else _delimiter(text[:20000])
        if hint:
            text = hint.group(2) + text[hint.end() :]  # an empty line 1, so that lines keep their numbers
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            records = list(reader)
        except csv.Error as error:
            raise ImportFileError(
                gettext("The CSV cannot be read at line %(line)s: %(error)s.")
                % {"line": reader.line_num, "error": error}
            ) from error
        return _table_from_records(records, "csv", encoding, delimiter, warnings)


def shown_list(items, shown=20):
    """'3, 7, 12' of line numbers, features or rows named in a warning: the first `shown` of them, '...' for
    the rest."""
    return ", ".join(str(item) for item in items[:shown]) + (", ..." if len(items) > shown else "")


DELIMITERS = [",", ";", "\t", "|"]


def _delimiter(sample):
    """The delimiter that splits a line of the first few into the most known column names (a title above
    the header, "Danh sách hợp tác xã, tỉnh Hà Giang", has commas where the table has semicolons); failing
    that, the one the first line holds most of, else a comma."""
    lines = [line for line in re.split(r"\r\n|\r|\n", sample)[:TITLE_LINES_LOOKED_AT] if line.strip()]
    recognized = {}
    for delimiter in DELIMITERS:
        rows = list(csv.reader(lines, delimiter=delimiter))
        recognized[delimiter] = max((len(auto_mapping(row)) for row in rows if len(row) > 1), default=0)
    best = max(DELIMITERS, key=recognized.get)
    if recognized[best] >= 2:
        return best
    first_line = lines[0] if lines else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# Government lists and survey sheets often open with a title ("Danh sách hợp tác xã tỉnh ...") and a
# blank line or two above the real header. Lines this far down are looked at for a header.
TITLE_LINES_LOOKED_AT = 10


def _header_position(numbered):
    """Where the header is among the non-empty lines: the first, unless the first names no known column and
    a line among the next few names two or more (then the lines above it are titles, not data)."""
    if auto_mapping(numbered[0][1]):
        return 0
    for position, (_number, row) in enumerate(numbered[1:TITLE_LINES_LOOKED_AT], start=1):
        if len(auto_mapping(row)) >= 2:
            return position
    return 0


def _table_from_records(records, file_format, encoding="", delimiter="", warnings=None, positional=False):
    """A Table from rows of cells. `positional` (a spreadsheet): a cell right of the header's last name is in
    a column of its own ("column 9"), as the sheet shows it, not a sign of a row shifted by a stray delimiter."""
    warnings = list(warnings or [])
    numbered = [(number, row) for number, row in enumerate(records, start=1) if any(str(cell).strip() for cell in row)]
    if not numbered:
        raise ImportFileError(gettext("The file is empty: it has no header and no rows."))
    position = _header_position(numbered)
    if position:
        above = numbered[:position]
        titles = " / ".join(" ".join(str(cell).strip() for cell in row if str(cell).strip()) for _, row in above)
        warnings.append(
            gettext(
                "Line(s) %(lines)s above the header (line %(header)s) were read as the file's title, "
                "not as entities: %(titles)s"
            )
            % {
                "lines": ", ".join(str(number) for number, _ in above),
                "header": numbered[position][0],
                "titles": titles[:200],
            }
        )
        numbered = numbered[position:]
    header_number, header = numbered[0]
    body = numbered[1:]
    if positional:
        header = list(header) + [""] * (max(len(row) for _, row in numbered) - len(header))
    header = _unique_headers(header)
    if not body:
        raise ImportFileError(gettext("The file has a header but no data rows."))
    # Empty lines among the rows; those after the last row are no one's business.
    blank = body[-1][0] - header_number - len(body)
    if blank > 0:
        warnings.append(gettext("%(count)s completely empty line(s) were ignored.") % {"count": blank})
    ragged = {}
    too_many = gettext("the row has %(cells)s cells but the header has %(columns)s columns")
    for index, (_number, row) in enumerate(body):
        extra = [cell for cell in row[len(header) :] if str(cell).strip()]
        if extra:
            ragged[index] = too_many % {"cells": len(row), "columns": len(header)}
    frame = _frame_from_rows(header, [row for _, row in body])
    return Table(
        columns=header,
        cells=frame,
        row_numbers=np.array([number for number, _ in body]),
        file_format=file_format,
        encoding=encoding,
        delimiter=delimiter,
        warnings=warnings,
        row_errors=ragged,
    )


def _excel_text(value):
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


class XlsxParser(Parser):
    """The worksheet of entities of an .xlsx workbook (KoboToolbox XLSX exports included).

    Visible sheets before hidden ones (a hidden sheet holds a form's choice lists, not its rows), and among
    them the one most like a table of entities (entity_likeness), the first among equals: a cover or notes
    sheet before it is passed over, and so are KoboToolbox's repeat groups, on sheets after the main one.
    """

    file_format = "xlsx"

    def parse(self, raw, filename, country=None, declared_encoding=""):
        from openpyxl import load_workbook

        _refuse_a_bomb(zipfile.ZipFile(io.BytesIO(raw)).infolist())
        try:
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged workbook
            raise ImportFileError(gettext("The workbook cannot be opened: %(error)s.") % {"error": error}) from error
        chosen, problem = None, None
        try:
            sheets = sorted(workbook.worksheets, key=lambda sheet: sheet.sheet_state != "visible")
            for sheet in sheets:
                records = _sheet_records(sheet)
                if not records:
                    continue
                try:
                    table = _table_from_records(records, "xlsx", positional=True)
                except ImportFileError as error:
                    problem = problem or error
                    continue
                likeness = (sheet.sheet_state == "visible", *entity_likeness(table.columns))
                if chosen is None or likeness > chosen[0]:
                    chosen = (likeness, sheet.title, table)
        finally:
            workbook.close()
        if chosen is None:
            raise problem or ImportFileError(gettext("The workbook is empty."))
        _likeness, title, table = chosen
        if len(workbook.worksheets) > 1:
            table.warnings.append(
                gettext("Read the worksheet %(sheet)s; other worksheets were ignored.") % {"sheet": repr(title)}
            )
        return table


def _sheet_records(sheet):
    """The sheet's rows as lists of text without their trailing empty cells; [] when it holds nothing.

    The sheet's recorded dimensions are not trusted: one formatted cell far below and to the right (what
    Ctrl+End finds) would make every row of the rectangle up to it, hundreds of millions of empty cells.
    Empty rows stay (as empty tuples) so that rows keep the numbers the spreadsheet shows.
    """
    sheet.reset_dimensions()
    records = []
    last = 0
    for row in sheet.iter_rows(values_only=True):
        cells = [_excel_text(value) for value in row]
        while cells and not cells[-1].strip():
            cells.pop()
        records.append(cells or ())
        if cells:
            last = len(records)
    return records[:last]


def _missing(value):
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


class GeoParser(Parser):
    """GeoJSON, GeoPackage and zipped Shapefile, read by pyogrio; points reprojected to EPSG:4326."""

    def __init__(self, file_format):
        self.file_format = file_format

    def parse(self, raw, filename, country=None, declared_encoding=""):
        import pyogrio

        warnings = []
        try:
            if self.file_format == "shapefile":
                frame, layer, encoding, warnings = _read_shapefile(raw, country, declared_encoding)
            else:
                encoding = "utf-8"
                if self.file_format == "geojson" and not _is_utf8(raw):
                    # GeoJSON is UTF-8 by its standard, yet files saved by older programs come in the
                    # writer's code page; GDAL then stops on the first such byte. Read as a CSV would be.
                    text, encoding, warnings = decode_text(raw, country, declared_encoding)
                    raw = text.encode("utf-8")
                if self.file_format == "geojson":
                    raw, removed_from = _without_nul_escapes(raw)
                    if removed_from:
                        warnings.append(
                            gettext(
                                "NUL characters (bytes 0, which no text holds) were removed from feature(s) "
                                "%(features)s."
                            )
                            % {"features": shown_list(removed_from)}
                        )
                layer = _entity_layer(raw)
                frame = pyogrio.read_dataframe(io.BytesIO(raw), layer=layer[0] if layer else None)
        except ImportFileError:
            raise
        except Exception as error:  # pyogrio wraps GDAL's many errors
            raise ImportFileError(
                gettext("The %(format)s file cannot be read: %(error)s.") % {"format": self.file_format, "error": error}
            ) from error
        if layer and layer[1]:
            warnings.append(
                gettext("Read the layer %(layer)s; the file's other layers were ignored: %(others)s.")
                % {"layer": repr(layer[0]), "others": ", ".join(repr(other) for other in layer[1])}
            )
        if len(frame) == 0 or not hasattr(frame, "geometry"):  # no rows, or a table without geometry
            raise ImportFileError(gettext("The file has no features."))
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            warnings.append(
                gettext("Coordinates were reprojected from %(crs)s to EPSG:4326 (lon/lat).")
                % {"crs": frame.crs.to_string()}
            )
            frame = frame.to_crs(4326)
        geometry = frame.geometry
        types = geometry.geom_type.to_numpy(dtype=object)
        # Shapefiles and GeoPackages written by many GIS programs hold each point as a MultiPoint of one.
        single = (types == "MultiPoint") & (geometry.count_geometries().to_numpy() == 1)
        if single.any():
            geometry = geometry.copy()
            geometry[single] = geometry[single].get_geometry(0)
            types = geometry.geom_type.to_numpy(dtype=object)
        is_point = types == "Point"
        lon = np.full(len(frame), np.nan)
        lat = np.full(len(frame), np.nan)
        if is_point.any():
            lon[is_point] = geometry[is_point].x.to_numpy()
            lat[is_point] = geometry[is_point].y.to_numpy()
        errors = {}
        for index in np.flatnonzero(~is_point):
            kind = types[index]
            # A feature without geometry has a missing type: None or NaN, depending on the driver.
            errors[int(index)] = (
                gettext("the feature has no geometry")
                if pd.isna(kind)
                else gettext("the geometry is a %(kind)s; a point is required") % {"kind": kind}
            )
        attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        for column in attributes.columns:
            series = attributes[column]
            if pd.api.types.is_float_dtype(series):
                attributes[column] = [_excel_text(value) if pd.notna(value) else "" for value in series]
            else:
                # A property some features lack is None, NaN or NaT here: an empty cell, never the text "nan".
                attributes[column] = series.map(lambda value: "" if _missing(value) else value)
                attributes[column] = attributes[column].map(_excel_text if series.dtype == object else str)
        attributes = attributes.fillna("").astype(str)
        attributes.columns = _unique_headers(attributes.columns)
        return Table(
            columns=list(attributes.columns),
            cells=attributes.reset_index(drop=True),
            row_numbers=np.arange(1, len(frame) + 1),
            file_format=self.file_format,
            lon=lon,
            lat=lat,
            row_errors=errors,
            encoding=encoding or "utf-8",
            warnings=warnings,
        )


def entity_likeness(columns):
    """How much a table with these columns looks like one of entities: (names the entity, fields it fills)."""
    mapping = auto_mapping(columns)
    return "name" in mapping, len(mapping)


def _choose_layer(layers, fields_of):
    """(the layer of entities, [the others]) among `layers`: the one most like a table of entities (the first
    among equals); None for a file of one layer."""
    if len(layers) < 2:
        return None
    likeness = {layer: entity_likeness([str(name) for name in fields_of(layer)]) for layer in layers}
    chosen = max(layers, key=lambda layer: likeness[layer])  # max() keeps the first of equals
    return chosen, [layer for layer in layers if layer != chosen]


# A JSON "\u0000" escape (a NUL character), not preceded by an odd number of backslashes (which would make it
# the text "\u0000" itself).
_JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


def _without_nul_escapes(raw):
    """The GeoJSON without its NUL characters, and the numbers of the features that held any.

    GDAL reads text as C strings, so a property holding a NUL came in cut short at it ("HTX\u0000 Hội An" as
    "HTX"), silently; without the NUL the whole text is read, and the features are named in a warning.
    """
    if not _JSON_NUL_ESCAPE.search(raw):
        return raw, []
    import orjson

    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw, []  # not JSON after all: GDAL's own refusal says so
    features = document.get("features", []) if isinstance(document, dict) else []
    holding = [number for number, feature in enumerate(features, start=1) if _holds_nul(feature)]
    return _JSON_NUL_ESCAPE.sub(rb"\1", raw), holding


def _holds_nul(value):
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _is_utf8(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _entity_layer(raw):
    """The layer of a GeoPackage (or other multi-layer file) to read, as _choose_layer says."""
    import pyogrio

    listed = pyogrio.list_layers(io.BytesIO(raw))
    # A GeoPackage may hold tables without geometry (attribute tables) besides its layers: never those.
    layers = [str(name) for name, geometry in listed if geometry is not None]
    if len(layers) == 1 and len(listed) > 1:
        return layers[0], []
    return _choose_layer(layers, lambda layer: pyogrio.read_info(io.BytesIO(raw), layer=layer)["fields"])


# A Shapefile's parts are at most 2 GB each (the format's limit); a zip announcing more than this for the one
# read, or a workbook for all its parts (a "zip bomb"), is refused before anything is unpacked.
MAX_UNZIPPED_BYTES = 4 * 1000 * 1000 * 1000
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Enough of a .dbf's records to tell their encoding.
DBF_SAMPLE_BYTES = 1_000_000


def _is_junk(name):
    # macOS adds "__MACOSX/._coops.shp" beside each file it zips: resource forks, not Shapefiles.
    return name.startswith("__MACOSX/") or Path(name).name.startswith(".")


def _read_shapefile(raw, country, declared_encoding):
    """(frame, layer choice, encoding, warnings) of the Shapefile of entities in an uploaded zip.

    People zip the folder the Shapefile is in, or several Shapefiles together: GDAL reads neither a
    Shapefile inside a folder nor says which of several it read. The one to read is named inside the
    zip, which GDAL reads in place (/vsizip/): nothing is unpacked to disk, so names like "../../x" are
    only names. Without a .cpg naming its encoding, a .dbf is read in the encoding its text fits
    (decode_text), as a CSV is.
    """
    import pyogrio

    archive = zipfile.ZipFile(io.BytesIO(raw))
    by_stem = {}
    for info in archive.infolist():
        stem, suffix = os.path.splitext(info.filename)
        if not info.is_dir() and not _is_junk(info.filename) and suffix.lower() in SHAPEFILE_PARTS:
            by_stem.setdefault(stem.lower(), {})[suffix.lower()] = info
    shapefiles = {parts[".shp"].filename[:-4]: parts for parts in by_stem.values() if ".shp" in parts}
    if not shapefiles:
        raise ImportFileError(gettext("The zip archive holds no Shapefile (.shp)."))
    if not all(_plain_member(info.filename) for parts in shapefiles.values() for info in parts.values()):
        # Names GDAL will not look up in a zip ("../../coops.shp", "/data/coops.shp", "C:\\gis\\coops.shp"):
        # the parts are copied into a zip of plain names, by their place in the archive.
        _refuse_a_bomb([info for parts in shapefiles.values() for info in parts.values()])
        raw, shapefiles = _plainly_named(archive, shapefiles)
        archive = zipfile.ZipFile(io.BytesIO(raw))
    with tempfile.NamedTemporaryFile(suffix=".zip") as stored:
        stored.write(raw)
        stored.flush()

        def path(stem):
            return f"/vsizip/{stored.name}/{shapefiles[stem]['.shp'].filename}"

        layer = _choose_layer(list(shapefiles), lambda stem: pyogrio.read_info(path(stem))["fields"])
        stem = layer[0] if layer else next(iter(shapefiles))
        parts = shapefiles[stem]
        _refuse_a_bomb(parts.values())
        warnings = []
        encoding = declared_encoding or None
        cpg = archive.read(parts[".cpg"]).decode("ascii", "replace").strip() if ".cpg" in parts else ""
        # A .cpg naming a code page is trusted; one saying UTF-8 only if the text is (programs write it for
        # any file).
        if encoding is None and ".dbf" in parts and cpg.lower().replace("-", "") in {"", "utf8"}:
            with archive.open(parts[".dbf"]) as dbf:
                encoding, warnings = _dbf_encoding(dbf.read(DBF_SAMPLE_BYTES), country, cpg)
        frame = pyogrio.read_dataframe(path(stem), encoding=encoding)
    return frame, layer, encoding or cpg.lower() or None, warnings


def _refuse_a_bomb(members):
    if sum(info.file_size for info in members) > MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            gettext("The zip archive unpacks to more than %(limit)s MB; it cannot be read.")
            % {"limit": f"{MAX_UNZIPPED_BYTES / 1e6:,.0f}"}
        )


def _plain_member(name):
    parts = name.split("/")
    return not name.startswith("/") and "\\" not in name and ":" not in name and ".." not in parts


def _plainly_named(archive, shapefiles):
    """(zip bytes, shapefiles) with each Shapefile's parts renamed "layer N/<its file name>"."""
    stream = io.BytesIO()
    renamed = {}
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as plain:
        for number, (stem, parts) in enumerate(shapefiles.items(), start=1):
            base = re.split(r"[\\/]", stem)[-1].replace(":", "_") or "layer"
            new_stem = f"layer {number}/{base}"
            for suffix, info in parts.items():
                plain.writestr(new_stem + suffix, archive.read(info))
            renamed[new_stem] = parts
    names = zipfile.ZipFile(io.BytesIO(stream.getvalue()))
    return stream.getvalue(), {
        stem: {suffix: names.getinfo(stem + suffix) for suffix in parts} for stem, parts in renamed.items()
    }


def _dbf_encoding(dbf, country, cpg=""):
    """(encoding, warnings) of a .dbf's text, for one that comes without a .cpg or with one saying UTF-8
    (`cpg`); None: as GDAL reads it.

    Without a .cpg, the header's language driver byte is trusted when it names a code page other than "ANSI"
    (0x57), which means the code page of the Windows that wrote it: Vietnamese, Thai or Cyrillic as well as
    Western.
    """
    if len(dbf) < 32 or (not cpg and dbf[29] not in (0x00, 0x57)):
        return None, []
    header_size = int.from_bytes(dbf[8:10], "little")
    record_size = max(int.from_bytes(dbf[10:12], "little"), 1)
    records = dbf[header_size:]
    # Whole records only: a sample cut inside a UTF-8 letter would not read as UTF-8.
    text = records[: len(records) - len(records) % record_size].replace(b"\x00", b" ")
    if text.isascii() or (cpg and _is_utf8(text)):
        return None, []
    _decoded, encoding, warnings = decode_text(text, country, cpg)
    return encoding, warnings


def parser_for(file_format):
    if file_format == "csv":
        return CsvParser()
    if file_format == "xlsx":
        return XlsxParser()
    return GeoParser(file_format)


def read_table(raw, filename, country=None, declared_encoding=""):
    """Sniff the format and parse; raises ImportFileError for a file that cannot be read."""
    file_format = sniff_format(raw, filename)
    return parser_for(file_format).parse(raw, filename, country, declared_encoding)


def looks_like_geopoint(value):
    return bool(re.match(r"^\s*-?\d+(\.\d+)?\s+-?\d+(\.\d+)?(\s+-?\d+(\.\d+)?){0,2}\s*$", value or ""))
