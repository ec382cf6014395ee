"""B4 (API page of 10k entities) and B5 (importing 100k rows) with their anchors in the same run; X1 (exports)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from registry.benchmarking import BenchResult, benchmark, summarize, time_calls, time_interleaved

B5_ROWS = int(os.environ.get("B5_ROWS", "100000"))
B5_REPEATS = int(os.environ.get("B5_REPEATS", "2"))  # 1 is enough at 1M rows
B5_FILES = os.environ.get("B5_FILES", "csv,gpkg").split(",")  # B5_FILES=gpkg runs only the GeoPackage half
if not set(B5_FILES) <= {"csv", "gpkg"}:
    raise ValueError(f"B5_FILES={','.join(B5_FILES)}: give csv, gpkg or csv,gpkg")


def _ogr_connection():
    db = settings.DATABASES["default"]
    parts = [f"dbname={db['NAME']}", f"user={db.get('USER') or 'postgres'}"]
    if db.get("HOST"):
        parts.append(f"host={db['HOST']}")
    if db.get("PORT"):
        parts.append(f"port={db['PORT']}")
    if db.get("PASSWORD"):
        parts.append(f"password={db['PASSWORD']}")
    return "PG:" + " ".join(parts)


def _generate_files(folder, rows):
    """A deterministic CSV and GeoPackage of `rows` Vietnamese entities (points inside the country, seed 42)."""
    import geopandas
    import pandas as pd

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM registry_country c, "
            "ST_Dump(ST_GeneratePoints(c.geom, %s, 42)) p WHERE c.iso3 = 'VNM'",
            [rows + rows // 10 + 10],
        )
        points = cursor.fetchall()[:rows]
    frame = pd.DataFrame(
        {
            "name": [f"Hợp tác xã Nông nghiệp số {i}" for i in range(rows)],
            "family": "cooperative",
            "legal_form": "cooperative",
            "members_total": [30 + i % 300 for i in range(rows)],
            "members_women": [5 + i % 10 for i in range(rows)],
            "members_men": [10 + i % 10 for i in range(rows)],
            "founded_year": [1990 + i % 34 for i in range(rows)],
            "sectors": ["A" if i % 2 else "A;C" for i in range(rows)],
            "external_id": [f"b5-{i}" for i in range(rows)],
            "latitude": [point[1] for point in points],
            "longitude": [point[0] for point in points],
        }
    )
    csv_path = Path(folder, "b5.csv")
    frame.to_csv(csv_path, index=False)
    gpkg_path = Path(folder, "b5.gpkg")
    geopandas.GeoDataFrame(
        frame.drop(columns=["latitude", "longitude"]),
        geometry=geopandas.points_from_xy(frame["longitude"], frame["latitude"]),
        crs=4326,
    ).to_file(gpkg_path, driver="GPKG", engine="pyogrio")
    return csv_path, gpkg_path


def _ogr2ogr(path):
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        _ogr_connection(),
        str(path),
        "-nln",
        "bench_b5_anchor",
        "-overwrite",
        "-gt",
        "65536",
        "--config",
        "PG_USE_COPY",
        "YES",
        "-lco",
        "SPATIAL_INDEX=GIST",
        "-a_srs",
        "EPSG:4326",
    ]
    if path.suffix == ".csv":
        command += [
            "-oo",
            "X_POSSIBLE_NAMES=longitude",
            "-oo",
            "Y_POSSIBLE_NAMES=latitude",
            "-oo",
            "KEEP_GEOM_COLUMNS=NO",
        ]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (fixed command, our own generated file)
    return (time.perf_counter() - start) * 1000


def _cleanup_import():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_historicalentity WHERE country_id = 'VNM' AND external_id LIKE 'b5-%%'")
        cursor.execute(
            "DELETE FROM exchange_importrow WHERE batch_id IN "
            "(SELECT id FROM exchange_importbatch WHERE original_name LIKE 'b5.%%')"
        )
        # Without this, the foreign-key check of each entity deleted below plans against import rows the
        # statistics no longer know of and scans their dead tuples: deleting 1M entities took over an hour.
        cursor.execute("VACUUM ANALYZE exchange_importrow")
        cursor.execute("DELETE FROM registry_entity WHERE country_id = 'VNM' AND external_id LIKE 'b5-%%'")
        cursor.execute("DROP TABLE IF EXISTS bench_b5_anchor")


def _registry_write_floor():
    """Milliseconds to write the rows the last import created again with one bare INSERT ... SELECT (and history).

    The floor under any importer of this registry: the same rows, already
    validated, placed and numbered, inserted into registry_entity (its indexes,
    generated search text, deferred foreign keys, per-area count triggers) with
    their history rows, committed. What the importer adds above it is reading,
    validation, checks and the report; what it adds above ogr2ogr includes this.
    """
    from django.db import transaction

    from registry import sql as registry_sql

    columns = ", ".join(registry_sql.ENTITY_COPY_COLUMNS)
    history = ", ".join(registry_sql.ENTITY_HISTORY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_b5_floor")
        cursor.execute(
            f"CREATE TABLE bench_b5_floor AS SELECT {columns} FROM registry_entity "  # noqa: S608 (constant names)
            "WHERE country_id = 'VNM' AND external_id LIKE 'b5-%%'"
        )
        _cleanup_import()
        cursor.execute("VACUUM ANALYZE registry_entity")
        cursor.execute("SET jit = off")
        start = time.perf_counter()
        with transaction.atomic():
            cursor.execute(
                f"WITH inserted AS (INSERT INTO registry_entity ({columns}) "  # noqa: S608 (constant names)
                f"SELECT {columns} FROM bench_b5_floor RETURNING *) "
                f"INSERT INTO registry_historicalentity ({history}, history_date, history_change_reason, history_type) "
                f"SELECT {history}, now(), 'B5 floor', '+' FROM inserted"
            )
        elapsed = (time.perf_counter() - start) * 1000
        cursor.execute("RESET jit")
        cursor.execute("DROP TABLE bench_b5_floor")
    return elapsed


def _import(path, user):
    from exchange.importing import create_batch, run_batch

    start = time.perf_counter()
    batch = run_batch(create_batch(user, "VNM", path.name, path.read_bytes(), via="command"))
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, batch


@benchmark("B5", "import of a 100k-row CSV and a 100k-feature GeoPackage through the importer")
def bench_b5(context):
    from django.core.management import call_command

    call_command("load_registry_reference", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    result = BenchResult("B5", "import (validation, area, duplicate check, history) vs ogr2ogr", "ratio <= 2")
    if not shutil.which("ogr2ogr"):
        result.notes.append("ogr2ogr is not installed: no anchor.")
        return result
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="b5-media-"))
    passed = True
    with tempfile.TemporaryDirectory() as folder:
        context.log(f"generating {B5_ROWS:,} rows")
        files = _generate_files(folder, B5_ROWS)
        for path in (path for path in files if path.suffix[1:] in B5_FILES):
            importer_ms, anchor_ms, floor_ms = [], [], []
            for _ in range(B5_REPEATS):
                _cleanup_import()
                anchor_ms.append(_ogr2ogr(path))
                _cleanup_import()
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE registry_entity")
                elapsed, batch = _import(path, user)
                importer_ms.append(elapsed)
                floor_ms.append(_registry_write_floor())
                context.log(
                    f"{path.name}: importer {elapsed:,.0f} ms, {batch.imported:,} imported, {batch.rejected} rejected; "
                    f"ogr2ogr {anchor_ms[-1]:,.0f} ms; bare INSERT of the same rows {floor_ms[-1]:,.0f} ms"
                )
            importer = summarize(importer_ms)["median_ms"]
            anchor = summarize(anchor_ms)["median_ms"]
            floor = summarize(floor_ms)["median_ms"]
            ratio = importer / anchor
            passed = passed and ratio <= 2
            result.rows.append(
                {
                    "file": f"{path.suffix[1:]} {B5_ROWS:,} rows",
                    "importer median ms": importer,
                    "ogr2ogr median ms": anchor,
                    "ratio": ratio,
                    "bare INSERT of the same rows ms": floor,
                    "importer / bare INSERT": importer / floor,
                    "imported": batch.imported,
                    "rows in": batch.rows_in,
                }
            )
        _cleanup_import()
    result.passed = passed
    result.notes.append(
        "Importer includes reading, validation, country check, duplicate checks, registry numbers, areas, "
        "history rows and the per-row report. The bare INSERT is the registry's own write cost for the same "
        "rows (indexes, generated search text, foreign keys, area-count triggers, history), without any of that."
    )
    return result


@benchmark("B4", "GeoJSON API page of 10k entities in a bbox")
def bench_b4(context):
    from rest_framework.test import APIClient

    from exchange import sql
    from registry.demo import ensure_demo_entities
    from registry.models import Entity

    ensure_demo_entities(int(os.environ.get("B4_ENTITIES", "200000")), seed=1)
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    client = APIClient()
    client.force_authenticate(admin)
    result = BenchResult("B4", "API entity page (10k features, bbox) vs json_agg of the same rows", "ratio <= 1.5")
    bbox = "102,8,110,24"  # Viet Nam
    url = f"/api/v1/entities/?in_bbox={bbox}&limit=10000"
    page = Entity.objects.filter(point__bboverlaps=_bbox_polygon(bbox)).order_by("registry_number")[:10000]

    def api():
        response = client.get(url)
        assert response.status_code == 200

    def anchor():
        # The same rows, the same feature properties, built by json_agg: what the endpoint adds on top
        # (role checks, filter parsing, the count for pagination, HTTP) is what the ratio measures.
        sql.entity_features_json(page, {"KHM", "KGZ", "MNG", "THA", "VNM"})

    def bare():
        sql.json_agg_anchor(page)

    # Alternated, so that a change of machine load hits the endpoint and its anchor alike.
    api_times, anchor_times = time_interleaved(api, anchor, repeat=15)
    api_stats, anchor_stats = summarize(api_times), summarize(anchor_times)
    bare_stats = summarize(time_calls(bare, 15))
    size = len(client.get(url).content)
    ratio = api_stats["median_ms"] / anchor_stats["median_ms"]
    result.rows.append(
        {
            "endpoint median ms": api_stats["median_ms"],
            "endpoint p95 ms": api_stats["p95_ms"],
            "json_agg (same properties) median ms": anchor_stats["median_ms"],
            "ratio": ratio,
            "bare json_agg (3 properties) median ms": bare_stats["median_ms"],
            "ratio to bare": api_stats["median_ms"] / bare_stats["median_ms"],
            "features": 10000,
            "payload KB": size / 1024,
        }
    )
    result.passed = ratio <= 1.5
    result.notes.append(
        "The endpoint also counts the bbox's rows for pagination (stopping at 10,000, past which it says "
        "count_capped), parses filters and checks roles; contact fields included (administrator). "
        "Endpoint and anchor calls alternate, 15 of each after 2 of each to warm up."
    )
    return result


def _bbox_polygon(bbox):
    from django.contrib.gis.geos import Polygon

    polygon = Polygon.from_bbox([float(value) for value in bbox.split(",")])
    polygon.srid = 4326
    return polygon


# Not a PERFORMANCE.md target: what an export of a whole country costs, to keep exporting.fits_in_request's
# limits and the README's figures honest. Each export runs in its own process so its peak memory is its own.
EXPORT_RUNS = [("KGZ", fmt) for fmt in ("csv", "geojson", "murmurations", "essglobal", "xlsx", "gpkg", "shapefile")]
EXPORT_RUNS += [("VNM", "csv"), ("VNM", "geojson"), ("VNM", "gpkg")]
_EXPORT_SCRIPT = """
import resource, sys, time
import django
django.setup()
from django.core.management import call_command
start = time.perf_counter()
call_command("export_entities", sys.argv[1], user=sys.argv[2], country=sys.argv[3], format=sys.argv[4], verbosity=0)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@benchmark("X1", "exports of a whole country (streamed and file formats): time, rate and peak memory")
def bench_exports(context):
    from registry.demo import ensure_demo_entities
    from registry.models import Entity

    from .exporting import fits_in_request

    ensure_demo_entities(int(os.environ.get("X1_ENTITIES", "1000000")), seed=1)
    admin, _ = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    result = BenchResult("X1", "exports of a whole country", "none (recorded; see exporting.fits_in_request)")
    with tempfile.TemporaryDirectory() as folder:
        for country, file_format in EXPORT_RUNS:
            rows = Entity.objects.filter(country_id=country).count()
            output = Path(folder, f"{country}.{file_format}")
            context.log(f"X1: {country} {file_format} ({rows:,} entities)...")
            completed = subprocess.run(  # noqa: S603 (our interpreter, fixed arguments)
                [sys.executable, "-c", _EXPORT_SCRIPT, str(output), admin.username, country, file_format],
                capture_output=True,
                text=True,
                check=True,
                cwd=settings.BASE_DIR,
            )
            seconds, max_rss_kb = (float(value) for value in completed.stdout.split()[-2:])
            result.rows.append(
                {
                    "country": country,
                    "format": file_format,
                    "entities": rows,
                    "seconds": seconds,
                    "entities/s": rows / seconds,
                    "peak memory MB": max_rss_kb / 1024,
                    "file MB": output.stat().st_size / 1e6,
                    "page sends it": "at once" if fits_in_request(file_format, rows) else "in the background",
                }
            )
            output.unlink()
    result.notes.append(
        "manage.py export_entities as an administrator (contacts included), each in a fresh process: peak memory "
        "includes Django and the libraries (about 150-200 MB). The download page streams CSV, ESSGlobal, GeoJSON and "
        "Murmurations; it prepares larger exports in the background (exporting.fits_in_request)."
    )
    return result
