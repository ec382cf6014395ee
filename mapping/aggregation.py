"""What the committee map shows: per-area figures (choropleth and table) and the entity layer.

Two kinds of source feed the same functions: the live registry under a set of
filters (`LiveSource`) and a frozen edition's snapshot (`EditionSource`).
Rules that keep the map honest and fast (PERFORMANCE.md B1-B3):

- Per-area figures come from the stored, indexed admin-area foreign key
  (GROUP BY), never from a spatial join at request time.
- At low zoom (<= AREA_CLUSTER_MAX_ZOOM) the entity layer is one cluster per
  area (at a point inside it) plus grid clusters of the few entities in no
  area; no raw point is ever sent.
- Above it, entities in the view are clustered on a grid whose cells shrink
  with the zoom; individual points are sent only from POINTS_MIN_ZOOM on and
  only when at most POINTS_MAX of them are in view.
- Every entity of the source falls in exactly one cluster, so cluster counts
  add up exactly to the filtered total.
"""

import datetime
import math
import time
import unicodedata
from dataclasses import dataclass

import orjson
from django.contrib.gis.db.models.functions import PointOnSurface
from django.db import router
from django.db.models import CharField, Count, ExpressionWrapper, F, Field, OuterRef, Q, Subquery, Sum, Value
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import AdminArea, Classification, Country, Entity, EntityFamily, LegalForm

from . import sql
from .models import AreaEntityCount

AREA_CLUSTER_MAX_ZOOM = 8
POINTS_MIN_ZOOM = 10
POINTS_MAX = 1500
MAX_ZOOM = 20
# Cluster cells are about this many screen pixels wide at the requested zoom.
CLUSTER_CELL_PIXELS = 80
# ...and no narrower than a view's width (or height) over this: 128 cells of 80 px span 10,240 px, wider than
# any screen even at a fractional zoom (the map asks for the whole level below), so real views never reach it.
CLUSTER_CELLS_ACROSS = 128

# The point column as PostgreSQL stores it. GeoDjango would select a geometry
# field as `::bytea` for Python to parse; these sources are only ever embedded
# in SQL (mapping.sql), which needs the geometry itself.
RAW_POINT = ExpressionWrapper(F("point"), output_field=Field())

MEASURES = {
    "entities": _("Entities"),
    "members": _("Members"),
    "women_share": _("Share of women members"),
}


class BadMapRequest(ValueError):
    """A bad bbox or zoom; `parameter` names the query parameter."""

    def __init__(self, parameter, reason):
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


def parse_zoom(raw):
    if raw in (None, ""):
        raise BadMapRequest("zoom", "required (an integer from 0 to 20)")
    try:
        zoom = int(raw)
    except ValueError:
        raise BadMapRequest("zoom", f"must be an integer from 0 to {MAX_ZOOM}, got {raw!r}") from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise BadMapRequest("zoom", f"must be between 0 and {MAX_ZOOM}, got {zoom}")
    return zoom


def parse_bbox(raw, required):
    """`west,south,east,north` in degrees (lon/lat) as a tuple of floats, or None when absent and not required."""
    if raw in (None, ""):
        if required:
            raise BadMapRequest(
                "bbox", f"required above zoom {AREA_CLUSTER_MAX_ZOOM}, as west,south,east,north in degrees"
            )
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise BadMapRequest("bbox", f"must be four numbers west,south,east,north, got {raw!r}")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise BadMapRequest("bbox", f"must be four numbers west,south,east,north, got {raw!r}") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise BadMapRequest("bbox", "coordinates must be finite numbers")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise BadMapRequest("bbox", "longitudes must lie within -180..180 and latitudes within -90..90")
    if west >= east or south >= north:
        raise BadMapRequest("bbox", "west must be less than east and south less than north")
    return west, south, east, north


def cell_degrees(zoom):
    """Grid cell size in degrees for `zoom`: about CLUSTER_CELL_PIXELS screen pixels wide."""
    return 360.0 / (256 * 2**zoom) * CLUSTER_CELL_PIXELS


