"""Every raw SQL statement of the exchange app, with bound parameters only.

Column lists are composed from `ENTITY_COLUMNS` (derived from the Entity model
and the entity service's editable fields) with psycopg2's `sql.Identifier` or
Django's `quote_name`; values are never formatted into a statement.
"""

import csv
import io

from django.db import connection
from psycopg2 import sql

from registry import services as entity_services
from registry import sql as registry_sql
from registry.models import Entity

# The registry_entity columns an import can write, in staging-table order: the
# fields the entity service lets a researcher set, less those the import sets
# itself (the batch's country and source, "unverified", the point from lon/lat).
SET_BY_THE_IMPORT = {"country", "point", "source", "verification"}
IMPORTABLE_FIELDS = [
    Entity._meta.get_field(name) for name in entity_services.EDITABLE_FIELDS if name not in SET_BY_THE_IMPORT
]
ENTITY_COLUMNS = [field.column for field in IMPORTABLE_FIELDS]
NULLABLE_COLUMNS = [field.column for field in IMPORTABLE_FIELDS if field.null]

# The staging table: one row per valid row of the file, the entity's columns
# typed as the model types them, plus the row's place in the file, the id it
# will get, its coordinates and what the checks decide about it.
CREATE_STAGING = """
CREATE TEMPORARY TABLE exchange_staging (
    row_index integer PRIMARY KEY,
    row_number integer NOT NULL,
    new_id uuid NOT NULL,
    {entity_columns},
    lon double precision NOT NULL,
    lat double precision NOT NULL,
    point geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
    name_norm text GENERATED ALWAYS AS (lower(regexp_replace(btrim(name), '\\s+', ' ', 'g'))) STORED,
    -- Without case or diacritics (registry_fold, as the search): "Hop tac xa Hue" is "Hợp tác xã Huế".
    name_fold text GENERATED ALWAYS AS (registry_fold(regexp_replace(btrim(name), '\\s+', ' ', 'g'))) STORED,
    outcome varchar(10) NOT NULL DEFAULT 'new',
    entity_id uuid,
    admin_area_id bigint
)
"""

STAGING_COPY_COLUMNS = ["row_index", "row_number", "new_id", *ENTITY_COLUMNS, "lon", "lat"]


# PostgreSQL compiles large statements with LLVM (JIT) when their estimated
# cost is high, as every set-based step of an import is: 100-200 ms of
# compilation per statement, for queries that then run once. The importer
# turns it off for its own session while it runs.
def without_jit(cursor):
    cursor.execute("SET jit = off")


def restore_jit(cursor):
    cursor.execute("RESET jit")


def create_staging(cursor):
    ops = connection.ops
    columns = ",\n    ".join(
        f"{ops.quote_name(field.column)} {field.db_type(connection)}{'' if field.null else ' NOT NULL'}"
        for field in IMPORTABLE_FIELDS
    )
    cursor.execute("DROP TABLE IF EXISTS exchange_staging")
    cursor.execute(CREATE_STAGING.format(entity_columns=columns))


def copy_staging(cursor, frame):
    """COPY a DataFrame whose columns are STAGING_COPY_COLUMNS into the staging table."""
    buffer = io.StringIO()
    frame[STAGING_COPY_COLUMNS].to_csv(buffer, index=False, header=False, quoting=csv.QUOTE_ALL, na_rep="\\N")
    buffer.seek(0)
    statement = sql.SQL(
        "COPY exchange_staging ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N', FORCE_NULL ({nullable}))"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, STAGING_COPY_COLUMNS)),
        nullable=sql.SQL(", ").join(map(sql.Identifier, NULLABLE_COLUMNS)),
    )
    cursor.copy_expert(statement.as_string(cursor.connection), buffer)
    cursor.execute("ANALYZE exchange_staging")


