"""PERFORMANCE.md B1, B2, B3 and B8 for the committee map (run with `manage.py run_benchmarks B1 B2 B3 B8`).

Data: the deterministic 1M demo registry (registry.demo.ensure_demo_entities).
Endpoints are measured through Django's full request stack (B1, B3) or the
real gunicorn on loopback (B2); anchors are the same or the raw SQL run
directly through psycopg2 in the same run.
"""

import io
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from importlib import import_module

import orjson
import psycopg2
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from registry.benchmarking import BenchResult, benchmark, summarize, time_calls, time_interleaved
from registry.models import Country, Entity

from .aggregation import LiveSource, entity_layer, parse_bbox
from .fast_lane import FastLaneApplication
from .filters import MapFilters

ENTITIES = 1_000_000
SEED = 1
TWO_FILTERS = "family=cooperative&status=active"
FOUR_FILTERS = "family=cooperative&status=active&verification=unverified&sector=A"
# Views for B2: (label, country, lon, lat) of a dense town centre and a sparse countryside.
HIGH_ZOOM_VIEWS = [
    ("Hà Nội centre", "VNM", 105.85, 21.03),
    ("Bangkok centre", "THA", 100.50, 13.75),
    ("Mongolian steppe", "MNG", 103.0, 46.5),
    ("Naryn oblast", "KGZ", 75.9, 41.4),
]


def _ensure_data(context):
    from registry.demo import ensure_demo_entities

    context.log(f"Ensuring {ENTITIES:,} demo entities (seed {SEED})...")
    report = ensure_demo_entities(ENTITIES, SEED)
    if not report.skipped:
        # Fresh rows: index-only scans need the visibility map, the planner needs statistics.
        # Not `with _psycopg()`: since psycopg2 2.9 that opens a transaction even in autocommit, and VACUUM
        # refuses to run in one.
        raw = _psycopg()
        try:
            raw.autocommit = True
            raw.cursor().execute("VACUUM ANALYZE registry_entity")
        finally:
            raw.close()


def _admin_client():
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    return client, user


def _country_bbox(country):
    west, south, east, north = country.geom.extent
    return west, south, east, north


def _view_bbox(lon, lat, zoom, width_px=1300, height_px=900):
    """The bbox a width x height pixel map centred on (lon, lat) shows at `zoom` (Web Mercator)."""
    import math

    degrees_per_px = 360 / (256 * 2**zoom)
    half_w = width_px / 2 * degrees_per_px
    half_h = height_px / 2 * degrees_per_px * math.cos(math.radians(lat))
    return f"{lon - half_w:.5f},{lat - half_h:.5f},{lon + half_w:.5f},{lat + half_h:.5f}"


def _psycopg():
    database = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"] or None,
        password=database["PASSWORD"] or None,
    )