@dataclass
class AreaFigure:
    """One area's figures on the map and in the table."""

    area_id: int
    code: str
    name: str
    name_local: str
    entities: int = 0
    members_total: int = 0
    members_women: int = 0
    members_with_gender: int = 0

    @property
    def women_share(self):
        return self.members_women / self.members_with_gender if self.members_with_gender else None

    @property
    def women_percent(self):
        """The women share as a whole percentage, halves rounded up (12.5% reads 13%), by integer arithmetic:
        the page's table, its redrawn table and the printed pack all print this one figure (Python's round()
        and the browser's Math.round() had disagreed on halves: 12% in the pack, 13% on the page)."""
        if not self.members_with_gender:
            return None
        return (200 * self.members_women + self.members_with_gender) // (2 * self.members_with_gender)

    def value(self, measure):
        if measure == "members":
            return self.members_total
        if measure == "women_share":
            return self.women_share
        return self.entities

    def as_dict(self):
        share = self.women_share
        return {
            "id": self.area_id,
            "code": self.code,
            "name": self.name,
            "name_local": self.name_local,
            "entities": self.entities,
            "members": self.members_total,
            "women": self.members_women,
            "women_share": None if share is None else round(share, 4),
            "women_percent": self.women_percent,
        }


@dataclass
class AreaSummary:
    """Per-area figures of a source and the totals they must add up to."""

    areas: list
    unplaced: int
    total: int

    def classed_values(self, measure):
        """The areas' values that fall in a class: not those the map draws as "none" or "no data" (an area with
        no entities, no members, or no women reported); a share of 0% women is a figure."""
        values = [figure.value(measure) for figure in self.areas if figure.entities]
        return [value for value in values if value is not None and (value or measure == "women_share")]

    def as_dict(self, measure="entities"):
        return {
            "areas": [figure.as_dict() for figure in self.areas],
            "unplaced": self.unplaced,
            "total": self.total,
            "measure": measure,
            # Empty areas get their own "none" colour; classes split the areas that have a figure.
            "breaks": class_breaks(self.classed_values(measure)),
        }


# Fields aggregated per area; the women share counts only entities that report
# both their members and how many of them are women (as the triggers of
# AreaEntityCount do, migration 0007): women of an entity with no total would
# have no denominator, and pushed shares past 100%.
AREA_AGGREGATES = {
    "n_entities": Count("*"),  # COUNT(*) keeps the scan index-only (the id is not in the covering index)
    "sum_members": Sum("members_total"),
    "sum_women": Sum("members_women", filter=Q(members_total__isnull=False)),
    "sum_members_with_gender": Sum("members_total", filter=Q(members_women__isnull=False)),
}


def _figures_from_rows(areas, rows):
    by_area = {row["admin_area"]: row for row in rows}
    figures = []
    for area in areas:
        row = by_area.get(area.pk, {})
        figures.append(
            AreaFigure(
                area_id=area.pk,
                code=area.code,
                name=area.name,
                name_local=area.name_local,
                entities=row.get("n_entities") or 0,
                members_total=row.get("sum_members") or 0,
                members_women=row.get("sum_women") or 0,
                members_with_gender=row.get("sum_members_with_gender") or 0,
            )
        )
    unplaced_rows = [row for key, row in by_area.items() if key is None or key not in {a.pk for a in areas}]
    unplaced = sum(row["n_entities"] for row in unplaced_rows)
    return figures, unplaced


# The SQL of a source depends on its filters (or its edition) and on nothing
# else in the request: the ORM compiles it once per process for each, which
# keeps ~0.5 ms of query building off every map request (PERFORMANCE.md B2).
# Keys hold values only (codes, ids), so an entry can never go stale; the
# bound keeps the memory small whatever filters people try.
_COMPILED_SOURCES = {}
COMPILED_SOURCES_MAX = 500


def _compiled(key, rows):
    compiled = _COMPILED_SOURCES.get(key)
    if compiled is None:
        if len(_COMPILED_SOURCES) >= COMPILED_SOURCES_MAX:
            _COMPILED_SOURCES.clear()
        sql_text, params = sql.compile_source(rows())
        compiled = _COMPILED_SOURCES[key] = (sql_text, tuple(params))
    return compiled


# Letters a reader alphabetizes as their base letter that Unicode does not decompose into it.
_BASE_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ı": "i"})


def reading_order(name):
    """A sort key putting area names in the order a reader looks them up: by their letters, then their marks.

    Sorting the text as stored (code points, or the database's C collation) put Viet Nam's 'Huế' and
    'Hưng Yên' before 'Hà Nội' and 'Hải Phòng', and every 'Đ...' province after 'Yên Bái'.
    """
    letters = unicodedata.normalize("NFD", name.translate(_BASE_LETTERS))
    return "".join(char for char in letters if not unicodedata.combining(char)).casefold(), name


