"""Exports of registry entities: CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, ESSGlobal CSV, Murmurations.

Every export goes through `export_rows(user, queryset)`, which keeps only the
entities the user may read and drops personal contact data for every country
where `can_see_contact_data` says no. CSV cells are made safe against formula
injection by `safe_cell`; XLSX writes text as text cells (`write_xlsx`).
Our CSV / XLSX / GeoJSON / GeoPackage / Shapefile columns are the importer's
field names, so an export re-imports into an empty registry as the same entities.
"""

import csv
import datetime
import functools
import itertools
import operator
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson
from django.db import transaction
from django.db.models import CharField, F, FloatField, Func
from django.db.models.functions import Cast
from django.urls import reverse

from registry.models import Country, Entity, EntityFamily, LegalForm
from registry.permissions import can_see_contact_data, readable_countries
from registry.spreadsheets import LineEcho, safe_cell, safe_cells

from .columns import SHAPEFILE_NAMES

CONTACT_COLUMNS = list(Entity.CONTACT_FIELDS)
COLUMNS = [
    "registry_number",
    "external_id",
    "country",
    "name",
    "name_local",
    "name_romanized",
    "family",
    "legal_form",
    "registration_number",
    "registering_authority",
    "registration_date",
    "founded_year",
    "status",
    "members_total",
    "members_women",
    "members_men",
    "workers_total",
    "workers_women",
    "sectors",
    "latitude",
    "longitude",
    "location_precision",
    "admin_area",
    "address",
    "source",
    "source_reference",
    "verification",
    *CONTACT_COLUMNS,
]
# Shapefile field names are limited to 10 characters.
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shapefile": ("application/zip", "shp.zip"),
    "essglobal": ("text/csv; charset=utf-8", "essglobal.csv"),
    "murmurations": ("application/json", "murmurations.json"),
}


def _coordinate(function):
    return Func(F("point"), function=function, output_field=FloatField())


def visible_entities(user, queryset):
    """The entities of `queryset` the user may read (the registries of their countries)."""
    return queryset.in_countries(readable_countries(user))


def export_rows(user, queryset):
    """Dicts with COLUMNS for each readable entity; contact columns blank where the role does not allow them."""
    contact_countries = {iso3 for iso3 in readable_countries(user) if can_see_contact_data(user, iso3)}
    return entity_rows(visible_entities(user, queryset), contact_countries)


def entity_rows(queryset, contact_countries):
    """Dicts with COLUMNS for each entity of `queryset` (which the caller has limited to what may be read),
    with contact columns blank outside `contact_countries`."""
    values = (
        # by_number() walks the (country, number) index, so rows are sent as they are read, with no sort first.
        queryset.by_number()
        .annotate(
            latitude=_coordinate("ST_Y"),
            longitude=_coordinate("ST_X"),
            family_code=F("family__code"),
            legal_form_code=F("legal_form__code"),
            area_code=F("admin_area__code"),
            # As text from the database: turning 350,000 ids into UUID objects and back costs seconds.
            entity_id=Cast("id", CharField()),
        )
        .values(
            "entity_id",
            *[
                c
                for c in COLUMNS
                if c not in {"country", "family", "legal_form", "admin_area", "latitude", "longitude"}
            ],
            "country_id",
            "family_code",
            "legal_form_code",
            "area_code",
            "latitude",
            "longitude",
        )
    )
    # Inside a transaction the server-side cursor is a plain one, read as the rows are sent; outside one Django
    # declares it WITH HOLD, which makes PostgreSQL compute and store every row before the first is sent.
    with transaction.atomic():
        yield from _export_values(values, contact_countries)


def _export_values(values, contact_countries):
    for row in values.iterator(chunk_size=5000):
        row["id"] = row.pop("entity_id")
        row["country"] = row.pop("country_id")
        row["family"] = row.pop("family_code")
        row["legal_form"] = row.pop("legal_form_code") or ""
        row["admin_area"] = row.pop("area_code") or ""
        row["sectors"] = ";".join(row["sectors"])
        if row["registration_date"]:
            row["registration_date"] = row["registration_date"].isoformat()
        if row["country"] not in contact_countries:
            for column in CONTACT_COLUMNS:
                row[column] = ""
        yield row


def contact_columns_allowed(user, queryset):
    """Whether any exported country lets the user see contact data (else the columns are left out)."""
    # One index probe per country the user may see contacts of, rather than a DISTINCT over every exported row.
    return any(
        can_see_contact_data(user, iso3) and queryset.filter(country_id=iso3).exists()
        for iso3 in readable_countries(user)
    )


def _columns(include_contact):
    return COLUMNS if include_contact else [c for c in COLUMNS if c not in CONTACT_COLUMNS]