@benchmark("B1", "committee map data at low zoom (z0-z8), every country, unfiltered and 2 filters, 1M entities")
def bench_low_zoom(context):
    _ensure_data(context)
    client, _ = _admin_client()
    result = BenchResult(
        "B1",
        "committee map entity layer, z0-z8",
        "p95 <= 50 ms, payload <= 250 KB, counts add up exactly; anchor: raw z0 MVT of all points",
    )
    passed = True
    for country in Country.objects.order_by("iso3"):
        west, south, east, north = _country_bbox(country)
        for label, query in (("none", ""), ("2 filters", TWO_FILTERS)):
            expected = MapFilters.parse(country, QueryDict(query)).apply(Entity.objects.all()).count()
            timings, sizes, exact = [], [], True
            for zoom in range(0, 9):
                url = f"/maps/{country.iso3}/entities.geojson?zoom={zoom}&bbox={west},{south},{east},{north}"
                url += f"&{query}" if query else ""
                times = time_calls(lambda url=url: client.get(url), repeat=5, warmup=1)
                timings.extend(times)
                body = client.get(url).content
                sizes.append(len(body))
                features = orjson.loads(body)["features"]
                exact &= sum(feature["properties"]["count"] for feature in features) == expected
            stats = summarize(timings)
            ok = stats["p95_ms"] <= 50 and max(sizes) <= 250_000 and exact
            passed &= ok
            result.rows.append(
                {
                    "country": country.iso3,
                    "filters": label,
                    "entities": expected,
                    "median ms": stats["median_ms"],
                    "p95 ms": stats["p95_ms"],
                    "max KB": max(sizes) / 1000,
                    "counts exact": "yes" if exact else "NO",
                    "met": "yes" if ok else "no",
                }
            )
    with _psycopg() as raw, raw.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            "SELECT length(ST_AsMVT(t)) FROM (SELECT ST_AsMVTGeom(ST_Transform(point, 3857), ST_TileEnvelope(0, 0, 0))"
            " AS geom FROM registry_entity) t"
        )
        raw_bytes = cursor.fetchone()[0]
        raw_ms = (time.perf_counter() - start) * 1000
    result.notes.append(
        f"Anchor: raw z0 MVT tile of all {ENTITIES:,} points: {raw_ms:,.0f} ms, {raw_bytes / 1e6:.1f} MB."
    )
    result.passed = passed
    return result


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _committee_user(countries):
    """A committee member of `countries` (role rows, no superuser shortcut): the live map's usual reader."""
    from registry.models import CountryRole

    user, _ = get_user_model().objects.get_or_create(username="bench-committee")
    for iso3 in countries:
        CountryRole.objects.get_or_create(user=user, country_id=iso3, role=CountryRole.Role.COMMITTEE)
    return user


