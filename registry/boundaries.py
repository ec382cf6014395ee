"""Loading the shipped boundary data (fixtures/boundaries) into Country and AdminArea.

The loader reads and checks every file before writing anything, then writes in
one transaction: a missing or corrupt file stops it with a message naming the
file and the problem, and the loaded data stays as it was.
"""

import csv
import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from .models import AdminArea, Country

BOUNDARY_DIR = settings.BASE_DIR / "fixtures" / "boundaries"
ADM0_FILE = "adm0_5countries.geojson"
ADM1_FILE = "adm1_5countries.geojson"
VN_2025_FILE = "vn_2025_provinces.csv"

FIVE_COUNTRIES = {"KHM", "KGZ", "MNG", "THA", "VNM"}
NATURAL_EARTH = "Natural Earth 1:10m Admin-1 (public domain), generalized"
# Resolution 202/2025/QH15: 63 provinces merged into 34, in force 1 July 2025.
VN_REORGANIZATION_DAY = datetime.date(2025, 7, 1)
VN_REORGANIZATION_SOURCE = "Dissolve of former provinces per Resolution 202/2025/QH15"


class BoundaryDataError(Exception):
    """A boundary file is missing, unreadable or inconsistent; names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: list = field(default_factory=list)

    def count(self, outcome):
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self):
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _read_layer(path, required_columns):
    """Read a vector file into a GeoDataFrame, checking it exists, parses and has the columns."""
    import pyogrio  # imported here: pyogrio pulls in GDAL, only needed while loading

    if not path.exists():
        raise BoundaryDataError(path, "file not found")
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several error types for unreadable data
        raise BoundaryDataError(path, f"cannot be read as a vector file ({exc})") from exc
    if frame.empty:
        raise BoundaryDataError(path, "holds no features")
    missing = sorted(set(required_columns) - set(frame.columns))
    if missing:
        raise BoundaryDataError(path, f"missing required field(s): {', '.join(missing)}")
    if str(frame.crs).upper() not in {"EPSG:4326", "OGC:CRS84"} and frame.crs is not None:
        raise BoundaryDataError(path, f"expected EPSG:4326 coordinates, found {frame.crs}")
    return frame


def _as_multipolygon(shape, path, label):
    """Shapely geometry -> valid GEOS MultiPolygon (SRID 4326), or a BoundaryDataError naming the feature."""
    if shape is None or shape.is_empty:
        raise BoundaryDataError(path, f"{label}: empty geometry")
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    polygons = [part for part in shapely.get_parts(shape) if part.geom_type in {"Polygon", "MultiPolygon"}]
    if not polygons:
        raise BoundaryDataError(path, f"{label}: geometry is {shape.geom_type}, expected (Multi)Polygon")
    merged = shapely.MultiPolygon(
        [poly for part in polygons for poly in (part.geoms if part.geom_type == "MultiPolygon" else [part])]
    )
    geom = GEOSGeometry(memoryview(shapely.to_wkb(merged)), srid=4326)
    if not isinstance(geom, MultiPolygon):
        geom = MultiPolygon(geom, srid=4326)
    return geom


def _text(value):
    """A text cell as a stripped string; missing cells (None or pandas' NaN) become ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _read_vn_reorganization(path, former_codes):
    if not path.exists():
        raise BoundaryDataError(path, "file not found")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise BoundaryDataError(path, f"cannot be read as UTF-8 CSV ({exc})") from exc
    required = {"old_iso_3166_2", "old_name", "new_gso_code", "new_name"}
    if not rows or not required <= set(rows[0]):
        raise BoundaryDataError(path, f"expected columns {', '.join(sorted(required))}")
    seen = {}
    for number, row in enumerate(rows, start=2):
        old = row["old_iso_3166_2"].strip()
        if old not in former_codes:
            raise BoundaryDataError(path, f"row {number}: old_iso_3166_2 {old!r} is not a Viet Nam province")
        if old in seen:
            raise BoundaryDataError(path, f"row {number}: {old} is listed twice (first on row {seen[old]})")
        if not row["new_gso_code"].strip().isdigit() or not row["new_name"].strip():
            raise BoundaryDataError(path, f"row {number}: new_gso_code and new_name are required")
        seen[old] = number
    missing = sorted(set(former_codes) - set(seen))
    if missing:
        raise BoundaryDataError(path, f"former provinces without a successor: {', '.join(missing)}")
    return rows


@dataclass
class _AreaRecord:
    country_id: str
    code: str
    values: dict


def _english_name_of_new_vn_unit(local_name):
    for prefix in ("Thành phố ", "Tỉnh "):
        if local_name.startswith(prefix):
            return local_name[len(prefix) :]
    return local_name


# The United Nations' English names, which the ILO writes, where Natural Earth's differ.
UN_SHORT_NAMES = {"VNM": "Viet Nam"}
UN_FORMAL_NAMES = {"VNM": "Socialist Republic of Viet Nam"}
# Local names the boundary file lacks (fixtures/boundaries/SOURCES.md: "missing for MN-069"), so that the
# committee's table and pack show every area in its own script.
MISSING_LOCAL_NAMES = {"MN-069": "Баянхонгор"}


class BoundaryLoader:
    """Reads the five countries' boundary files and writes them idempotently."""

    def __init__(self, directory=BOUNDARY_DIR, progress=None):
        self.directory = Path(directory)
        self.progress = progress or (lambda iterable, **kwargs: iterable)

    def read(self):
        """Parse and check every file; returns (countries, former areas, VN successors). Writes nothing."""
        adm0_path = self.directory / ADM0_FILE
        adm1_path = self.directory / ADM1_FILE
        adm0 = _read_layer(adm0_path, ["country_iso3", "iso_a2", "name_en", "formal_en", "name_local"])
        adm1 = _read_layer(
            adm1_path,
            ["iso_3166_2", "name_iso", "name_local", "subdivision_type", "country_iso3"],
        )
        countries = []
        for index, row in adm0.iterrows():
            iso3 = _text(row["country_iso3"])
            if iso3 not in FIVE_COUNTRIES:
                raise BoundaryDataError(adm0_path, f"feature {index + 1}: unexpected country {iso3!r}")
            countries.append(
                {
                    "iso3": iso3,
                    "iso2": _text(row["iso_a2"]),
                    "name": UN_SHORT_NAMES.get(iso3, _text(row["name_en"])),
                    "formal_name": UN_FORMAL_NAMES.get(iso3, _text(row["formal_en"])),
                    "name_local": _text(row["name_local"]),
                    "geom": _as_multipolygon(row.geometry, adm0_path, f"feature {index + 1} ({iso3})"),
                }
            )
        if {c["iso3"] for c in countries} != FIVE_COUNTRIES:
            raise BoundaryDataError(adm0_path, f"expected the five countries {sorted(FIVE_COUNTRIES)}")

        iso2_of = {c["iso3"]: c["iso2"] for c in countries}
        areas = []
        for index, row in adm1.iterrows():
            iso3, code = _text(row["country_iso3"]), _text(row["iso_3166_2"])
            label = f"feature {index + 1} ({code})"
            if iso3 not in FIVE_COUNTRIES:
                raise BoundaryDataError(adm1_path, f"{label}: unknown country {iso3!r}")
            expected_prefix = iso2_of[iso3] + "-"
            if not code or not str(code).startswith(expected_prefix):
                raise BoundaryDataError(adm1_path, f"{label}: iso_3166_2 must start with {expected_prefix}")
            areas.append(
                (
                    row.geometry,
                    _AreaRecord(
                        iso3,
                        code,
                        {
                            "name": _text(row["name_iso"]),
                            "name_local": _text(row["name_local"]) or MISSING_LOCAL_NAMES.get(code, ""),
                            "subdivision_type": _text(row["subdivision_type"]),
                            "code_system": "ISO 3166-2",
                            "source": NATURAL_EARTH,
                            "valid_from": None,
                            "valid_to": VN_REORGANIZATION_DAY - datetime.timedelta(days=1) if iso3 == "VNM" else None,
                            "geom": _as_multipolygon(row.geometry, adm1_path, label),
                        },
                    ),
                )
            )
        former_vn = {record.code: shape for shape, record in areas if record.country_id == "VNM"}
        reorganization = _read_vn_reorganization(self.directory / VN_2025_FILE, former_vn)
        return countries, [record for _, record in areas], self._dissolve_vn(former_vn, reorganization)

    def _dissolve_vn(self, former_vn, reorganization):
        """The 34 current Viet Nam provinces: the union of the former ones merged into each."""
        groups = {}
        for row in reorganization:
            group = groups.setdefault(row["new_gso_code"].strip(), {"name": row["new_name"].strip(), "members": []})
            group["members"].append(row["old_iso_3166_2"].strip())
        current = []
        path = self.directory / VN_2025_FILE
        for gso_code, group in sorted(groups.items()):
            shape = shapely.union_all([former_vn[code] for code in group["members"]])
            current.append(
                (
                    group["members"],
                    _AreaRecord(
                        "VNM",
                        gso_code,
                        {
                            "name": _english_name_of_new_vn_unit(group["name"]),
                            "name_local": group["name"],
                            "subdivision_type": "Municipality" if group["name"].startswith("Thành phố") else "Province",
                            "code_system": "GSO",
                            "source": VN_REORGANIZATION_SOURCE,
                            "valid_from": VN_REORGANIZATION_DAY,
                            "valid_to": None,
                            "geom": _as_multipolygon(shape, path, f"new unit {gso_code}"),
                        },
                    ),
                )
            )
        return current

    @transaction.atomic
    def load(self):
        """Read everything, then write it in one transaction. Returns a LoadReport."""
        countries, former_areas, current_vn = self.read()
        report = LoadReport()
        for values in countries:
            iso3 = values.pop("iso3")
            report.count(_upsert(Country, {"iso3": iso3}, values))
        by_code = {}
        for record in self.progress(former_areas + [r for _, r in current_vn], desc="Areas", unit="area"):
            lookup = {
                "country_id": record.country_id,
                "level": 1,
                "code": record.code,
                "valid_from": record.values["valid_from"],
            }
            values = {k: v for k, v in record.values.items() if k != "valid_from"}
            outcome, area = _upsert(AdminArea, lookup, values, return_object=True)
            report.count(outcome)
            by_code[(record.country_id, record.code)] = area
        for members, record in current_vn:
            successor = by_code[("VNM", record.code)]
            for code in members:
                former = by_code[("VNM", code)]
                if former.successor_id != successor.pk:
                    former.successor = successor
                    former.save(update_fields=["successor"])
        return report


def _upsert(model, lookup, values, return_object=False):
    """Create or update one row, touching the database only when something differs."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model.objects.create(**lookup, **values)
        outcome = "created"
    else:
        changed = [name for name, value in values.items() if not _same(getattr(instance, name), value)]
        if changed:
            for name in changed:
                setattr(instance, name, values[name])
            instance.save(update_fields=changed)
            outcome = "updated"
        else:
            outcome = "unchanged"
    return (outcome, instance) if return_object else outcome


def _same(current, new):
    if hasattr(new, "equals_exact"):
        return current is not None and current.equals_exact(new, tolerance=1e-9)
    return current == new
