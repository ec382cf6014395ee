"""Run the PERFORMANCE.md benchmarks registered by the apps' `benchmarks` modules (see registry.benchmarking)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import autodiscover_modules

from registry.benchmarking import REGISTRY, BenchContext, other_queries, write_result


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", help="Benchmark ids to run (default: all), e.g. B6 B7")
        parser.add_argument("--list", action="store_true", help="List the registered benchmarks and stop")

    def handle(self, *args, ids, list, **options):
        autodiscover_modules("benchmarks")
        if list:
            for bench_id, (title, _) in sorted(REGISTRY.items()):
                self.stdout.write(f"{bench_id}: {title}")
            return
        unknown = sorted(set(ids) - set(REGISTRY))
        if unknown:
            raise CommandError(
                f"Unknown benchmark id(s): {', '.join(unknown)}. Registered: {', '.join(sorted(REGISTRY))}"
            )
        context = BenchContext(self.stdout)
        failed = []
        for bench_id in sorted(ids or REGISTRY):
            title, function = REGISTRY[bench_id]
            self.stdout.write(self.style.MIGRATE_HEADING(f"{bench_id}: {title}"))
            stray = other_queries()
            for pid, seconds, text in stray:
                self.stdout.write(
                    self.style.WARNING(
                        f"Another query has been running for {seconds:.0f} s (pid {pid}: {text!r}); the timings "
                        f"will be inflated. Stop it with SELECT pg_terminate_backend({pid}) if it is stray."
                    )
                )
            result = function(context)
            if stray:
                result.notes.append(
                    f"Other queries running on the database when this benchmark started: {len(stray)} "
                    f"(the longest for {max(seconds for _, seconds, _ in stray):.0f} s), so its timings are inflated."
                )
            path = write_result(result)
            self.stdout.write(result.as_markdown())
            self.stdout.write(f"(written to {path})\n")
            if result.passed is False:
                failed.append(bench_id)
        if failed:
            self.stdout.write(self.style.WARNING(f"Targets not met: {', '.join(failed)}"))
