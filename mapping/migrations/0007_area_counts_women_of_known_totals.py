"""Women's share per area: count the women members only of entities that report their total members too.

The share is members_women / members_with_gender, and members_with_gender sums the totals of entities that
report their women members. members_women summed the women of every entity that reports them, also of
those with no total: an entity recording 50 women and no total, beside one of 10 members with 2 women,
made the area's share 520%. The triggers of 0003 are redefined with the matching numerator and the counts
are computed again from the registry.
"""

from django.db import migrations

KEY = "country_id, admin_area_id, family_id, legal_form_id, status, verification, sectors"
KNOWN = "members_total IS NOT NULL AND members_women IS NOT NULL"


def apply_delta(sign, rows, women):
    return f"""
INSERT INTO mapping_areaentitycount AS c ({KEY}, entities, members_total, members_women, members_with_gender)
SELECT {KEY}, {sign} * count(*), {sign} * COALESCE(sum(members_total), 0),
       {sign} * COALESCE(sum(members_women) {women}, 0),
       {sign} * COALESCE(sum(members_total) FILTER (WHERE members_women IS NOT NULL), 0)
FROM {rows} GROUP BY {KEY} ORDER BY {KEY}
ON CONFLICT ({KEY}) DO UPDATE SET
  entities = c.entities + EXCLUDED.entities,
  members_total = c.members_total + EXCLUDED.members_total,
  members_women = c.members_women + EXCLUDED.members_women,
  members_with_gender = c.members_with_gender + EXCLUDED.members_with_gender;
"""


def functions(women):
    return f"""
CREATE OR REPLACE FUNCTION mapping_areacount_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {apply_delta(1, "new_rows", women)} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION mapping_areacount_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {apply_delta(-1, "old_rows", women)} RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION mapping_areacount_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{apply_delta(-1, "old_rows", women)}
{apply_delta(1, "new_rows", women)}
RETURN NULL; END $$;
LOCK TABLE registry_entity IN SHARE MODE;
DELETE FROM mapping_areaentitycount;
INSERT INTO mapping_areaentitycount ({KEY}, entities, members_total, members_women, members_with_gender)
SELECT {KEY}, count(*), COALESCE(sum(members_total), 0), COALESCE(sum(members_women) {women}, 0),
       COALESCE(sum(members_total) FILTER (WHERE members_women IS NOT NULL), 0)
FROM registry_entity GROUP BY {KEY};
"""


class Migration(migrations.Migration):

    dependencies = [
        ("mapping", "0006_area_counts_covering_index"),
    ]

    operations = [
        migrations.RunSQL(functions(f"FILTER (WHERE {KNOWN})"), functions("")),
    ]
