"""Exports of registry entities: CSV, XLSX, GeoJSON, GeoPackage, zipped Shapefile, ESSGlobal CSV, Murmurations.

Every export goes through `export_rows(user, queryset)`, which keeps only the
entities the user may read and drops personal contact data for every country
where `can_see_contact_data` says no. Text cells of spreadsheet formats are
made safe against formula injection by `safe_cell`.
Our CSV / XLSX / GeoJSON / GeoPackage / Shapefile columns are the importer's
field names, so an export re-imports into an empty registry as the same entities.
"""

import csv
import datetime
import io
import tempfile
import zipfile
from pathlib import Path

import orjson
from django.db.models import F, FloatField, Func

from registry.models import Country, Entity
from registry.permissions import can_see_contact_data, readable_countries

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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
SHAPEFILE_NAMES = {
    "registry_number": "reg_number",
    "external_id": "ext_id",
    "name_local": "name_local",
    "name_romanized": "name_roman",
    "legal_form": "legal_form",
    "registration_number": "reg_no",
    "registering_authority": "reg_auth",
    "registration_date": "reg_date",
    "founded_year": "founded",
    "members_total": "mem_total",
    "members_women": "mem_women",
    "members_men": "mem_men",
    "workers_total": "wrk_total",
    "workers_women": "wrk_women",
    "location_precision": "precision",
    "admin_area": "area_code",
    "source_reference": "source_ref",
    "verification": "verified",
    "contact_name": "cont_name",
    "contact_phone": "cont_phone",
    "contact_email": "cont_email",
}
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