class LiveSource:
    """The registry now, under a country's map filters."""

    def __init__(self, country, filters, day=None):
        self.country = country
        self.filters = filters
        self.day = day or datetime.date.today()

    def areas(self):
        areas = AdminArea.objects.in_country(self.country).of_level(1).valid_on(self.day)
        return sorted(areas, key=lambda area: reading_order(area.name))

    def entities(self):
        return self.filters.apply(Entity.objects.all())

    def rows(self, bbox=None):
        """The filtered entities with the columns mapping.sql expects; within `bbox` (a Polygon) when given."""
        entities = self.entities()
        if bbox is not None:
            entities = entities.filter(point__bboverlaps=bbox)
        values = {
            "geom": RAW_POINT,
            "entity": F("pk"),
            "area": F("admin_area_id"),
            "family_name": F("family__name"),
            "legal_form_name": F("legal_form__name"),
        }
        return entities.order_by().values(
            "registry_number", "name", "name_local", "status", "members_total", "members_women", **values
        )

    def cluster_rows(self):
        """The filtered entities with only the columns grid clusters need: no joins for family or form names."""
        return self.entities().order_by().values("members_total", geom=RAW_POINT)

    def compiled_rows(self):
        """(sql, params) of rows(), compiled once per process for each set of filters."""
        return _compiled(("live points", self.filters.cache_key()), self.rows)

    def compiled_cluster_rows(self):
        """(sql, params) of cluster_rows(), compiled once per process for each set of filters."""
        return _compiled(("live clusters", self.filters.cache_key()), self.cluster_rows)

    def snapshot_rows(self):
        """Rows for an edition snapshot: the map columns plus verification, sectors and outcome."""
        definition = self.filters.definition
        if definition is not None:
            outcome = Subquery(
                Classification.objects.filter(entity=OuterRef("pk"), definition=definition).values("outcome")[:1]
            )
        else:
            outcome = Value("", output_field=CharField())
        return (
            self.entities()
            .order_by()
            .values(
                "registry_number",
                "name",
                "name_local",
                "status",
                "members_total",
                "members_women",
                "verification",
                "sectors",
                geom=RAW_POINT,
                entity=F("pk"),
                area=F("admin_area_id"),
                family_name=F("family__name"),
                legal_form_name=F("legal_form__name"),
                outcome=outcome,
            )
        )

    def summary(self):
        areas = self.areas()
        figures, unplaced = _figures_from_rows(areas, self._area_rows())
        total = sum(figure.entities for figure in figures) + unplaced
        return AreaSummary(figures, unplaced, total)

    def _area_rows(self):
        """Per-area aggregates: from the trigger-kept AreaEntityCount unless an outcome filter needs the live join."""
        if self.filters.outcomes:
            return self.entities().order_by().values("admin_area").annotate(**AREA_AGGREGATES)
        counts = AreaEntityCount.objects.filter(country_id=self.country.pk)
        if self.filters.families:
            counts = counts.filter(
                family_id__in=EntityFamily.objects.filter(code__in=self.filters.families).values("pk")
            )
        if self.filters.legal_forms:
            forms = LegalForm.objects.filter(country_id=self.country.pk, code__in=self.filters.legal_forms)
            counts = counts.filter(legal_form_id__in=forms.values("pk"))
        if self.filters.sectors:
            counts = counts.filter(sectors__overlap=self.filters.sectors)
        if self.filters.statuses:
            counts = counts.filter(status__in=self.filters.statuses)
        if self.filters.verifications:
            counts = counts.filter(verification__in=self.filters.verifications)
        return (
            counts.order_by()
            .values(admin_area=F("admin_area_id"))
            .annotate(
                n_entities=Sum("entities"),
                sum_members=Sum("members_total"),
                sum_women=Sum("members_women"),
                sum_members_with_gender=Sum("members_with_gender"),
            )
            .filter(n_entities__gt=0)
        )


