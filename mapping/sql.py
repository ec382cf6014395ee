"""The mapping app's raw SQL, in one place (STYLE.md habit 7).

Each statement wraps a *source*: the SQL and parameters Django compiles for a
filtered queryset (`compile_source`), so the filters are written once, in the
ORM (mapping.filters), and every layer applies exactly the same ones. Values
are always bound parameters (`%s`), never formatted into the text. GeoJSON is
built inside PostgreSQL (json_agg, or text put together for point features),
30x faster than serializing in Python.

Source columns the statements expect (the sources' rows() and cluster_rows()
in mapping.aggregation): points and snapshots read entity, geom (the point),
area, registry_number, name, name_local, family_name, legal_form_name, status,
members_total, members_women; grid clusters read only geom and members_total.
"""

import re
import weakref
from functools import cache
from itertools import count

import psycopg2.extensions
from django.conf import settings
from django.db import connection, connections, transaction


def compile_source(queryset):
    """(sql, params) of a queryset, to be embedded as a subquery."""
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


# The rows of a source inside the view: a (west, south, east, north) envelope
# in EPSG:4326, the storage SRID. PostgreSQL pulls the condition into the
# source, so the spatial index answers it.
_IN_VIEW = "SELECT * FROM ({source}) source WHERE source.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
WHOLE_WORLD = (-180.0, -90.0, 180.0, 90.0)

# Grid clusters of `{rows}`: every row falls in exactly one cell (floor of its
# coordinates over the cell size), so the cluster counts add up to the rows.
# Each cluster sits at the mean position of its entities.
_CLUSTERS = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', COALESCE(json_agg(json_build_object(
      'type', 'Feature',
      'geometry', json_build_object(
          'type', 'Point', 'coordinates', json_build_array(round(c.x::numeric, 5), round(c.y::numeric, 5))),
      'properties', json_build_object('count', c.n, 'members', c.members)
  ) ORDER BY c.n DESC), '[]'::json)
)::text AS geojson, COALESCE(sum(c.n), 0)::bigint AS total
FROM (
  SELECT count(*) AS n, sum(s.members_total) AS members, avg(ST_X(s.geom)) AS x, avg(ST_Y(s.geom)) AS y
  FROM ({rows}) s
  GROUP BY floor(ST_X(s.geom) / %s), floor(ST_Y(s.geom) / %s)
) c
"""

# Individual points of `{rows}` with the public fields a popup shows (never contact data). Each feature is
# put together as text: json_build_object per row costs more than the rest of the statement (a 332-point
# view: 5.1 ms this way against 3.2, B2), and no piece needs escaping here: the id is a UUID, and
# ST_AsGeoJSON and row_to_json escape what they write.
_POINTS = """
SELECT '{"type":"FeatureCollection","features":[' || COALESCE(string_agg(concat(
      '{"type":"Feature","id":', COALESCE('"' || s.entity || '"', 'null'),
      ',"geometry":', ST_AsGeoJSON(s.geom, 6),
      ',"properties":', row_to_json(p), '}'), ','), '') || ']}' AS geojson
FROM ({rows}) s
CROSS JOIN LATERAL (
  SELECT s.registry_number, s.name, s.name_local, s.family_name AS family, s.legal_form_name AS legal_form,
         s.status, s.members_total AS members, s.members_women AS women
) p
"""

# Individual points of a view when there are few. Up to `limit` rows of the
# counting source (the cluster columns, without the joins for names) are
# counted; the point features are built from the full rows only when at most
# `limit - 1` are in view (the subquery in the CASE runs only when reached), so
# a dense view costs a cheap count, not `limit` point features thrown away.
_POINTS_IF_FEW = f"""
SELECT CASE WHEN counted.n <= %s THEN ({_POINTS.replace("{rows}", _IN_VIEW)}) END, counted.n
FROM (SELECT count(*) AS n FROM ({_IN_VIEW.replace("{source}", "{count_source}")} LIMIT %s) sample) counted
"""

_GRID_CLUSTERS = _CLUSTERS.replace("{rows}", _IN_VIEW)
_SLOT = re.compile(r"\{(source|count_source|points_if_few)\}")


def _fill(template, **parts):
    """The template with each {name} slot replaced by parts[name], in one pass.

    Not str.format: the templates hold JSON text with braces of their own, and
    what goes into a slot (compiled SQL) is never read for slots again.
    """
    return _SLOT.sub(lambda slot: parts[slot[1]], template)


# The frozen snapshot of an edition, written in one statement from the
# filtered source. The fingerprint covers every public field shown, so two
# editions' rows differ in fingerprint exactly when what a reader sees differs.
# `placed.area` is the entity's area in the edition's boundary set: the stored
# FK (_IN_STORED_AREA) when that set is the one in force, which the FK is kept
# for; else (_IN_AREA_ON_DAY) the area of that day found as
# registry.location.assign_admin_areas finds it (containing area, else the
# nearest within the coast tolerance). The spatial join runs once, at freeze.
_INSERT_SNAPSHOT = """
INSERT INTO mapping_editionentity (
  edition_id, entity_id, registry_number, name, name_local, family_name, legal_form_name, status,
  verification, members_total, members_women, sectors, outcome, point, admin_area_id, fingerprint)
