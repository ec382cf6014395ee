"""PERFORMANCE.md benchmarks B6 (re-classification on adoption) and B7 (registry list page) at 1M entities."""

import datetime
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from . import classification, sql
from .benchmarking import BenchResult, benchmark, summarize, time_calls
from .demo import ensure_demo_entities
from .models import Country, CountryRole, WorkingDefinition

BENCH_COUNT = 1_000_000
BENCH_SEED = 1


class _Rollback(Exception):
    """Raised to undo one measured run, so every run starts from the same state."""


def _bench_user(username, role, country=None):
    user, _ = get_user_model().objects.get_or_create(username=username)
    CountryRole.objects.get_or_create(user=user, country_id=country, role=role)
    return user


def _prepare_previous_classification(country, user):
    """Every entity of `country` classified under an adopted v-previous (set-based), once."""
    adopted = WorkingDefinition.objects.filter(country=country, status="adopted").first()
    if adopted is not None:
        return adopted
    template = classification.new_version(user, country, copy_from=WorkingDefinition.objects.filter(
        country=country, is_template=True).order_by("version").first())  # fmt: skip
    classification.submit_for_review(user, template)
    classification.adopt(user, template, datetime.date(2025, 1, 1), "benchmark")
    # Give the adopted version decided results, as researchers would have recorded.
    codes = list(template.criteria.values_list("code", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(sql.BENCH_DECIDED_RESULTS, {"codes": codes, "definition": template.pk})
        cursor.execute("ANALYZE registry_classification")
    return template


@benchmark("B6", "adopting a new definition version re-classifies every entity of a country")
def bench_reclassification(context):
    context.log(f"ensuring {BENCH_COUNT:,} demo entities (seed {BENCH_SEED})...")
    ensure_demo_entities(BENCH_COUNT, BENCH_SEED)
    user = _bench_user("bench-admin", "administrator")
    rows = []
    for iso3 in ("VNM", "KGZ"):
        country = Country.objects.get(iso3=iso3)
        previous = _prepare_previous_classification(country, user)
        n = previous.classifications.count()
        adopt_ms, anchor_ms = [], []
        for _ in range(3):
            try:
                with transaction.atomic():
                    draft = classification.new_version(user, country, copy_from=previous)
                    classification.submit_for_review(user, draft)
                    start = time.perf_counter()
                    classification.adopt(user, draft, datetime.date(2025, 6, 1), "benchmark")
                    adopt_ms.append((time.perf_counter() - start) * 1000)
                    raise _Rollback
            except _Rollback:
                pass
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    start = time.perf_counter()
                    cursor.execute(sql.BENCH_ANCHOR_UPDATE, {"definition": previous.pk})
                    anchor_ms.append((time.perf_counter() - start) * 1000)
                    raise _Rollback
            except _Rollback:
                pass
        adopt, anchor = summarize(adopt_ms), summarize(anchor_ms)
        rows.append(
            {
                "country": iso3,
                "entities": n,
                "adopt median ms": adopt["median_ms"],
                "anchor UPDATE median ms": anchor["median_ms"],
                "ratio": adopt["median_ms"] / anchor["median_ms"],
            }
        )
    return BenchResult(
        "B6",
        "re-classification on adoption vs one set-based UPDATE of the same rows",
        "ratio <= 3",
        rows,
        passed=all(row["ratio"] <= 3 for row in rows),
        notes=[
            "adoption = supersede + INSERT of a classification per entity (results carried over, rule applied) "
            "+ its history row, in one statement; each run rolled back",
        ],
    )


@benchmark("B7", "registry list page, filtered and paginated, over 1M entities (server time)")
def bench_registry_list(context):
    context.log(f"ensuring {BENCH_COUNT:,} demo entities (seed {BENCH_SEED})...")
    ensure_demo_entities(BENCH_COUNT, BENCH_SEED)
    coop, researcher = Client(), Client()
    coop.force_login(_bench_user("bench-coop", "coop"))
    researcher.force_login(_bench_user("bench-researcher-vnm", "researcher", "VNM"))
    views = [
        ("unfiltered, page 1", {}),
        ("country VNM, active", {"country": "VNM", "status": "active"}),
        ("country THA, verified, page 20", {"country": "THA", "verification": "verified", "page": "20"}),
        ("search 'hoi an'", {"q": "hoi an"}),
        ("search Khmer 'ស្រូវ' in KHM", {"q": "ស្រូវ", "country": "KHM"}),
        ("family + status", {"family": "self_help_group", "status": "dormant"}),
        ("search 'ha noi 17' in VNM", {"q": "ha noi 17", "country": "VNM"}),
        ("search with no match in VNM", {"q": "zzqq", "country": "VNM"}),
    ]
    # A researcher reads their own country's registry without filtering by it (the list limits itself).
    views = [(label, params, coop) for label, params in views] + [
        ("researcher of VNM, unfiltered", {}, researcher),
        ("researcher of VNM, search 'hoi an'", {"q": "hoi an"}, researcher),
    ]
    rows, all_ok = [], True
    for label, params, client in views:

        def load(params=params, client=client):
            response = client.get("/registry/", params)
            assert response.status_code == 200, response.status_code

        stats = summarize(time_calls(load, repeat=15))
        ok = stats["p95_ms"] < 150
        all_ok &= ok
        rows.append({"view": label, "median ms": stats["median_ms"], "p95 ms": stats["p95_ms"], "ok": ok})
    return BenchResult(
        "B7", "registry list page over 1M entities", "p95 < 150 ms", rows, passed=all_ok,
        notes=["whole Django request (login, filters, COUNT for the paginator, 50 rows rendered) via the test client"],
    )  # fmt: skip
