"""The per-area counts are read without parallel workers.

mapping_areaentitycount holds about 150,000 rows at 1M entities (61,000 for Thailand). For a country's
figures the planner chose a parallel sequential scan, whose workers took longer to start than the covering
index (0006) takes to give the rows in area order: Thailand's figures took 30 ms that way and 13 ms from the
index alone, which put B1 (p95 <= 50 ms) out of reach for Thailand. The table is read by every map request and
is small; no query of it gains from parallel workers.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("mapping", "0007_area_counts_women_of_known_totals"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE mapping_areaentitycount SET (parallel_workers = 0)",
            "ALTER TABLE mapping_areaentitycount RESET (parallel_workers)",
        ),
    ]