class EditionSource:
    """A frozen edition: its snapshot rows and the per-area figures stored with it."""

    def __init__(self, edition):
        self.edition = edition
        self.country = edition.committee.country

    def _area_figures(self):
        return sorted(self.edition.area_figures.all(), key=lambda figure: reading_order(figure.name))

    def areas(self):
        return [
            AdminArea(pk=figure.admin_area_id, code=figure.code, name=figure.name, name_local=figure.name_local)
            for figure in self._area_figures()
        ]

    def rows(self, bbox=None):
        entities = self.edition.snapshot_entities.all()
        if bbox is not None:
            entities = entities.filter(point__bboverlaps=bbox)
        return entities.order_by().values(
            "registry_number",
            "name",
            "name_local",
            "family_name",
            "legal_form_name",
            "status",
            "members_total",
            "members_women",
            geom=RAW_POINT,
            entity=F("entity_id"),
            area=F("admin_area_id"),
        )

    def cluster_rows(self):
        return self.edition.snapshot_entities.order_by().values("members_total", geom=RAW_POINT)

    def compiled_rows(self):
        """(sql, params) of rows(): an edition's snapshot never changes, nor does its SQL."""
        return _compiled(("edition points", self.edition.pk), self.rows)

    def compiled_cluster_rows(self):
        return _compiled(("edition clusters", self.edition.pk), self.cluster_rows)

    def summary(self):
        figures = [
            AreaFigure(
                area_id=figure.admin_area_id,
                code=figure.code,
                name=figure.name,
                name_local=figure.name_local,
                entities=figure.entities,
                members_total=figure.members_total,
                members_women=figure.members_women,
                members_with_gender=figure.members_with_gender,
            )
            for figure in self._area_figures()
        ]
        return AreaSummary(figures, self.edition.unplaced_entities, self.edition.total_entities)


def class_breaks(values, classes=5):
    """Upper bounds of up to `classes` quantile classes over the non-empty values, rounded to read well.

    Quantiles keep every class populated whatever the skew (a few dense
    provinces and many sparse ones is the usual shape of a registry).
    """
    present = sorted(value for value in values if value is not None)
    if not present:
        return []
    breaks = []
    for index in range(1, classes + 1):
        position = min(len(present) - 1, math.ceil(index * len(present) / classes) - 1)
        bound = _nice(present[position])
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    if breaks[-1] < present[-1]:
        breaks[-1] = present[-1]
    return breaks


def _nice(value):
    """Round up to two significant digits (shares stay as fractions with two decimals)."""
    if isinstance(value, float) and value <= 1:
        return math.ceil(value * 100) / 100
    if value < 100:
        return value
    magnitude = 10 ** (int(math.log10(value)) - 1)
    return int(math.ceil(value / magnitude) * magnitude)


# Every map request starts from its country: the five rows (outlines left out)
# are kept per process and re-read when COUNTRY_ROWS_SECONDS old, or at once
# when a code is not among them (a new country is found on its first request).
# Saving or deleting a Country forgets them in the process that did it; other
# processes may show a renamed country's old name for up to that long.
COUNTRY_ROWS_SECONDS = 60
_COUNTRY_FIELDS = ("iso3", "iso2", "name", "formal_name", "name_local")
_COUNTRY_ROWS = {"rows": {}, "read_at": -math.inf}


def country_without_outline(iso3):
    """A fresh Country instance for `iso3` with its outline deferred, or None when there is no such country."""
    if iso3 not in _COUNTRY_ROWS["rows"] or time.monotonic() - _COUNTRY_ROWS["read_at"] > COUNTRY_ROWS_SECONDS:
        _COUNTRY_ROWS["rows"] = {row[0]: row for row in Country.objects.values_list(*_COUNTRY_FIELDS)}
        _COUNTRY_ROWS["read_at"] = time.monotonic()
    row = _COUNTRY_ROWS["rows"].get(iso3)
    return None if row is None else Country.from_db(router.db_for_read(Country), _COUNTRY_FIELDS, row)


@receiver([post_save, post_delete], sender=Country, dispatch_uid="mapping.aggregation.forget_country_rows")
def _forget_country_rows(**kwargs):
    _COUNTRY_ROWS["rows"] = {}


# Points inside each area for placing its cluster; boundaries of an area id do
# not change, so they are computed once per process.
_ANCHORS = {}


def area_anchors(area_ids):
    """{area id: (lon, lat)} of a point surely inside each area."""
    missing = [area_id for area_id in area_ids if area_id not in _ANCHORS]
    if missing:
        for area_id, anchor in (
            AdminArea.objects.filter(pk__in=missing).annotate(anchor=PointOnSurface("geom")).values_list("pk", "anchor")
        ):
            _ANCHORS[area_id] = (round(anchor.x, 5), round(anchor.y, 5))
    return {area_id: _ANCHORS[area_id] for area_id in area_ids if area_id in _ANCHORS}