# Placing staged points in the country's level-1 areas in force today, by the
# rule of registry.location (containing area, else the nearest of the same
# country within the coast tolerance). The areas are cut into small pieces
# (ST_Subdivide) first: a point-in-polygon test against a piece of 64 vertices
# is far cheaper than against a whole province, which is what makes this a
# single set-based join over 100k points.
PLACE_IN_AREAS = [
    "DROP TABLE IF EXISTS exchange_area_parts",
    """
    CREATE TEMPORARY TABLE exchange_area_parts AS
    SELECT a.id, ST_Subdivide(a.geom, 64) AS geom
    FROM registry_adminarea a
    WHERE a.level = 1 AND a.country_id = %(country)s
      AND (a.valid_from IS NULL OR a.valid_from <= %(day)s) AND (a.valid_to IS NULL OR a.valid_to >= %(day)s)
    """,
    "CREATE INDEX ON exchange_area_parts USING gist (geom)",
    "ANALYZE exchange_area_parts",
    """
    UPDATE exchange_staging s SET admin_area_id = placed.area_id
    FROM (SELECT DISTINCT ON (s2.row_index) s2.row_index, p.id AS area_id
          FROM exchange_staging s2 JOIN exchange_area_parts p ON ST_Intersects(p.geom, s2.point)
          ORDER BY s2.row_index, p.id) placed
    WHERE s.row_index = placed.row_index
    """,
    """
    UPDATE exchange_staging s SET admin_area_id = (
        SELECT a.id FROM registry_adminarea a
        WHERE a.level = 1 AND a.country_id = %(country)s
          AND (a.valid_from IS NULL OR a.valid_from <= %(day)s) AND (a.valid_to IS NULL OR a.valid_to >= %(day)s)
          AND ST_DWithin(a.geom::geography, s.point::geography, %(tolerance)s)
        ORDER BY ST_Distance(a.geom::geography, s.point::geography) LIMIT 1)
    WHERE s.admin_area_id IS NULL
    """,
    "DROP TABLE exchange_area_parts",
]

# Points in no area of the country: inside the country or within the coast
# tolerance of it (kept, without an area), or outside (returned, to be rejected
# with registry.location's own message).
OUTSIDE_COUNTRY = """
SELECT s.row_index, s.lon, s.lat
FROM exchange_staging s, registry_country c
WHERE c.iso3 = %(country)s AND s.admin_area_id IS NULL
  AND NOT ST_Intersects(c.geom, s.point)
  AND NOT ST_DWithin(c.geom::geography, s.point::geography, %(tolerance)s)
"""


def place_in_areas(cursor, country, day, tolerance):
    for statement in PLACE_IN_AREAS:
        cursor.execute(statement, {"country": country, "day": day, "tolerance": tolerance})


def points_outside_country(cursor, country, tolerance):
    cursor.execute(OUTSIDE_COUNTRY, {"country": country, "tolerance": tolerance})
    return cursor.fetchall()


def set_outcome(cursor, row_indexes, outcome, entity_ids=None):
    """Mark staged rows with an outcome (and the entity they concern)."""
    if not row_indexes:
        return
    if entity_ids is None:
        cursor.execute(
            "UPDATE exchange_staging SET outcome = %s WHERE row_index = ANY(%s)", [outcome, list(row_indexes)]
        )
    else:
        cursor.execute(
            "UPDATE exchange_staging s SET outcome = %s, entity_id = v.entity_id "
            "FROM unnest(%s::integer[], %s::uuid[]) AS v(row_index, entity_id) WHERE s.row_index = v.row_index",
            [outcome, list(row_indexes), [str(pk) for pk in entity_ids]],
        )


def _differs(columns):
    """SQL that is true when entity `e` differs from staged row `s` in any of `columns` or in its point."""
    parts = [
        # Sectors are a set: ["K", "G"] in the registry is ["G", "K"] in a file (the importer sorts them).
        sql.SQL(
            "ARRAY(SELECT unnest(e.sectors) ORDER BY 1) IS DISTINCT FROM ARRAY(SELECT unnest(s.sectors) ORDER BY 1)"
        )
        if column == "sectors"
        else sql.SQL("e.{col} IS DISTINCT FROM s.{col}").format(col=sql.Identifier(column))
        for column in columns
    ]
    # A point is the same within 1e-9 degrees (0.1 mm): XLSX keeps 16 significant digits, a spreadsheet's CSV 15,
    # and a reprojected point has 17 (105.86999999999999), which would make every re-import an update.
    parts.append(sql.SQL("NOT (abs(ST_X(e.point) - s.lon) <= 1e-9 AND abs(ST_Y(e.point) - s.lat) <= 1e-9)"))
    return sql.SQL("(") + sql.SQL(" OR ").join(parts) + sql.SQL(")")


def match_external_ids(cursor, country, columns):
    """(row_index, entity id, differs) for staged rows whose external id is already in the country's registry."""
    statement = sql.SQL(
        "SELECT s.row_index, e.id, {differs} FROM exchange_staging s "
        "JOIN registry_entity e ON e.country_id = %(country)s AND e.external_id = s.external_id "
        "AND e.external_id <> '' WHERE s.outcome = 'new' AND s.external_id <> '' ORDER BY s.row_index"
    ).format(differs=_differs(columns))
    cursor.execute(statement, {"country": country})
    return cursor.fetchall()