def _chunks(pieces, joiner, size=2000):
    """Pieces joined into chunks of `size`: few enough for the server to send them quickly, small enough for memory."""
    for batch in _batches(pieces, size):
        yield joiner.join(batch)


def csv_lines(rows, include_contact=True):
    writer = csv.writer(LineEcho())
    columns = _columns(include_contact)
    cells = operator.itemgetter(*columns)
    yield writer.writerow(columns)
    for row in rows:
        # csv writes None as an empty cell.
        yield writer.writerow(safe_cells(cells(row)))


def _plain(value):
    return "" if value is None else value


# The characters XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab, line feed, return.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(rows, stream, include_contact=True):
    """A workbook of text and number cells, never formulas, with every value as it is in the registry.

    openpyxl stores text starting with "=" as a formula; such a cell is written as a text cell instead.
    No apostrophe is added (CSV needs one, since a spreadsheet guesses each CSV cell's type): in XLSX a
    text cell is never run, and an apostrophe would show in "'+84 24 3826 4567".
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    def text_cell(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entities")
    columns = _columns(include_contact)
    sheet.append(columns)
    for row in rows:
        values = [_plain(row.get(column)) for column in columns]
        # XML, and so XLSX, cannot hold most control characters: openpyxl refuses a text that has one, which
        # failed the whole export. An imported name may hold one (a form feed from an old system): dropped.
        if XML_ILLEGAL.search("\n".join(v for v in values if v.__class__ is str)):
            values = [XML_ILLEGAL.sub("", v) if v.__class__ is str else v for v in values]
        sheet.append([text_cell(v) if v.__class__ is str and v.startswith("=") else v for v in values])
    workbook.save(stream)


def _feature(row, columns):
    properties = {column: row.get(column) for column in columns if column not in {"latitude", "longitude"}}
    return {
        "type": "Feature",
        "id": str(row["id"]),
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def geojson_pieces(rows, include_contact=True):
    """RFC 7946: lon/lat in WGS 84, no "crs" member, one Feature per entity."""
    columns = _columns(include_contact)
    yield b'{"type":"FeatureCollection","features":['
    for number, row in enumerate(rows):
        feature = orjson.dumps(_feature(row, columns), default=str)
        yield b"," + feature if number else feature
    yield b"]}"


INTEGER_COLUMNS = {"founded_year", "members_total", "members_women", "members_men", "workers_total", "workers_women"}


def _geodataframe(records, columns, rename=None):
    """A GeoDataFrame of exported rows with fixed column types (integers with nulls, text), whatever the values:
    every chunk of one file must give the same field types."""
    import geopandas
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=["id", *columns]).drop(columns=["id"])
    geometry = geopandas.points_from_xy(frame.pop("longitude"), frame.pop("latitude"), crs=4326)
    for column in frame.columns:
        if column in INTEGER_COLUMNS:
            frame[column] = frame[column].astype("Int64")
        else:
            frame[column] = frame[column].fillna("").astype(str)
    if rename:
        frame = frame.rename(columns=rename)
    return geopandas.GeoDataFrame(frame, geometry=geometry, crs=4326)


def _batches(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_layer(rows, path, include_contact, driver, rename=None, chunk_size=50_000, **options):
    """Write the rows in chunks appended to the file, so memory stays bounded (a whole country at once held
    1.3 GB for 350,000 rows). The layer is named after the file (a shapefile's only layer is its file)."""
    import pyogrio

    columns = _columns(include_contact)
    layer = Path(path).stem
    written = False
    for batch in _batches(rows, chunk_size):
        frame = _geodataframe(batch, columns, rename)
        pyogrio.write_dataframe(frame, path, layer=layer, driver=driver, append=written, **options)
        written = True
    if not written:  # an empty export is still a valid file with the columns
        pyogrio.write_dataframe(_geodataframe([], columns, rename), path, layer=layer, driver=driver, **options)


def write_gpkg(rows, stream, include_contact=True):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "entities.gpkg")
        _write_layer(rows, path, include_contact, "GPKG")
        with path.open("rb") as written:
            shutil.copyfileobj(written, stream)


