"""GeoJSON FeatureCollections built inside PostgreSQL.

Building GeoJSON in the database (json_agg + ST_AsGeoJSON) is 30x faster than
serializing geometries in Python (PERFORMANCE.md), so map layers come from here.
"""

from django.db import connection

# Simplification tolerance in degrees for boundary layers drawn on overview
# maps (about 1 km): invisible at country zoom, a tenth of the payload.
OVERVIEW_SIMPLIFY_DEGREES = 0.01

_AREAS_SQL = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(json_build_object(
      'type', 'Feature',
      'id', a.id,
      'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, %(simplify)s), 5)::json,
      'properties', json_build_object(
          'code', a.code, 'name', a.name, 'name_local', a.name_local,
          'country', a.country_id, 'level', a.level)
  ) ORDER BY a.country_id, a.name), '[]'::json)
)::text
FROM registry_adminarea a
WHERE a.id = ANY(%(ids)s)
"""


def areas_feature_collection(areas, simplify=OVERVIEW_SIMPLIFY_DEGREES):
    """GeoJSON text (RFC 7946, lon/lat) of the given AdminArea queryset, simplified for display."""
    ids = list(areas.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(_AREAS_SQL, {"ids": ids, "simplify": simplify})
        return cursor.fetchone()[0]