def country_has_entities(cursor, country):
    cursor.execute("SELECT EXISTS (SELECT 1 FROM registry_entity WHERE country_id = %s)", [country])
    return cursor.fetchone()[0]


def similar_in_registry(cursor, country, columns, distance_m, similarity):
    """For each new staged row, the most similar registry entity of the country within `distance_m`.

    Returns (row_index, entity id, registry number, similarity, metres, same) where `same`
    means: the same name at the same place (within 10 m) with identical values.
    The bounding box in degrees only lets the GiST index pick candidates; the
    distance test is in metres on the spheroid.
    """
    statement = sql.SQL(
        """
        SELECT s.row_index, m.id, m.registry_number, m.sim, m.metres, m.same
        FROM exchange_staging s
        CROSS JOIN LATERAL (
            SELECT e.id, e.registry_number,
                   similarity(registry_fold(e.name), s.name_fold) AS sim,
                   ST_Distance(e.point::geography, s.point::geography) AS metres,
                   (lower(regexp_replace(btrim(e.name), '\\s+', ' ', 'g')) = s.name_norm
                    AND ST_DWithin(e.point::geography, s.point::geography, 10)
                    AND NOT {differs}) AS same
            FROM registry_entity e
            WHERE e.country_id = %(country)s
              AND e.point && ST_Expand(s.point, %(degrees)s / greatest(cos(radians(s.lat)), 0.2))
              AND ST_DWithin(e.point::geography, s.point::geography, %(distance)s)
              AND similarity(registry_fold(e.name), s.name_fold) >= %(similarity)s
            ORDER BY 5 DESC, 3 DESC, 4
            LIMIT 1
        ) m
        WHERE s.outcome = 'new'
        ORDER BY s.row_index
        """
    ).format(differs=_differs(columns))
    cursor.execute(
        statement,
        {"country": country, "degrees": distance_m / 111_000 * 1.1, "distance": distance_m, "similarity": similarity},
    )
    return cursor.fetchall()


# Rows of the file with the same (normalized) name within the distance of an
# earlier row of the same file: held, pointing at the first such row.
SIMILAR_IN_FILE = """
SELECT s.row_index, min(t.row_number)
FROM exchange_staging s
JOIN exchange_staging t ON t.name_fold = s.name_fold AND t.row_number < s.row_number
WHERE s.outcome = 'new' AND t.outcome IN ('new', 'held')
  AND ST_DWithin(t.point::geography, s.point::geography, %(distance)s)
GROUP BY s.row_index
ORDER BY s.row_index
"""


def similar_in_file(cursor, distance_m):
    cursor.execute(SIMILAR_IN_FILE, {"distance": distance_m})
    return cursor.fetchall()


def insert_new_entities(cursor, country, numbers, source, source_reference_prefix, user_id, reason):
    """Insert the staged rows still marked 'new' (registry numbers in row order) and their '+' history rows.

    One statement: the history rows are written from the INSERT's RETURNING,
    as django-simple-history would write them, attributed to `user_id`. A row
    without a source reference of its own gets "<prefix><row number>", so every
    imported entity points back at its batch and row.
    """
    plain = [column for column in ENTITY_COLUMNS if column != "source_reference"]
    statement = sql.SQL(
        """
        WITH inserted AS (
            INSERT INTO registry_entity (id, country_id, registry_number, point, admin_area_id, source, verification,
                                         is_demo, version, created_at, updated_at, source_reference, {columns})
            SELECT s.new_id, %(country)s, n.number, s.point, s.admin_area_id, %(source)s,
                   'unverified', false, 1, now(), now(),
                   COALESCE(NULLIF(s.source_reference, ''), %(prefix)s || s.row_number), {staged}
            FROM (SELECT *, row_number() OVER (ORDER BY row_number) AS seq
                  FROM exchange_staging WHERE outcome = 'new') s
            -- A join, not numbers[seq]: subscripting a long text[] walks it from the start each time.
            JOIN unnest(%(numbers)s::text[]) WITH ORDINALITY AS n(number, seq) ON n.seq = s.seq
            RETURNING *
        )
        INSERT INTO registry_historicalentity ({history}, history_date, history_change_reason, history_type,
                                               history_user_id)
        SELECT {history}, now(), %(reason)s, '+', %(user)s FROM inserted
        """
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, plain)),
        staged=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(column)) for column in plain),
        history=sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)),
    )
    cursor.execute(
        statement,
        {
            "country": country,
            "numbers": numbers,
            "source": source,
            "prefix": source_reference_prefix,
            "reason": reason[:100],
            "user": user_id,
        },
    )
    return cursor.rowcount