def write_shapefile(rows, stream, include_contact=True):
    """A zip of entities.shp/.shx/.dbf/.prj/.cpg (UTF-8); field names shortened (SHAPEFILE_NAMES)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "entities.shp")
        _write_layer(rows, path, include_contact, "ESRI Shapefile", rename=SHAPEFILE_NAMES, encoding="UTF-8")
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)


ESSGLOBAL_COLUMNS = [
    "Identifier",
    "Name",
    "Description",
    "Legal Forms",
    "Organisational Structure",
    "Primary Activity",
    "Activities",
    "Street Address",
    "Locality",
    "Region",
    "Postcode",
    "Country ID",
    "Homepage",
    "Phone",
    "Email",
    "Latitude",
    "Longitude",
    "Total Members",
    "Women",
    "Men",
    "Registered Organisation",
]


def essglobal_lines(rows, include_contact=True):
    """The SEA / ESSGlobal "standard" CSV shape; our importer reads it back through its aliases."""
    writer = csv.writer(LineEcho())
    yield writer.writerow(ESSGLOBAL_COLUMNS)
    for row in rows:
        sectors = row["sectors"].split(";") if row["sectors"] else []
        yield writer.writerow(
            [
                safe_cell(value)
                for value in [
                    # ESSGlobal wants an id usable in a file name and a URI: the source system's, else ours.
                    row["external_id"] or row["registry_number"],
                    row["name"],
                    "",
                    row["legal_form"],
                    row["family"],  # ESSGlobal's organisational structure: co-operative, association, ...
                    sectors[0] if sectors else "",
                    ";".join(sectors),
                    row["address"],
                    "",
                    # No region: our address already holds it, and a re-import joins Region into the address.
                    "",
                    "",
                    row["country"],
                    "",
                    row["contact_phone"] if include_contact else "",
                    row["contact_email"] if include_contact else "",
                    row["latitude"],
                    row["longitude"],
                    _plain(row["members_total"]),
                    _plain(row["members_women"]),
                    _plain(row["members_men"]),
                    row["registration_number"],
                ]
            ]
        )


_ANY_ID = "00000000-0000-0000-0000-000000000000"


@functools.cache
def _entity_path_pattern():
    # reverse() once rather than for each of a million rows.
    return reverse("registry:entity", args=[_ANY_ID]).replace(_ANY_ID, "{}")


def entity_url(row, base_url=""):
    """The address of the exported entity's page on this platform."""
    return base_url + _entity_path_pattern().format(row["id"])


MURMURATIONS_STATUS = {"active": "active", "dormant": "on_hold", "dissolved": "cancelled"}


def murmurations_profile(row, iso2, base_url="", public_page=None):
    """A Murmurations organizations_schema-v1.0.0 profile of one exported row.

    A profile is made to be published: an index copies it for anyone to read, and the schema calls its
    contact fields public. So it never carries the personal contact data (DESIGN.md: never public),
    whoever asks. `primary_url` is the profile's identity in an index: the entity's page in the latest
    published edition (`public_page`, which anyone may open) when there is one, else its registry page.
    """
    profile = {
        "linked_schemas": ["organizations_schema-v1.0.0"],
        "name": row["name"],
        "primary_url": base_url + public_page if public_page else entity_url(row, base_url),
        "geolocation": {"lat": row["latitude"], "lon": row["longitude"]},
        "country_iso_3166": iso2,
        "geographic_scope": "local",
        # The schema wants unique tags; a family and a legal form often share a code ("cooperative").
        "tags": list(
            dict.fromkeys(tag for tag in [row["family"], row["legal_form"], *row["sectors"].split(";")] if tag)
        ),
    }
    if row.get("name_local") and row["name_local"] != row["name"]:
        profile["nickname"] = row["name_local"]
    if row["status"] in MURMURATIONS_STATUS:
        profile["status"] = MURMURATIONS_STATUS[row["status"]]
    if row["address"]:
        profile["full_address"] = row["address"]
    if row["founded_year"]:
        profile["starts_at"] = int(datetime.datetime(row["founded_year"], 1, 1, tzinfo=datetime.UTC).timestamp())
    return profile


def published_murmurations_profile(entity_id, base_url=""):
    """The profile of an entity as the latest published edition that holds it froze it, or None.

    What readers without a role in the entity's country get (an index fetches anonymously): the
    signed-off facts, not the live record. The snapshot keeps the family's and legal form's names;
    the tags carry their codes, as the live profile's do.
    """
    from mapping.editions import latest_published_snapshot

    snapshot = latest_published_snapshot(entity_id)
    if snapshot is None:
        return None
    country = snapshot.edition.committee.country
    family = EntityFamily.objects.filter(name=snapshot.family_name).values_list("code", flat=True).first()
    legal_form = (
        LegalForm.objects.filter(country=country, name=snapshot.legal_form_name).values_list("code", flat=True).first()
    )
    row = {
        "id": str(entity_id),
        "name": snapshot.name,
        "name_local": snapshot.name_local,
        "latitude": snapshot.point.y,
        "longitude": snapshot.point.x,
        "family": family or "",
        "legal_form": legal_form or "",
        "sectors": snapshot.sectors.replace(",", ";"),
        "status": snapshot.status,
        "address": "",  # not published with an edition
        "founded_year": None,
    }
    page = reverse("mapping:edition-entity", args=[country.iso3, snapshot.edition.number, entity_id])
    return murmurations_profile(row, country.iso2, base_url, page)


