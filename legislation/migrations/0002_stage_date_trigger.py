"""A stage may not be dated before its reform process started: enforced in the database too.

A CHECK constraint cannot look at another table, so two triggers do it: one
on stage events (insert/update) and one on processes (moving the start date).
They raise check_violation (SQLSTATE 23514), which Django reports as an
IntegrityError, like the CHECK constraints of the other rules.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION legislation_stage_not_before_start() RETURNS trigger AS $$
DECLARE started date;
BEGIN
    SELECT started_on INTO started FROM legislation_reformprocess WHERE id = NEW.process_id;
    IF started IS NOT NULL AND NEW.occurred_on < started THEN
        RAISE EXCEPTION 'stage dated % is before its reform process started (%)', NEW.occurred_on, started
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER legislation_stageevent_date_check
    BEFORE INSERT OR UPDATE OF occurred_on, process_id ON legislation_stageevent
    FOR EACH ROW EXECUTE FUNCTION legislation_stage_not_before_start();

CREATE FUNCTION legislation_process_start_not_after_stages() RETURNS trigger AS $$
DECLARE first_stage date;
BEGIN
    SELECT min(occurred_on) INTO first_stage FROM legislation_stageevent WHERE process_id = NEW.id;
    IF NEW.started_on IS NOT NULL AND first_stage IS NOT NULL AND first_stage < NEW.started_on THEN
        RAISE EXCEPTION 'reform process would start (%) after its first stage (%)', NEW.started_on, first_stage
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER legislation_reformprocess_start_check
    BEFORE UPDATE OF started_on ON legislation_reformprocess
    FOR EACH ROW EXECUTE FUNCTION legislation_process_start_not_after_stages();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS legislation_reformprocess_start_check ON legislation_reformprocess;
DROP FUNCTION IF EXISTS legislation_process_start_not_after_stages();
DROP TRIGGER IF EXISTS legislation_stageevent_date_check ON legislation_stageevent;
DROP FUNCTION IF EXISTS legislation_stage_not_before_start();
"""


class Migration(migrations.Migration):
    dependencies = [("legislation", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
