"""The registry's raw SQL, in one place: what the ORM cannot say (COPY, set-based history and re-classification).

Every statement binds its parameters (never formatted into the string) and has a
test that runs it (tests/registry). Column and table names are constants of
this module, never user input.
"""

# Columns the demo generator and bulk paths COPY into registry_entity, in order.
ENTITY_COPY_COLUMNS = (
    "id",
    "country_id",
    "registry_number",
    "name",
    "name_local",
    "name_romanized",
    "family_id",
    "legal_form_id",
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
    "point",
    "location_precision",
    "admin_area_id",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source",
    "source_reference",
    "external_id",
    "verification",
    "is_demo",
    "version",
    "created_at",
    "updated_at",
)

COPY_ENTITIES = f"COPY registry_entity ({', '.join(ENTITY_COPY_COLUMNS)}) FROM STDIN"


def _entity_history_columns():
    """The columns django-simple-history copies from registry_entity, read from its model (never listed by hand)."""
    from .models import Entity

    return tuple(
        field.column for field in Entity.history.model._meta.concrete_fields if not field.column.startswith("history_")
    )


# Every bulk path (demo generator, file import) writes history rows with these columns.
ENTITY_HISTORY_COLUMNS = _entity_history_columns()
_HISTORY_COLUMNS = ", ".join(ENTITY_HISTORY_COLUMNS)

# One "+" history row per entity written in bulk, so the history is complete
# however an entity arrived.
INSERT_CREATION_HISTORY_BY_SOURCE_REFERENCE = f"""
INSERT INTO registry_historicalentity
    ({_HISTORY_COLUMNS}, history_date, history_change_reason, history_type, history_user_id)
SELECT {_HISTORY_COLUMNS}, now(), %(reason)s, '+', %(user_id)s
FROM registry_entity
WHERE source_reference = %(source_reference)s AND is_demo = %(is_demo)s
"""

DELETE_DEMO_CLASSIFICATIONS = """
DELETE FROM registry_classification c USING registry_entity e WHERE c.entity_id = e.id AND e.is_demo
"""
DELETE_DEMO_HISTORY = "DELETE FROM registry_historicalentity WHERE is_demo"
DELETE_DEMO_ENTITIES = "DELETE FROM registry_entity WHERE is_demo"

# After demo entities are removed, a country's counter restarts after the highest
# number any real entity ever held (the history remembers deleted ones, whose
# numbers must never be handed out again), so the same seed gives the same numbers.
RESET_REGISTRY_COUNTERS = """
UPDATE registry_registrycounter c SET last_number = GREATEST(
    (SELECT max(substring(e.registry_number FROM 5)::integer) FROM registry_entity e
      WHERE e.country_id = c.country_id),
    (SELECT max(substring(h.registry_number FROM 5)::integer) FROM registry_historicalentity h
      WHERE h.country_id = c.country_id AND NOT h.is_demo),
    0)
"""

DEMO_DATASET_SIZE = "SELECT count(*) FROM registry_entity WHERE is_demo AND source_reference = %(source_reference)s"
DEMO_ENTITY_COUNT = "SELECT count(*) FROM registry_entity WHERE is_demo"

# Current level-1 areas of a country (id and WKB), for placing generated points.
CURRENT_AREAS_WKB = """
SELECT id, ST_AsBinary(geom) FROM registry_adminarea
WHERE country_id = %(country)s AND level = 1
  AND (valid_from IS NULL OR valid_from <= %(day)s) AND (valid_to IS NULL OR valid_to >= %(day)s)
ORDER BY id
"""

# Foreign keys of registry_entity with their definitions. A large bulk load drops
# them and adds them back afterwards, as pg_restore does: PostgreSQL then checks
# every row with one anti-join instead of one deferred trigger call per row and key
# (measured: a quarter of a 1M-row load).
ENTITY_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'registry_entity'::regclass AND contype = 'f' ORDER BY conname
"""
# Identifiers and definitions filled in come from pg_constraint (ENTITY_FOREIGN_KEYS), never from input.
DROP_ENTITY_CONSTRAINT = "ALTER TABLE registry_entity DROP CONSTRAINT {name}"
ADD_ENTITY_CONSTRAINT = "ALTER TABLE registry_entity ADD CONSTRAINT {name} {definition}"
# Runs the deferred checks queued so far: a table with pending trigger events cannot be altered.
CHECK_DEFERRED_CONSTRAINTS_NOW = "SET CONSTRAINTS ALL IMMEDIATE"

# Lowercase and strip diacritics exactly as the search index does (migration 0003).
FOLD_TEXT = "SELECT registry_fold(%s)"

# Likely duplicates: a similar folded name within a distance. The bounding-box
# test in degrees lets the GiST index pick candidates; the exact test is in
# metres on the spheroid.
LIKELY_DUPLICATES = """
SELECT id,
       similarity(registry_fold(concat_ws(' ', name, name_local, name_romanized)), registry_fold(%(name)s)) AS score,
       ST_Distance(point::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography) AS metres
