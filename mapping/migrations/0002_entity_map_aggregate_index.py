"""A covering index for the committee map's per-area aggregation (PERFORMANCE.md B1, B3).

The map groups a country's entities by their stored admin-area FK under
attribute filters and sums members. With the filtered and summed columns
INCLUDEd, PostgreSQL answers from the index alone (index-only scan, no heap
visits). The index lives on registry's table; registry/0012 later took it
into registry's model state (its area filter uses it too) with the same
SQL, so either migration may create it.
"""

from django.db import migrations

SQL = (
    "CREATE INDEX IF NOT EXISTS entity_map_aggregate_idx ON registry_entity (country_id, admin_area_id) "
    "INCLUDE (family_id, legal_form_id, status, verification, members_total, members_women)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("mapping", "0001_initial"),
        ("registry", "0001_initial"),
    ]

    operations = [migrations.RunSQL(SQL, "DROP INDEX IF EXISTS entity_map_aggregate_idx")]