def update_entities(cursor, columns, user_id, reason):
    """Write the mapped columns of staged 'updated' rows onto their entities (version + 1) with '~' history rows."""
    assignments = [sql.SQL("{col} = s.{col}").format(col=sql.Identifier(column)) for column in columns]
    assignments.append(sql.SQL("point = s.point, admin_area_id = s.admin_area_id"))
    statement = sql.SQL(
        """
        WITH changed AS (
            UPDATE registry_entity e SET {assignments}, version = e.version + 1, updated_at = now()
            FROM exchange_staging s WHERE s.outcome = 'updated' AND e.id = s.entity_id
            RETURNING e.*
        )
        INSERT INTO registry_historicalentity ({history}, history_date, history_change_reason, history_type,
                                               history_user_id)
        SELECT {history}, now(), %(reason)s, '~', %(user)s FROM changed
        """
    ).format(
        assignments=sql.SQL(", ").join(assignments),
        history=sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)),
    )
    cursor.execute(statement, {"reason": reason[:100], "user": user_id})
    return cursor.rowcount


# History rows as django-simple-history writes them, for every entity the
# import created ('+') or changed ('~'), attributed to the importing user.
HISTORY_COLUMNS = registry_sql.ENTITY_HISTORY_COLUMNS


IMPORT_ROW_COLUMNS = [
    "batch_id",
    "row_number",
    "outcome",
    "entity_id",
    "field",
    "reason",
    "duplicate_of_id",
    "duplicate_of_row",
    "data",
    "cleaned",
    "resolution",
]


def copy_import_rows(cursor, frame):
    """COPY the per-row report (a DataFrame with IMPORT_ROW_COLUMNS) into exchange_importrow."""
    buffer = io.StringIO()
    frame[IMPORT_ROW_COLUMNS].to_csv(buffer, index=False, header=False, quoting=csv.QUOTE_ALL, na_rep="\\N")
    buffer.seek(0)
    statement = sql.SQL(
        "COPY exchange_importrow ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N', "
        "FORCE_NULL (entity_id, duplicate_of_id, duplicate_of_row))"
    ).format(columns=sql.SQL(", ").join(map(sql.Identifier, IMPORT_ROW_COLUMNS)))
    cursor.copy_expert(statement.as_string(cursor.connection), buffer)


def staged_outcomes(cursor):
    """(row_index, outcome, entity_id) of every staged row."""
    cursor.execute("SELECT row_index, outcome, entity_id FROM exchange_staging ORDER BY row_index")
    return cursor.fetchall()


def cursor():
    return connection.cursor()


# The entity list of the API as GeoJSON features built inside PostgreSQL (B4):
# one json_agg over the page's rows, in registry-number order. Contact fields
# are present only in the variant for users who may see some of them, and are
# null for entities of the countries where they may not.
_FEATURE_PROPERTIES = """
    'registry_number', e.registry_number, 'country', e.country_id, 'name', e.name,
    'name_local', e.name_local, 'name_romanized', e.name_romanized, 'family', f.code, 'legal_form', l.code,
    'registration_number', e.registration_number, 'registering_authority', e.registering_authority,
    'registration_date', e.registration_date, 'founded_year', e.founded_year, 'status', e.status,
    'members_total', e.members_total, 'members_women', e.members_women, 'members_men', e.members_men,
    'workers_total', e.workers_total, 'workers_women', e.workers_women, 'sectors', e.sectors,
    'location_precision', e.location_precision, 'admin_area', e.admin_area_id, 'address', e.address,
    'source', e.source, 'external_id', e.external_id, 'verification', e.verification, 'is_demo', e.is_demo,
    'version', e.version
"""
_CONTACT_PROPERTIES = """,
    'contact_name', CASE WHEN e.country_id = ANY(%(contact)s) THEN e.contact_name END,
    'contact_phone', CASE WHEN e.country_id = ANY(%(contact)s) THEN e.contact_phone END,
    'contact_email', CASE WHEN e.country_id = ANY(%(contact)s) THEN e.contact_email END
"""
_FEATURES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'type', 'Feature', 'id', e.id, 'geometry', ST_AsGeoJSON(e.point)::json,
    'properties', json_build_object({properties})) ORDER BY e.registry_number), '[]'::json)::text