SELECT %s, s.entity, s.registry_number, s.name, s.name_local, s.family_name, COALESCE(s.legal_form_name, ''),
       s.status, s.verification, s.members_total, s.members_women, array_to_string(s.sectors, ','),
       COALESCE(s.outcome, ''), s.geom, placed.area,
       md5(concat_ws('|', s.registry_number, s.name, s.name_local, s.family_name, s.legal_form_name, s.status,
                     s.verification, s.members_total, s.members_women, array_to_string(s.sectors, ','),
                     s.outcome, ST_AsText(s.geom), placed.area))
FROM ({source}) s
CROSS JOIN LATERAL ({placement}) placed
"""
_IN_STORED_AREA = "SELECT s.area AS area"
# Parameters: country, day, day, country, day, day, tolerance (metres).
_IN_AREA_ON_DAY = """
SELECT COALESCE(
  (SELECT a.id FROM registry_adminarea a
    WHERE a.country_id = %s AND a.level = 1
      AND (a.valid_from IS NULL OR a.valid_from <= %s) AND (a.valid_to IS NULL OR a.valid_to >= %s)
      AND ST_Intersects(a.geom, s.geom)
    ORDER BY a.id LIMIT 1),
  (SELECT a.id FROM registry_adminarea a
    WHERE a.country_id = %s AND a.level = 1
      AND (a.valid_from IS NULL OR a.valid_from <= %s) AND (a.valid_to IS NULL OR a.valid_to >= %s)
      AND ST_DWithin(a.geom::geography, s.geom::geography, %s)
    ORDER BY ST_Distance(a.geom::geography, s.geom::geography) LIMIT 1)
) AS area
"""


def _geojson_cursor():
    """A cursor whose text results are the UTF-8 bytes PostgreSQL sent.

    The GeoJSON goes into the response exactly as the database built it: not
    decoded into a str and encoded again (0.3 ms for 66 KB of Thai names).
    """
    cursor = connection.cursor()
    psycopg2.extensions.register_type(psycopg2.extensions.BYTES, cursor.cursor)
    return cursor


def grid_clusters(source, cell_degrees, envelope=WHOLE_WORLD):
    """(GeoJSON bytes, total rows) of the source's rows within `envelope`, grouped on a grid of `cell_degrees`."""
    sql, params = source
    with _geojson_cursor() as cursor:
        cursor.execute(_fill(_GRID_CLUSTERS, source=sql), [*params, *envelope, cell_degrees, cell_degrees])
        geojson, total = cursor.fetchone()
    return geojson, int(total)


def points_if_few(source, count_source, envelope, points_max):
    """(GeoJSON bytes or None, rows) of the source's rows within `envelope` (west, south, east, north).

    The GeoJSON holds the rows as points when at most `points_max` are in the
    envelope; otherwise it is None and `rows` is `points_max + 1`. The rows are
    counted in `count_source`, which must select the same rows as `source`.
    """
    (sql, params), (count_sql, count_params) = source, count_source
    with _geojson_cursor() as cursor:
        cursor.execute(
            _fill(_POINTS_IF_FEW, source=sql, count_source=count_sql),
            [points_max, *params, *envelope, *count_params, *envelope, points_max + 1],
        )
        geojson, count = cursor.fetchone()
    return geojson, int(count)


