"""Search across scripts ignoring diacritics: unaccent + pg_trgm, one immutable folding function, one GIN index.

`registry_fold(text)` lowercases and strips diacritics ("Hội An" -> "hoi an";
Khmer, Thai and Cyrillic pass through lowercased). `registry_entity_search_text`
folds the names and the registry number together; the trigram index on it
serves `LIKE '%...%'` and similarity searches (registry.managers.EntityQuerySet.search).
unaccent() is only STABLE (its dictionary could change), so the wrapper names
the dictionary explicitly and is declared IMMUTABLE, the documented way to index it.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION registry_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

CREATE OR REPLACE FUNCTION registry_entity_search_text(
    name text, name_local text, name_romanized text, registry_number text
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT registry_fold(concat_ws(' ', name, name_local, name_romanized, registry_number)) $$;

CREATE INDEX entity_search_trgm ON registry_entity
USING gin (registry_entity_search_text(name, name_local, name_romanized, registry_number) gin_trgm_ops);
"""

REVERSE = """
DROP INDEX IF EXISTS entity_search_trgm;
DROP FUNCTION IF EXISTS registry_entity_search_text(text, text, text, text);
DROP FUNCTION IF EXISTS registry_fold(text);
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_registry_counter")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