def safe_cell(value):
    """A text cell a spreadsheet will not run as a formula: risky first characters get a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def visible_entities(user, queryset):
    """The entities of `queryset` the user may read (the registries of their countries)."""
    return queryset.filter(country_id__in=readable_countries(user))


def export_rows(user, queryset):
    """Dicts with COLUMNS for each readable entity; contact columns blank where the role does not allow them."""
    queryset = visible_entities(user, queryset)
    allowed = {iso3: can_see_contact_data(user, iso3) for iso3 in readable_countries(user)}
    values = (
        queryset.order_by("registry_number")
        .annotate(
            latitude=_coordinate("ST_Y"),
            longitude=_coordinate("ST_X"),
            family_code=F("family__code"),
            legal_form_code=F("legal_form__code"),
            area_code=F("admin_area__code"),
        )
        .values(
            "id",
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
    for row in values.iterator(chunk_size=5000):
        row["country"] = row.pop("country_id")
        row["family"] = row.pop("family_code")
        row["legal_form"] = row.pop("legal_form_code") or ""
        row["admin_area"] = row.pop("area_code") or ""
        row["sectors"] = ";".join(row["sectors"])
        if row["registration_date"]:
            row["registration_date"] = row["registration_date"].isoformat()
        if not allowed.get(row["country"]):
            for column in CONTACT_COLUMNS:
                row[column] = ""
        yield row


def contact_columns_allowed(user, queryset):
    """Whether any exported country lets the user see contact data (else the columns are left out)."""
    countries = set(visible_entities(user, queryset).values_list("country_id", flat=True).distinct())
    return any(can_see_contact_data(user, iso3) for iso3 in countries)


def _columns(include_contact):
    return COLUMNS if include_contact else [c for c in COLUMNS if c not in CONTACT_COLUMNS]


def write_csv(rows, stream, include_contact=True):
    writer = csv.writer(stream)
    columns = _columns(include_contact)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(_plain(row.get(column))) for column in columns])


def _plain(value):
    return "" if value is None else value


def write_xlsx(rows, stream, include_contact=True):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entities")
    columns = _columns(include_contact)
    sheet.append(columns)
    for row in rows:
        sheet.append([safe_cell(_plain(row.get(column))) for column in columns])
    workbook.save(stream)


def _feature(row, columns):
    properties = {column: row.get(column) for column in columns if column not in {"latitude", "longitude"}}
    return {
        "type": "Feature",
        "id": str(row["id"]),
        "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
        "properties": properties,
    }


def write_geojson(rows, stream, include_contact=True):
    """RFC 7946: lon/lat in WGS 84, no "crs" member, one Feature per entity."""
    columns = _columns(include_contact)
    stream.write(b'{"type":"FeatureCollection","features":[')
    for number, row in enumerate(rows):
        if number:
            stream.write(b",")
        stream.write(orjson.dumps(_feature(row, columns), default=str))
    stream.write(b"]}")


def _geodataframe(rows, include_contact, rename=None):
    import geopandas
    import pandas as pd

    columns = _columns(include_contact)
    records = list(rows)
    frame = pd.DataFrame(records, columns=["id", *columns])
    frame = frame.drop(columns=["id"])
    geometry = geopandas.points_from_xy(frame["longitude"], frame["latitude"], crs=4326)
    frame = frame.drop(columns=["latitude", "longitude"])
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_plain).astype(str)
    if rename:
        frame = frame.rename(columns=rename)
    return geopandas.GeoDataFrame(frame, geometry=geometry, crs=4326)


def write_gpkg(rows, stream, include_contact=True):
    frame = _geodataframe(rows, include_contact)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "entities.gpkg")
        frame.to_file(path, layer="entities", driver="GPKG", engine="pyogrio")
        stream.write(path.read_bytes())


def write_shapefile(rows, stream, include_contact=True):
    """A zip of entities.shp/.shx/.dbf/.prj/.cpg (UTF-8); field names shortened (SHAPEFILE_NAMES)."""
    frame = _geodataframe(rows, include_contact, rename=SHAPEFILE_NAMES)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "entities.shp")
        frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
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


def write_essglobal(rows, stream, include_contact=True, base_url=""):
    """The SEA / ESSGlobal "standard" CSV shape; our importer reads it back through its aliases."""
    writer = csv.writer(stream)
    writer.writerow(ESSGLOBAL_COLUMNS)
    for row in rows:
        sectors = row["sectors"].split(";") if row["sectors"] else []
        writer.writerow(
            [
                safe_cell(value)
                for value in [
                    row["external_id"] or f"{base_url}/entities/{row['id']}/",
                    row["name"],
                    "",
                    row["family"],
                    row["legal_form"],
                    sectors[0] if sectors else "",
                    ";".join(sectors),
                    row["address"],
                    "",
                    row["admin_area"],
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


MURMURATIONS_STATUS = {"active": "active", "dormant": "on_hold", "dissolved": "cancelled"}


def murmurations_profile(row, iso2, base_url=""):
    """A Murmurations organizations_schema-v1.0.0 profile of one exported row."""
    profile = {
        "linked_schemas": ["organizations_schema-v1.0.0"],
        "name": row["name"],
        "primary_url": f"{base_url}/entities/{row['id']}/",
        "geolocation": {"lat": row["latitude"], "lon": row["longitude"]},
        "country_iso_3166": iso2,
        "geographic_scope": "local",
        "tags": [tag for tag in [row["family"], row["legal_form"], *row["sectors"].split(";")] if tag],
    }
    if row.get("name_local") and row["name_local"] != row["name"]:
        profile["nickname"] = row["name_local"]
    if row["status"] in MURMURATIONS_STATUS:
        profile["status"] = MURMURATIONS_STATUS[row["status"]]
    if row["address"]:
        profile["full_address"] = row["address"]
    if row.get("contact_email"):
        profile["contact_details"] = {"email": row["contact_email"]}
    if row.get("contact_phone"):
        profile["telephone"] = row["contact_phone"]
    if row["founded_year"]:
        profile["starts_at"] = int(datetime.datetime(row["founded_year"], 1, 1, tzinfo=datetime.UTC).timestamp())
    return profile


def write_murmurations(rows, stream, include_contact=True, base_url=""):
    iso2 = dict(Country.objects.values_list("iso3", "iso2"))
    profiles = []
    for row in rows:
        if not include_contact:
            row = {**row, "contact_email": "", "contact_phone": ""}
        profiles.append(murmurations_profile(row, iso2[row["country"]], base_url))
    stream.write(orjson.dumps(profiles, option=orjson.OPT_INDENT_2))


WRITERS = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "geojson": write_geojson,
    "gpkg": write_gpkg,
    "shapefile": write_shapefile,
    "essglobal": write_essglobal,
    "murmurations": write_murmurations,
}
TEXT_FORMATS = {"csv", "essglobal"}


def export(user, queryset, file_format, base_url=""):
    """The export as bytes, its content type and a file name; raises KeyError for an unknown format."""
    writer = WRITERS[file_format]
    content_type, extension = FORMATS[file_format]
    include_contact = contact_columns_allowed(user, queryset)
    rows = export_rows(user, queryset)
    extra = {"base_url": base_url} if file_format in {"essglobal", "murmurations"} else {}
    if file_format in TEXT_FORMATS:
        text = io.StringIO()
        writer(rows, text, include_contact, **extra)
        # A BOM lets spreadsheet programs open the UTF-8 file with Khmer, Thai, Cyrillic and Vietnamese intact.
        data = ("\ufeff" + text.getvalue()).encode("utf-8")
    else:
        binary = io.BytesIO()
        writer(rows, binary, include_contact, **extra)
        data = binary.getvalue()
    stamp = datetime.date.today().isoformat()
    return data, content_type, f"sse-entities-{stamp}.{extension}"
