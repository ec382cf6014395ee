"""The table of the API throttles' shared cache (exchange.throttling), so that migrate is all a deployment
runs; createcachetable leaves a table that exists alone."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0007_import_batch_language")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