def _signed_in_session(user):
    """A session of the configured engine and backend for `user`, as logging in would store it."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session


@benchmark("B2", "map data at high zoom (z10-z16) behind gunicorn on loopback vs the same SQL through psycopg2")
def bench_high_zoom(context):
    _ensure_data(context)
    load_before = os.getloadavg()[0]
    user = _committee_user({iso3 for _, iso3, _, _ in HIGH_ZOOM_VIEWS})
    session = _signed_in_session(user)
    in_process = Client()
    in_process.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    port, floor_port = _free_port(), _free_port()
    server = _gunicorn("config.wsgi", port)
    floor_server = _gunicorn("mapping.floor_wsgi", floor_port)
    result = BenchResult(
        "B2",
        "entity layer z10-z16 through gunicorn (2 workers, loopback)",
        "median endpoint / raw SQL <= 1.3 (small responses: raw + 2 ms)",
    )
    try:
        base, floor_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{floor_port}"
        _wait_until_serving(base + "/healthz")
        _wait_until_serving(floor_base + "/")
        opener = urllib.request.build_opener()
        opener.addheaders = [("Cookie", f"{settings.SESSION_COOKIE_NAME}={session.session_key}")]
        floor_median = statistics.median(
            time_calls(lambda: opener.open(floor_base + "/").read(), repeat=200, warmup=20)  # noqa: S310
        )
        wsgi = FastLaneApplication(WSGIHandler())  # what gunicorn serves (config.wsgi)
        passed = True
        with _psycopg() as raw, raw.cursor() as cursor:
            for label, iso3, lon, lat in HIGH_ZOOM_VIEWS:
                country = Country.objects.get(pk=iso3)
                for zoom in (10, 12, 14, 16):
                    bbox = _view_bbox(lon, lat, zoom)
                    path = f"/maps/{iso3}/entities.geojson?zoom={zoom}&bbox={bbox}"
                    source = LiveSource(country, MapFilters.parse(country, QueryDict("")))
                    with CaptureQueriesContext(connection) as captured:
                        header, _ = entity_layer(source, zoom, parse_bbox(bbox, True))
                    statements = [query["sql"] for query in captured.captured_queries]
                    # The anchor must be exactly the layer SQL the endpoint runs: the same view, served
                    # in-process (warm, as the workers are), runs each of these statements, alone or inside
                    # the one that also reads the session and the user (mapping.sql.signed_in_points).
                    # Unprepared for this check (the text, not EXECUTE name), prepared as configured when timed.
                    with override_settings(MAP_PREPARED_STATEMENTS=False):
                        if in_process.get(path).status_code != 200:
                            raise RuntimeError(f"{path} refused the benchmark's committee member")
                        with CaptureQueriesContext(connection) as served:
                            in_process.get(path)
                    endpoint_statements = [query["sql"] for query in served.captured_queries]
                    same_sql = all(
                        any(statement in served_statement for served_statement in endpoint_statements)
                        for statement in statements
                    )

                    def run_raw(statements=statements):
                        for statement in statements:
                            cursor.execute(statement)
                            cursor.fetchall()

                    raw_prepared_median = statistics.median(_time_prepared(cursor, statements))
                    raw_times, endpoint_times = time_interleaved(
                        run_raw,
                        lambda path=path: opener.open(base + path).read(),  # noqa: S310
                        repeat=25,
                    )
                    in_process_median = statistics.median(
                        time_calls(lambda path=path: _serve_in_process(wsgi, path, session.session_key), 25)
                    )
                    size = len(opener.open(base + path).read())  # noqa: S310
                    raw_median = statistics.median(raw_times)
                    endpoint_median = statistics.median(endpoint_times)
                    ratio = endpoint_median / raw_median
                    ok = same_sql and (ratio <= 1.3 or endpoint_median <= raw_median + 2)
                    passed &= ok
                    result.rows.append(
                        {
                            "view": label,
                            "zoom": zoom,
                            "mode": header["mode"],
                            "in view": header["total"],
                            "raw ms": raw_median,
                            "raw prepared ms": raw_prepared_median,
                            "endpoint ms": endpoint_median,
                            "ratio": ratio,
                            "over raw ms": endpoint_median - raw_median,
                            "in-process ms": in_process_median,
                            "KB": size / 1000,
                            "queries": f"{len(endpoint_statements)} ({len(statements)} layer)",
                            "met": ("yes" if ok else "no") if same_sql else "NO: anchor SQL differs",
                        }
                    )
        result.notes.append(
            f"Load average (1 min) {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end. "
            "Signed in as a committee member of the four countries (roles checked on every request). "
            "Raw and endpoint calls alternate, 25 of each per view after 2 of each to warm up; "
            "'queries' counts every statement the endpoint ran for the view, served in-process."
        )
        result.notes.append(
            f"Floor: gunicorn (2 workers) answering a WSGI app that does nothing (mapping/floor_wsgi.py), "
            f"with the same client on loopback: median {floor_median:.2f} ms of the 2 ms that small "
            "responses are allowed over their SQL. 'in-process ms' is the same request through gunicorn's "
            "application (config.wsgi: the fast lane, then Django's WSGI handler) in the benchmark's own "
            "process (no HTTP, no gunicorn): endpoint - in-process is "
            "what the HTTP layer costs, in-process - raw what Django, the session, the roles and the map "
            "code cost."
        )
        result.notes.append(
            "The endpoint runs its statement prepared once per connection, with a generic plan "
            "(mapping.sql._execute_prepared), so it skips the planning that the anchor, the same SQL sent as "
            "text, pays on every call. 'raw prepared ms' is the anchor's statements prepared the same way: "
            "endpoint - raw prepared is what the platform adds to the database's own work."
        )
        result.passed = passed
    finally:
        for process in (server, floor_server):
            process.terminate()
            process.wait(timeout=10)
    return result


def _time_prepared(cursor, statements, repeat=25):
    """Timings of `statements` prepared once on the anchor's connection, then executed (no planning)."""
    names = [f"b2_anchor_{number}" for number in range(len(statements))]
    for name, statement in zip(names, statements, strict=True):
        cursor.execute(f"PREPARE {name} AS {statement}; SET plan_cache_mode = force_generic_plan")

    def run():
        for name in names:
            cursor.execute(f"EXECUTE {name}")
            cursor.fetchall()

    try:
        return time_calls(run, repeat)
    finally:
        for name in names:
            cursor.execute(f"DEALLOCATE {name}")


def _gunicorn(app_module, port):
    """gunicorn serving `app_module` on loopback as B2 measures it: 2 sync workers, as in production."""
    return subprocess.Popen(  # noqa: S603 (our own venv's gunicorn, fixed arguments)
        # No control socket: the floor's gunicorn and the platform's run side by side and would claim the same one.
        [
            sys.executable,
            "-m",
            "gunicorn",
            app_module,
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
            "--no-control-socket",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"},
        cwd=settings.BASE_DIR,
    )


def _wait_until_serving(url):
    for _ in range(50):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback URL we built)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within 10 s")