def entity_layer(source, zoom, bbox):
    """The entity layer for a view: a dict with mode (areas | clusters | points), total and GeoJSON features.

    `bbox` is parse_bbox's (west, south, east, north), or None for everywhere.
    Returns (header dict, FeatureCollection as UTF-8 JSON bytes) so that the
    database-built GeoJSON is passed through without being parsed again.
    """
    if zoom <= AREA_CLUSTER_MAX_ZOOM:
        return _area_clusters(source)
    envelope = bbox if bbox is not None else sql.WHOLE_WORLD
    if zoom >= POINTS_MIN_ZOOM:
        geojson, count = sql.points_if_few(source.compiled_rows(), source.compiled_cluster_rows(), envelope, POINTS_MAX)
        if geojson is not None:
            return {"mode": "points", "zoom": zoom, "total": count}, geojson
    return grid_cluster_layer(source, zoom, bbox)


def grid_cluster_layer(source, zoom, bbox):
    """entity_layer() as grid clusters, whatever the number of points in view (above AREA_CLUSTER_MAX_ZOOM).

    At most about CLUSTER_CELLS_ACROSS cells across the view: a bbox far wider than a screen at its zoom (a
    careless or hostile client's zoom=20 over a whole country) would otherwise get cells a few metres wide,
    one cluster per entity, hundreds of thousands of them.
    """
    envelope = bbox if bbox is not None else sql.WHOLE_WORLD
    west, south, east, north = envelope
    cell = max(cell_degrees(zoom), (east - west) / CLUSTER_CELLS_ACROSS, (north - south) / CLUSTER_CELLS_ACROSS)
    geojson, total = sql.grid_clusters(source.compiled_cluster_rows(), cell, envelope)
    return {"mode": "clusters", "zoom": zoom, "total": total, "cell_degrees": cell}, geojson


@dataclass
class SignedInPoints:
    """What signed_in_points_layer() read: the session and user as stored, and the points if few enough."""

    session_data: str
    user_row: tuple
    header: dict | None  # None: too many points in view, the layer is clusters (grid_cluster_layer)
    geojson: bytes | None


def signed_in_points_layer(source, zoom, bbox, session_key):
    """entity_layer() of a view at POINTS_MIN_ZOOM or more, read with session `session_key` and its user.

    One statement instead of three (session, user with roles, layer). Returns
    None when `session_key` is no live session of an active user. The caller
    must check the session and the user's roles (registry.permissions) before
    it shows anything; a view with too many points comes back without them,
    to be drawn as clusters once the reader is known.
    """
    envelope = bbox if bbox is not None else sql.WHOLE_WORLD
    read = sql.signed_in_points(
        session_key, timezone.now(), source.compiled_rows(), source.compiled_cluster_rows(), envelope, POINTS_MAX
    )
    if read is None:
        return None
    session_data, user_row, geojson, count = read
    header = {"mode": "points", "zoom": zoom, "total": count} if geojson is not None else None
    return SignedInPoints(session_data, user_row, header, geojson)


def _area_clusters(source):
    summary = source.summary()
    anchors = area_anchors([figure.area_id for figure in summary.areas])
    features = [
        {
            "type": "Feature",
            "id": f"area-{figure.area_id}",
            "geometry": {"type": "Point", "coordinates": anchors[figure.area_id]},
            "properties": {"count": figure.entities, "members": figure.members_total, "area": figure.area_id},
        }
        for figure in summary.areas
        if figure.entities and figure.area_id in anchors
    ]
    if summary.unplaced:
        # In no area of the map: no area, or one not in force (a stale area, or another boundary set), as
        # the summary counts them. Asked as two halves that the (country, area) index answers: "not one of
        # the map's areas" read every entity of the country (60 ms for Viet Nam's 350,000 of 1M, B1).
        on_map = [figure.area_id for figure in summary.areas]
        elsewhere = AdminArea.objects.filter(country_id=source.country.pk).exclude(pk__in=on_map)
        rows = source.cluster_rows()
        rows = rows.filter(admin_area__isnull=True).union(
            rows.filter(admin_area__in=list(elsewhere.values_list("pk", flat=True))), all=True
        )
        geojson, _ = sql.grid_clusters(sql.compile_source(rows), cell_degrees(AREA_CLUSTER_MAX_ZOOM))
        features.extend(orjson.loads(geojson)["features"])
    collection = orjson.dumps({"type": "FeatureCollection", "features": features})
    return {"mode": "areas", "zoom": AREA_CLUSTER_MAX_ZOOM, "total": summary.total}, collection


def layer_response_body(header, geojson):
    """One JSON document: the header's keys plus the FeatureCollection's, without re-parsing the GeoJSON."""
    head = orjson.dumps(header)
    # geojson is b'{"type": "FeatureCollection", ...}': splice the header's keys in front of its own.
    return head[:-1] + b"," + geojson[1:]
