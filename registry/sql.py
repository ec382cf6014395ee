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

# The history table holds every entity column except updated_at (excluded in the model).
_HISTORY_COLUMNS = ", ".join(column for column in ENTITY_COPY_COLUMNS if column != "updated_at")

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
