"""A small framework for the PERFORMANCE.md benchmarks (never run as tests).

Each app may have a `benchmarks` module that registers functions with
`@benchmark("B6", "what it measures")`. A benchmark function receives a
`BenchContext` and returns a `BenchResult`. `manage.py run_benchmarks` finds
them all (autodiscovery keeps registry free of imports from apps above it),
runs the ones asked for, prints the table and writes bench-results/<id>.md.
"""

import datetime
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

REGISTRY = {}
RESULTS_DIR = settings.BASE_DIR / "bench-results"


def benchmark(bench_id, title):
    """Register a benchmark function under its PERFORMANCE.md id."""

    def register(function):
        REGISTRY[bench_id] = (title, function)
        return function

    return register


def time_calls(function, repeat, warmup=2):
    """Call `function` warmup + repeat times; return the repeat timings in milliseconds."""
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def time_interleaved(first, second, repeat, warmup=2):
    """Timings (ms) of two calls made alternately, so that a change of machine load hits both alike."""
    for _ in range(warmup):
        first()
        second()
    first_times, second_times = [], []
    for _ in range(repeat):
        for function, times in ((first, first_times), (second, second_times)):
            start = time.perf_counter()
            function()
            times.append((time.perf_counter() - start) * 1000)
    return first_times, second_times


def summarize(timings_ms):
    """Median and p95 (nearest-rank) of timings in ms."""
    ordered = sorted(timings_ms)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "n": len(ordered)}


@dataclass
class BenchResult:
    """One benchmark's outcome: rows of a results table plus a verdict against its target."""

    bench_id: str
    title: str
    target: str
    rows: list = field(default_factory=list)  # list of dicts, same keys
    passed: bool | None = None
    notes: list = field(default_factory=list)

    def as_markdown(self):
        lines = [f"### {self.bench_id}: {self.title}", "", f"Target: {self.target}", ""]
        if self.rows:
            keys = list(self.rows[0])
            lines.append("| " + " | ".join(keys) + " |")
            lines.append("|" + "---|" * len(keys))
            for row in self.rows:
                lines.append("| " + " | ".join(_fmt(row.get(key)) for key in keys) + " |")
            lines.append("")
        verdict = {True: "**met**", False: "**NOT met**", None: "not judged"}[self.passed]
        lines.append(f"Verdict: {verdict}")
        lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    return "" if value is None else str(value)


@dataclass
class BenchContext:
    """What a benchmark needs besides the database: output and the machine description."""

    stdout: object

    def log(self, message):
        self.stdout.write(message)
        self.stdout.flush()


def other_queries(min_seconds=10):
    """[(pid, seconds, start of its text)] of other queries running on the database for `min_seconds` or more.

    A benchmark killed half-way leaves its PostgreSQL backend running its last statement, sometimes for many
    minutes: on two cores that inflates every timing after it. run_benchmarks names them before each run.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, extract(epoch FROM now() - query_start), left(query, 100) FROM pg_stat_activity "
            "WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND datname = current_database() AND now() - query_start >= make_interval(secs => %s) "
            "ORDER BY query_start",
            [min_seconds],
        )
        return [(pid, float(seconds), text) for pid, seconds, text in cursor.fetchall()]


def machine_description():
    import os

    cpus = os.cpu_count()
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory_gib = 0
    return f"{platform.node()}: {cpus} vCPU, {memory_gib:.0f} GiB, {platform.platform(terse=True)}"


def write_result(result):
    RESULTS_DIR.mkdir(exist_ok=True)
    header = f"Run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on {machine_description()}\n\n"
    path = Path(RESULTS_DIR, f"{result.bench_id}.md")
    path.write_text(header + result.as_markdown(), encoding="utf-8")
    return path
