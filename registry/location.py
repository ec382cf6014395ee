"""Checking an entity's point against its country, and deriving its administrative area.

One module for every write path (form, admin, API, importer): the same checks,
the same messages, the same area derivation.
"""

import datetime

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils.translation import gettext

from .models import AdminArea, Country


class LocationError(ValueError):
    """A point that cannot belong to the entity's country; the message says why and what to do."""


def check_point_in_country(point, country, tolerance_m=None):
    """Return the Placement of `point` in `country`, or raise LocationError explaining the refusal.

    A point outside the country is refused with how far outside it lies; a
    point that would fall inside the country with latitude and longitude
    swapped is refused with that suggestion.
    """
    tolerance_m = settings.COAST_TOLERANCE_METRES if tolerance_m is None else tolerance_m
    placement = Country.objects.filter(pk=country.pk).locate(point, tolerance_m=tolerance_m)
    if placement.found:
        return placement
    swapped = Point(point.y, point.x, srid=point.srid or 4326)
    swapped_is_inside = (
        -180 <= swapped.x <= 180
        and -90 <= swapped.y <= 90
        and Country.objects.filter(pk=country.pk).containing(swapped).exists()
    )
    if swapped_is_inside:
        raise LocationError(
            gettext(
                "The point (latitude %(latitude)s, longitude %(longitude)s) is outside %(country)s, but with "
                "latitude and longitude swapped (latitude %(longitude)s, longitude %(latitude)s) it falls inside "
                "%(country)s: were the coordinates entered in the wrong order?"
            )
            % {"latitude": f"{point.y:g}", "longitude": f"{point.x:g}", "country": country.display_name}
        )
    km = distance_outside_km(point, country)
    where = Country.objects.exclude(pk=country.pk).locate(point, tolerance_m=0)
    values = {
        "latitude": f"{point.y:g}",
        "longitude": f"{point.x:g}",
        "km": f"{km:,.1f}",
        "country": country.display_name,
    }
    if where.found:
        message = gettext(
            "The point (latitude %(latitude)s, longitude %(longitude)s) lies %(km)s km outside %(country)s. "
            "It lies in %(other)s. Check the coordinates or the country."
        )
        values["other"] = where.place.display_name
    else:
        message = gettext(
            "The point (latitude %(latitude)s, longitude %(longitude)s) lies %(km)s km outside %(country)s. "
            "Check the coordinates or the country."
        )
    raise LocationError(message % values)


def distance_outside_km(point, country):
    """Distance in km from `point` to the country's outline (0 inside), on the spheroid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) "
            "FROM registry_country WHERE iso3 = %s",
            [point.x, point.y, country.pk],
        )
        return cursor.fetchone()[0] / 1000


def area_for_point(point, country, on=None):
    """The level-1 AdminArea holding `point` in `country` on `on` (default today), or None."""
    return AdminArea.objects.locate(point, level=1, on=on, country=country).place


# Set-based derivation for many entities at once: the containing area in force
# on the given day, else the nearest area of the entity's own country within
# the coast tolerance. The subdivided helper keeps the point-in-polygon test
# cheap on large provinces.
_ASSIGN_AREAS_SQL = """
WITH areas AS (
    SELECT id, country_id, geom FROM registry_adminarea
    WHERE level = 1
      AND (valid_from IS NULL OR valid_from <= %(day)s)
      AND (valid_to IS NULL OR valid_to >= %(day)s)
      AND (%(country)s::text IS NULL OR country_id = %(country)s)
),
placed AS (
    SELECT e.id AS entity_id,
           COALESCE(
             (SELECT a.id FROM areas a
               WHERE a.country_id = e.country_id AND ST_Intersects(a.geom, e.point)
               ORDER BY a.id LIMIT 1),
             (SELECT a.id FROM areas a
               WHERE a.country_id = e.country_id
                 AND ST_DWithin(a.geom::geography, e.point::geography, %(tolerance)s)
               ORDER BY ST_Distance(a.geom::geography, e.point::geography) LIMIT 1)
           ) AS area_id
    FROM registry_entity e
    WHERE (%(country)s::text IS NULL OR e.country_id = %(country)s)
      AND (%(ids)s::uuid[] IS NULL OR e.id = ANY(%(ids)s::uuid[]))
)
UPDATE registry_entity e SET admin_area_id = placed.area_id
FROM placed
WHERE e.id = placed.entity_id AND e.admin_area_id IS DISTINCT FROM placed.area_id
"""


def assign_admin_areas(country=None, entity_ids=None, on=None):
    """Recompute the stored admin_area of entities (all, a country's, or the given ids). Returns rows changed.

    Called after entities are written in bulk and whenever boundaries change.
    It writes the FK column directly and does not bump `version` or write
    history: the area is derived data, not an edit.
    """
    day = on or datetime.date.today()
    params = {
        "day": day,
        "country": country.pk if isinstance(country, Country) else country,
        "tolerance": settings.COAST_TOLERANCE_METRES,
        "ids": [str(pk) for pk in entity_ids] if entity_ids is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ASSIGN_AREAS_SQL, params)
        return cursor.rowcount