# A signed-in request for the live layer, in one round trip (PERFORMANCE.md B2:
# on these machines each statement costs a round trip of 0.2-1 ms, more than
# the work of a small view): the session row, its user with their roles
# (registry.permissions.user_with_roles_columns) and _POINTS_IF_FEW. The layer
# is correlated with the user row, so it is built only for a live session of
# an active user, and nothing is decided here: the caller checks the session
# data and the roles in Python (registry.permissions) and throws the layer
# away unless they allow it.
_SIGNED_IN_POINTS = """
SELECT s.session_data, {user_columns}, layer.geojson, layer.n
FROM {sessions} s
JOIN {users} u ON u.{user_pk} = s.user_id
CROSS JOIN LATERAL (SELECT * FROM ({points_if_few}) p WHERE u.is_active) layer(geojson, n)
WHERE s.session_key = %s AND s.expire_date > %s
"""


@cache
def _signed_in_points_statement(alias):
    from django.contrib.auth import get_user_model

    from registry.models import UserSession
    from registry.permissions import user_with_roles_columns

    user_model = get_user_model()
    quote = connections[alias].ops.quote_name
    return _SIGNED_IN_POINTS.format(
        user_columns=user_with_roles_columns(alias),
        sessions=quote(UserSession._meta.db_table),
        users=quote(user_model._meta.db_table),
        user_pk=quote(user_model._meta.pk.column),
        points_if_few="{points_if_few}",  # a slot left for _fill(), per request
    )


# Prepared statements (PREPARE / EXECUTE), per database connection: planning the
# signed-in statement takes 0.7-1.6 ms, more than executing it in a small view
# (B2). Its one plan serves every view: the points come from the GiST index on
# `point` within the envelope, counted up to a LIMIT, and are built only when
# few. Left to choose (plan_cache_mode auto), PostgreSQL re-plans a sparse view
# every time, because the generic plan's guess of the rows in view is above a
# small view's; the connection therefore uses generic plans, which affects only
# prepared statements and the cached plans of PL/pgSQL functions (the
# legislation trigger's lookup by id: the same plan either way). Connections are
# persistent (CONN_MAX_AGE), so a worker prepares each statement once;
# settings.MAP_PREPARED_STATEMENTS turns this off (behind a connection pooler
# that does not keep a server session per client, say).
_prepared_names = weakref.WeakKeyDictionary()  # psycopg2 connection -> {statement text: name}
# One statement per combination of filters in use (a list of values changes the text): plenty.
PREPARED_PER_CONNECTION = 64
_PLACEHOLDER = re.compile(r"%%|%s")


def _numbered_placeholders(statement):
    """The statement with PostgreSQL's $1, $2, ... for psycopg2's %s (and % for its escaped %%)."""
    numbers = count(1)
    return _PLACEHOLDER.sub(lambda match: "%" if match.group() == "%%" else f"${next(numbers)}", statement)


def _execute_prepared(cursor, statement, params):
    """cursor.execute(statement, params), through a statement prepared once on this connection."""
    names = _prepared_names.setdefault(connection.connection, {}) if settings.MAP_PREPARED_STATEMENTS else {}
    name = names.get(statement)
    if name is None:
        if not settings.MAP_PREPARED_STATEMENTS or len(names) >= PREPARED_PER_CONNECTION:
            cursor.execute(statement, params)
            return
        name = f"sse_map_{len(names)}"
        # A statement prepared in a transaction that rolls back stays prepared; the SET is undone, and
        # PostgreSQL then chooses between generic and custom plans itself (the same rows, maybe slower).
        cursor.execute(
            f"PREPARE {name} AS {_numbered_placeholders(statement)}; SET plan_cache_mode = force_generic_plan"
        )
        names[statement] = name
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)