def _serve_in_process(handler, path, session_key):
    """One request through `handler` (config.wsgi's application), as gunicorn would hand it over, without HTTP."""
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session_key}",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    response = handler(environ, lambda status, headers: None)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code} in-process")
    b"".join(response)
    response.close()


@benchmark("B3", "per-area counts for the choropleth, 0 / 2 / 4 filters, 1M entities")
def bench_area_counts(context):
    _ensure_data(context)
    client, _ = _admin_client()
    result = BenchResult(
        "B3", "areas.json per country", "p95 < 100 ms and ratio to the raw GROUP BY <= 1.3; stretch < 20 ms"
    )
    raw_sql = {
        "none": ("", []),
        "2": (" AND e.family_id = %s AND e.status = 'active'", ["family"]),
        "4": (
            " AND e.family_id = %s AND e.status = 'active' AND e.verification = 'unverified'"
            " AND e.sectors && ARRAY['A']::varchar[]",
            ["family"],
        ),
    }
    from registry.models import EntityFamily

    family_id = EntityFamily.objects.get(code="cooperative").pk
    passed = True
    with _psycopg() as raw, raw.cursor() as cursor:
        for country in Country.objects.order_by("iso3"):
            for label, query in (("none", ""), ("2", TWO_FILTERS), ("4", FOUR_FILTERS)):
                where, params = raw_sql[label]
                statement = (
                    "SELECT e.admin_area_id, count(*), sum(e.members_total), sum(e.members_women) "
                    f"FROM registry_entity e WHERE e.country_id = %s{where} GROUP BY 1"
                )
                values = [country.iso3] + [family_id for _ in params]

                def run_raw(statement=statement, values=values):
                    cursor.execute(statement, values)
                    cursor.fetchall()

                raw_stats = summarize(time_calls(run_raw, repeat=15))
                url = f"/maps/{country.iso3}/areas.json" + (f"?{query}" if query else "")
                endpoint_stats = summarize(time_calls(lambda url=url: client.get(url), repeat=15))
                ratio = endpoint_stats["median_ms"] / raw_stats["median_ms"]
                ok = endpoint_stats["p95_ms"] < 100 and (
                    ratio <= 1.3 or endpoint_stats["median_ms"] <= raw_stats["median_ms"] + 2
                )
                passed &= ok
                result.rows.append(
                    {
                        "country": country.iso3,
                        "filters": label,
                        "raw median ms": raw_stats["median_ms"],
                        "endpoint median ms": endpoint_stats["median_ms"],
                        "endpoint p95 ms": endpoint_stats["p95_ms"],
                        "ratio": ratio,
                        "met": "yes" if ok else "no",
                    }
                )
    result.passed = passed
    return result


@benchmark("B8", "render a committee map edition pack (PDF with map, table, legend; PNG of the map page)")
def bench_pack(context):
    from .editions import committee_for, freeze_edition
    from .models import MapEdition
    from .packs import render_pack

    _ensure_data(context)
    result = BenchResult("B8", "edition pack per country", "< 10 s per country")
    passed = True
    for country in Country.objects.order_by("iso3"):
        committee = committee_for(country)
        edition = MapEdition.objects.filter(committee=committee).order_by("number").first()
        if edition is None:
            context.log(f"Freezing a benchmark edition of {country.iso3}...")
            edition = freeze_edition(committee, MapFilters.parse(country, QueryDict("")), "Benchmark edition")
        start = time.perf_counter()
        pack = render_pack(edition, png=True)
        seconds = time.perf_counter() - start
        ok = seconds < 10
        passed &= ok
        result.rows.append(
            {
                "country": country.iso3,
                "entities": edition.total_entities,
                "areas": edition.area_figures.count(),
                "pages": pack.page_count,
                "PDF KB": len(pack.pdf) / 1000,
                "seconds": seconds,
                "met": "yes" if ok else "no",
            }
        )
    result.passed = passed
    return result
