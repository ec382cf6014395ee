"""The mapping app's raw SQL, in one place (STYLE.md habit 7).

Each statement wraps a *source*: the SQL and parameters Django compiles for a
filtered queryset (`compile_source`), so the filters are written once, in the
ORM (mapping.filters), and every layer applies exactly the same ones. Values
are always bound parameters (`%s`), never formatted into the text. GeoJSON is
built inside PostgreSQL (json_agg), 30x faster than serializing in Python.

Source columns the statements expect (see aggregation.SOURCE_COLUMNS):
entity, geom (the point), area, registry_number, name, name_local, family_name,
legal_form_name, status, members_total, members_women.
"""

from django.db import connection


def compile_source(queryset):
    """(sql, params) of a queryset, to be embedded as a subquery."""
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


# Grid clusters: every source row falls in exactly one cell (floor of its
# coordinates over the cell size), so the cluster counts add up to the rows.
# Each cluster sits at the mean position of its entities.
_GRID_CLUSTERS = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(json_build_object(
      'type', 'Feature',
      'geometry', json_build_object(
          'type', 'Point', 'coordinates', json_build_array(round(c.x::numeric, 5), round(c.y::numeric, 5))),
      'properties', json_build_object('count', c.n, 'members', c.members)
  ) ORDER BY c.n DESC), '[]'::json)
)::text, COALESCE(sum(c.n), 0)::bigint
FROM (
  SELECT count(*) AS n, sum(s.members_total) AS members, avg(ST_X(s.geom)) AS x, avg(ST_Y(s.geom)) AS y
  FROM ({source}) s
  GROUP BY floor(ST_X(s.geom) / %s), floor(ST_Y(s.geom) / %s)
) c
"""

# Individual points with the public fields a popup shows (never contact data).
_POINTS = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(json_build_object(
      'type', 'Feature',
      'id', s.entity,
      'geometry', json_build_object('type', 'Point', 'coordinates', json_build_array(
          round(ST_X(s.geom)::numeric, 6), round(ST_Y(s.geom)::numeric, 6))),
      'properties', json_build_object(
          'registry_number', s.registry_number, 'name', s.name, 'name_local', s.name_local,
          'family', s.family_name, 'legal_form', s.legal_form_name, 'status', s.status,
          'members', s.members_total, 'women', s.members_women)
  )), '[]'::json)
)::text, count(*)::bigint
FROM (SELECT * FROM ({source}) inner_source LIMIT %s) s
"""

# The frozen snapshot of an edition, written in one statement from the
# filtered source. The fingerprint covers every public field shown, so two
# editions' rows differ in fingerprint exactly when what a reader sees differs.
_INSERT_SNAPSHOT = """
INSERT INTO mapping_editionentity (
  edition_id, entity_id, registry_number, name, name_local, family_name, legal_form_name, status,
  verification, members_total, members_women, sectors, outcome, point, admin_area_id, fingerprint)
SELECT %s, s.entity, s.registry_number, s.name, s.name_local, s.family_name, COALESCE(s.legal_form_name, ''),
       s.status, s.verification, s.members_total, s.members_women, array_to_string(s.sectors, ','),
       COALESCE(s.outcome, ''), s.geom, s.area,
       md5(concat_ws('|', s.registry_number, s.name, s.name_local, s.family_name, s.legal_form_name, s.status,
                     s.verification, s.members_total, s.members_women, array_to_string(s.sectors, ','),
                     s.outcome, ST_AsText(s.geom), s.area))
FROM ({source}) s
"""


def grid_clusters(source, cell_degrees):
    """(GeoJSON text, total rows) of the source grouped on a grid of `cell_degrees`."""
    sql, params = source
    with connection.cursor() as cursor:
        cursor.execute(_GRID_CLUSTERS.format(source=sql), [*params, cell_degrees, cell_degrees])
        geojson, total = cursor.fetchone()
    return geojson, int(total)


def points(source, limit):
    """(GeoJSON text, rows) of at most `limit` source rows as individual points."""
    sql, params = source
    with connection.cursor() as cursor:
        cursor.execute(_POINTS.format(source=sql), [*params, limit])
        geojson, count = cursor.fetchone()
    return geojson, int(count)


def insert_snapshot(edition_id, source):
    """Copy the source rows into an edition's snapshot; returns the number of rows written."""
    sql, params = source
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SNAPSHOT.format(source=sql), [edition_id, *params])
        return cursor.rowcount