def signed_in_points(session_key, now, source, count_source, envelope, points_max):
    """points_if_few() read together with the session `session_key` and its user: one statement.

    Returns None when there is no such live session of an active user; else
    (session data as stored, user row for registry.permissions.user_from_row,
    GeoJSON bytes or None, rows) with points_if_few()'s meaning for the last two.
    """
    (sql, params), (count_sql, count_params) = source, count_source
    points_if_few = _fill(_POINTS_IF_FEW, source=sql, count_source=count_sql)
    statement = _fill(_signed_in_points_statement(connection.alias), points_if_few=points_if_few)
    with _geojson_cursor() as cursor:
        _execute_prepared(
            cursor,
            statement,
            [points_max, *params, *envelope, *count_params, *envelope, points_max + 1, session_key, now],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    # The cursor gives every text column as UTF-8 bytes, for the GeoJSON's sake: decode the few others.
    session_and_user = [value.decode() if isinstance(value, bytes) else value for value in row[:-2]]
    return session_and_user[0], tuple(session_and_user[1:]), row[-2], int(row[-1])


def insert_snapshot(edition_id, source, placed_on=None):
    """Copy the source rows into an edition's snapshot; returns the number of rows written.

    `placed_on`: None when the edition's boundary set is the one in force (each row keeps its stored area);
    else (country iso3, day, coast tolerance in metres), to place each row in the areas in force on that day.
    """
    sql, params = source
    if placed_on is None:
        statement, placement_params = _INSERT_SNAPSHOT.replace("{placement}", _IN_STORED_AREA), []
    else:
        country, day, tolerance = placed_on
        statement = _INSERT_SNAPSHOT.replace("{placement}", _IN_AREA_ON_DAY)
        placement_params = [country, day, day, country, day, day, tolerance]
    with connection.cursor() as cursor:
        cursor.execute(_fill(statement, source=sql), [edition_id, *params, *placement_params])
        return cursor.rowcount


# An edition's sheet (mapping.edition_sheets): its entities in registry-number order, each marked against the
# previous edition's row of the same entity (none: added), then the previous edition's entities that the
# edition no longer holds, marked removed. Columns as edition_sheets reads them. One query each, read through a
# server-side cursor: a 350,000-entity edition is one request, and pages of it cost a join each.
_SHEET = """
SELECT {mark}, e.registry_number, e.name, e.name_local, e.family_name, e.legal_form_name, e.status,
       e.verification, e.members_total, e.members_women, e.sectors, e.outcome, a.name, a.name_local,
       round(ST_X(e.point)::numeric, 6)::float8, round(ST_Y(e.point)::numeric, 6)::float8
FROM mapping_editionentity e
LEFT JOIN registry_adminarea a ON a.id = e.admin_area_id
{join}
WHERE e.edition_id = %s {condition}
ORDER BY e.registry_number
"""
_SHEET_MARKED = _SHEET.format(
    # The member counts compared as well as the fingerprint: see mapping.editions.edition_diff.
    mark="CASE WHEN p.fingerprint IS NULL THEN 'added' WHEN p.fingerprint = e.fingerprint "
    "AND p.members_total IS NOT DISTINCT FROM e.members_total AND p.members_women IS NOT DISTINCT FROM e.members_women "
    "THEN 'unchanged' ELSE 'changed' END",
    join="LEFT JOIN mapping_editionentity p ON p.edition_id = %s AND p.entity_id = e.entity_id",
    condition="",
)
_SHEET_REMOVED = _SHEET.format(
    mark="'removed'",
    join="",
    condition="AND NOT EXISTS (\n"
    "  SELECT 1 FROM mapping_editionentity n WHERE n.edition_id = %s AND n.entity_id = e.entity_id)",
)


def edition_sheet_rows(edition_id, previous_id, batch=5000):
    """The sheet's rows of edition `edition_id` against edition `previous_id` (None: every entity added).

    A generator: the rows are read as they are sent, `batch` at a time, in one transaction.
    """
    statements = [(_SHEET_MARKED, [previous_id, edition_id])]
    if previous_id is not None:
        statements.append((_SHEET_REMOVED, [previous_id, edition_id]))
    # Inside a transaction the server-side cursor is a plain one; outside one Django declares it WITH HOLD,
    # which makes PostgreSQL compute and store every row before the first is sent.
    with transaction.atomic():
        for statement, params in statements:
            with connection.chunked_cursor() as cursor:
                cursor.execute(statement, params)
                while rows := cursor.fetchmany(batch):
                    yield from rows