def murmurations_pieces(rows, include_contact=True, base_url="", chunk_size=5000):
    """A JSON array of profiles, one indented profile after another (never with contact data: see above)."""
    from mapping.editions import published_entity_pages

    iso2 = dict(Country.objects.values_list("iso3", "iso2"))
    yield b"["
    number = 0
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, chunk_size)):
        pages = {str(entity_id): page for entity_id, page in published_entity_pages(row["id"] for row in chunk).items()}
        for row in chunk:
            profile = murmurations_profile(row, iso2[row["country"]], base_url, pages.get(row["id"]))
            yield (b",\n" if number else b"\n") + orjson.dumps(profile, option=orjson.OPT_INDENT_2)
            number += 1
    yield b"\n]\n"


# Formats written piece by piece while the rows are read, so a country of a million entities is sent as it is
# read instead of being built in memory first: (pieces, text?) per format.
STREAMED = {
    "csv": (csv_lines, True),
    "essglobal": (essglobal_lines, True),
    "geojson": (geojson_pieces, False),
    "murmurations": (murmurations_pieces, False),
}
# Formats whose libraries write a whole file (a zip, an SQLite database, a workbook): written to a temporary file
# that is deleted when the response closes it.
FILE_WRITERS = {
    "xlsx": write_xlsx,
    "gpkg": write_gpkg,
    "shapefile": write_shapefile,
}


@dataclass
class Export:
    """An export ready to send: `content` is an iterator of byte chunks or an open binary file."""

    content: Iterator[bytes] | BinaryIO
    content_type: str
    filename: str
    streamed: bool

    def read_all(self):
        """The whole export as bytes (export(), which the tests use; the pages stream `content`)."""
        if self.streamed:
            return b"".join(self.content)
        with self.content as file:
            return file.read()


def _streamed_content(file_format, rows, include_contact, base_url):
    pieces, text = STREAMED[file_format]
    extra = {"base_url": base_url} if file_format == "murmurations" else {}
    chunks = _chunks(pieces(rows, include_contact, **extra), "" if text else b"")
    if not text:
        yield from chunks
        return
    # A BOM lets spreadsheet programs open the UTF-8 file with Khmer, Thai, Cyrillic and Vietnamese intact.
    yield "\ufeff".encode()
    for chunk in chunks:
        yield chunk.encode("utf-8")


def export_filename(file_format):
    return f"sse-entities-{datetime.date.today().isoformat()}.{FORMATS[file_format][1]}"


def _counted(rows, progress, every=5000):
    """The rows, calling progress(rows so far) every `every` rows and at the end."""
    number = 0
    for number, row in enumerate(rows, 1):
        if number % every == 0:
            progress(number)
        yield row
    progress(number)


def write_export(user, queryset, file_format, file, base_url="", progress=None):
    """Write the whole export of `queryset` for `user` to the binary `file` (background jobs, the command)."""
    include_contact = contact_columns_allowed(user, queryset)
    rows = export_rows(user, queryset)
    if progress:
        rows = _counted(rows, progress)
    if file_format in STREAMED:
        for chunk in _streamed_content(file_format, rows, include_contact, base_url):
            file.write(chunk)
    else:
        FILE_WRITERS[file_format](rows, file, include_contact)


def prepare_export(user, queryset, file_format, base_url=""):
    """The `Export` of `queryset` for `user` in `file_format`; raises KeyError for an unknown format.

    Streamed formats read the database only as the response is sent; file formats are written here.
    """
    content_type = FORMATS[file_format][0]
    filename = export_filename(file_format)
    if file_format in STREAMED:
        include_contact = contact_columns_allowed(user, queryset)
        content = _streamed_content(file_format, export_rows(user, queryset), include_contact, base_url)
        return Export(content, content_type, filename, True)
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it, or below)
    try:
        write_export(user, queryset, file_format, file, base_url)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return Export(file, content_type, filename, False)


def exported_count(user, queryset):
    """How many entities an export of `queryset` by `user` holds."""
    return visible_entities(user, queryset).count()


# Above these sizes a download is prepared in the background (exchange.export_jobs) instead of in the request:
# a request that takes longer than the server's worker timeout (gunicorn: 30 s) is cut off. Streamed formats run
# at about 30,000 entities a second, the file formats' libraries at 3,000-15,000 (XLSX is the slowest).
DIRECT_LIMIT_STREAMED = 200_000
DIRECT_LIMIT_FILE = 20_000


def fits_in_request(file_format, count):
    return count <= (DIRECT_LIMIT_STREAMED if file_format in STREAMED else DIRECT_LIMIT_FILE)


def export(user, queryset, file_format, base_url=""):
    """The export as bytes, its content type and a file name; raises KeyError for an unknown format."""
    prepared = prepare_export(user, queryset, file_format, base_url)
    return prepared.read_all(), prepared.content_type, prepared.filename