FROM registry_entity e
LEFT JOIN registry_entityfamily f ON f.id = e.family_id
LEFT JOIN registry_legalform l ON l.id = e.legal_form_id
WHERE e.id IN ({page})
"""


def entity_features_json(page_queryset, contact_countries):
    """A JSON array (text) of GeoJSON Features for the entities selected by `page_queryset` (ids, sliced).

    The page's own SQL (Django-compiled, parameters bound) selects the ids.
    """
    page_sql, page_params = page_queryset.values("pk").query.sql_with_params()
    properties = _FEATURE_PROPERTIES + (_CONTACT_PROPERTIES if contact_countries else "")
    # Django compiles with %s placeholders; name ours so both kinds can be bound together.
    statement = _FEATURES_SQL.format(properties=properties, page=page_sql)
    if contact_countries:
        statement = statement.replace("%(contact)s", "%s")
        count = properties.count("%(contact)s")
        params = [sorted(contact_countries)] * count + list(page_params)
    else:
        params = list(page_params)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


# A map edition's entities as GeoJSON features, built from the page of its
# frozen snapshot that mapping.aggregation.EditionSource.rows() selects (the
# columns mapping.sql documents): the public fields the edition pages show.
# The snapshot keeps family and legal form by name (the live list's `family`
# is a code), hence the different keys. It holds no contact data at all.
_EDITION_FEATURES_SQL = """
SELECT COALESCE(json_agg(json_build_object(
    'type', 'Feature', 'id', s.entity, 'geometry', ST_AsGeoJSON(s.geom)::json,
    'properties', json_build_object(
        'registry_number', s.registry_number, 'name', s.name, 'name_local', s.name_local,
        'family_name', s.family_name, 'legal_form_name', s.legal_form_name, 'status', s.status,
        'members_total', s.members_total, 'members_women', s.members_women, 'admin_area', s.area)
    ) ORDER BY s.registry_number), '[]'::json)::text
FROM ({page}) s
"""


def edition_features_json(page_rows):
    """A JSON array (text) of GeoJSON Features for a page (sliced queryset) of an edition's snapshot rows."""
    page_sql, page_params = page_rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_EDITION_FEATURES_SQL.format(page=page_sql), page_params)
        return cursor.fetchone()[0]


def json_agg_anchor(page_queryset):
    """The B4 anchor: the bare json_agg of the same rows (point and a few properties)."""
    page_sql, page_params = page_queryset.values("pk").query.sql_with_params()
    statement = (
        "SELECT json_agg(json_build_object('type', 'Feature', 'id', e.id, 'geometry', ST_AsGeoJSON(e.point)::json, "
        "'properties', json_build_object('name', e.name, 'registry_number', e.registry_number)))::text "
        f"FROM registry_entity e WHERE e.id IN ({page_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, page_params)
        return cursor.fetchone()[0]


# A large import into a comparatively small registry loads faster with the
# entity table's secondary indexes and foreign keys dropped and rebuilt once
# afterwards (as pg_restore and registry.demo do): building a GIN trigram or
# GiST index in one pass is many times cheaper than updating it row by row.
# Done inside the import's transaction, so a failed import leaves them intact;
# the table is locked for writes (and index-using reads) while it runs.
def drop_entity_indexes_and_keys(cursor):
    """Drop registry_entity's secondary indexes and foreign keys; returns what `restore_...` needs."""
    from registry import sql as registry_sql

    cursor.execute(registry_sql.CHECK_DEFERRED_CONSTRAINTS_NOW)
    cursor.execute(registry_sql.ENTITY_FOREIGN_KEYS)
    foreign_keys = cursor.fetchall()
    for name, _ in foreign_keys:
        cursor.execute(registry_sql.DROP_ENTITY_CONSTRAINT.format(name=connection.ops.quote_name(name)))
    cursor.execute(registry_sql.ENTITY_SECONDARY_INDEXES)
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(registry_sql.DROP_INDEX.format(name=connection.ops.quote_name(name)))
    return foreign_keys, indexes


def restore_entity_indexes_and_keys(cursor, dropped):
    """Rebuild what drop_entity_indexes_and_keys removed (definitions as PostgreSQL itself gave them)."""
    from registry import sql as registry_sql

    foreign_keys, indexes = dropped
    cursor.execute(registry_sql.BULK_INDEX_BUILD_MEMORY)
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in foreign_keys:
        cursor.execute(
            registry_sql.ADD_ENTITY_CONSTRAINT.format(name=connection.ops.quote_name(name), definition=definition)
        )
    cursor.execute("ANALYZE registry_entity")


def entity_count_estimate(cursor):
    """The planner's row estimate of registry_entity (cheap; exact counts are not needed to choose a strategy)."""
    cursor.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'registry_entity'::regclass")
    return cursor.fetchone()[0]