FROM registry_entity
WHERE country_id = %(country)s
  AND point && ST_Expand(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(degrees)s)
  AND ST_DWithin(point::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(metres)s)
  AND (%(exclude)s::uuid IS NULL OR id <> %(exclude)s::uuid)
  AND similarity(registry_fold(concat_ws(' ', name, name_local, name_romanized)), registry_fold(%(name)s))
      >= %(threshold)s
ORDER BY score DESC, metres
LIMIT 10
"""

# Re-classification when a definition version is adopted, in one statement: every
# entity of the country gets a classification under the new version. Results of
# criteria the new version keeps (same code) carry over; the outcome follows the
# rule of registry.classification (any required criterion not met -> does not
# qualify; all required met -> qualifies; otherwise undetermined, flagged for
# review). History rows are written by the same statement.
RECLASSIFY_ON_ADOPTION = """
WITH previous AS (
    SELECT entity_id, criteria_results FROM registry_classification WHERE definition_id = %(previous)s
),
decided AS (
    SELECT e.id AS entity_id,
           COALESCE((SELECT jsonb_object_agg(key, value) FROM jsonb_each(p.criteria_results::jsonb)
                     WHERE key = ANY(%(codes)s::text[])), '{}'::jsonb) AS results,
           p.entity_id IS NOT NULL AS had_previous,
           EXISTS (SELECT 1 FROM unnest(%(required)s::text[]) code
                   WHERE p.criteria_results::jsonb -> code ->> 'result' = 'not_met') AS any_not_met,
           NOT EXISTS (SELECT 1 FROM unnest(%(required)s::text[]) code
                       WHERE COALESCE(p.criteria_results::jsonb -> code ->> 'result', 'unknown') <> 'met') AS all_met
    FROM registry_entity e LEFT JOIN previous p ON p.entity_id = e.id
    WHERE e.country_id = %(country)s
),
inserted AS (
    INSERT INTO registry_classification
        (entity_id, definition_id, outcome, criteria_results, needs_review, note, assessed_by_id, assessed_at)
    SELECT entity_id, %(definition)s,
           CASE WHEN any_not_met THEN 'does_not_qualify' WHEN all_met THEN 'qualifies' ELSE 'undetermined' END,
           results,
           NOT any_not_met AND NOT all_met,
           %(note)s, %(user_id)s, now()
    FROM decided
    ON CONFLICT (entity_id, definition_id) DO NOTHING
    RETURNING *
)
INSERT INTO registry_historicalclassification
    (id, entity_id, definition_id, outcome, criteria_results, needs_review, note, assessed_by_id, assessed_at,
     history_date, history_change_reason, history_type, history_user_id)
SELECT id, entity_id, definition_id, outcome, criteria_results, needs_review, note, assessed_by_id, assessed_at,
       now(), %(note)s, '+', %(user_id)s
FROM inserted
"""

# What adoption changed: outcome under the previous version -> outcome under the new one, with counts.
OUTCOME_CHANGES = """
SELECT COALESCE(old.outcome, 'not_classified') AS before, new.outcome AS after, new.needs_review, count(*)
FROM registry_classification new
LEFT JOIN registry_classification old ON old.entity_id = new.entity_id AND old.definition_id = %(previous)s
WHERE new.definition_id = %(definition)s
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

# B6 (registry/benchmarks.py): give an adopted version decided results, as researchers would have recorded.
BENCH_DECIDED_RESULTS = """
UPDATE registry_classification
SET outcome = CASE WHEN random() < 0.7 THEN 'qualifies' ELSE 'does_not_qualify' END, needs_review = false,
    criteria_results = (SELECT jsonb_object_agg(code, jsonb_build_object(
        'result', CASE WHEN random() < 0.9 THEN 'met' ELSE 'not_met' END, 'evidence', ''))
        FROM unnest(%(codes)s::text[]) code)
WHERE definition_id = %(definition)s
"""

# B6's anchor: one set-based UPDATE of the same rows.
BENCH_ANCHOR_UPDATE = """
UPDATE registry_classification SET outcome = 'undetermined', needs_review = true WHERE definition_id = %(definition)s
"""

# Secondary indexes of registry_entity (those that back no constraint). A large
# bulk load drops them and builds them again afterwards: building a GIN trigram
# or GiST index once is many times faster than updating it row by row.
ENTITY_SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = 'registry_entity'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                  WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
ORDER BY i.indexname
"""
DROP_INDEX = "DROP INDEX {name}"
# Index builds after a bulk load sort in memory when they may (the GIN trigram build is the longest).
BULK_INDEX_BUILD_MEMORY = "SET LOCAL maintenance_work_mem = '256MB'"
