"""Export SSE entities to a file, with the roles of a user (the same exports as the download page).

manage.py export_entities OUTPUT --user NAME [--country VNM] [--format csv] [--filter status=dormant ...]
    (--filter map=1 --filter sector=A,C ...: the committee map's filters of --country)
manage.py export_entities --job 42      # prepare a download queued on the page (the page starts this),
                                        # then any others left queued while the workers were busy
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from exchange.export_jobs import (
    EXPORT_FILTERS,
    MAP_FILTERS,
    MAP_MARK,
    ExportFilterError,
    export_filters,
    export_queryset,
    run_queued_exports,
)
from exchange.exporting import FORMATS, exported_count, write_export
from exchange.models import ExportJob
from registry.models import Country


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="The file to write")
        parser.add_argument("--format", default="csv", choices=sorted(FORMATS), help="csv unless given")
        parser.add_argument("--country", help="ISO 3166-1 alpha-3 code, e.g. VNM (default: every country)")
        parser.add_argument("--user", help="Export what this user may read (contact data only where allowed)")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"A registry list filter, repeatable: {', '.join(EXPORT_FILTERS)} (e.g. status=dormant); or map=1 "
            f"and the committee map's filters of --country: {', '.join(MAP_FILTERS)} (e.g. sector=A,C)",
        )
        parser.add_argument("--job", type=int, help="Run a queued export job by its id")

    def handle(self, *args, **options):
        if options["job"]:
            self._run_job(options["job"])
            return
        if not options["output"] or not options["user"]:
            raise CommandError("Give an OUTPUT file and --user (or --job ID).")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        country = None
        if options["country"]:
            country = Country.objects.filter(pk=options["country"].upper()).first()
            if country is None:
                known = ", ".join(Country.objects.values_list("pk", flat=True))
                raise CommandError(f"Unknown country {options['country']!r}; one of {known}.")
        queryset = export_queryset(country, self._filters(options["filter"], country))
        total = exported_count(user, queryset)
        bar = tqdm(total=total, unit="entity", disable=options["verbosity"] == 0, file=self.stderr)

        def progress(rows):
            bar.n = rows
            bar.refresh()

        try:
            with open(options["output"], "wb") as file:
                write_export(user, queryset, options["format"], file, progress=progress)
        finally:
            bar.close()
        self.stdout.write(f"{total} entities written to {options['output']}.")

    def _filters(self, given, country):
        names = sorted({*EXPORT_FILTERS, *MAP_FILTERS, MAP_MARK})
        query = {}
        for item in given:
            name, equals, value = item.partition("=")
            if not equals or name.strip() not in names:
                raise CommandError(f"--filter {item!r}: give NAME=VALUE with NAME one of {', '.join(names)}.")
            query[name.strip()] = value
        try:
            return export_filters(query, country)
        except ExportFilterError as error:
            raise CommandError(f"--filter: {error}") from error

    def _run_job(self, job_id):
        job = ExportJob.objects.select_related("created_by", "country").defer("country__geom").filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"There is no export job {job_id}.")
        if job.status != ExportJob.Status.QUEUED:
            raise CommandError(f"Export job {job_id} is {job.status}, not queued.")
        failed = [ran for ran in run_queued_exports(job) if ran.status == ExportJob.Status.FAILED]
        if failed:
            raise CommandError("; ".join(f"export job {ran.pk}: {ran.message}" for ran in failed))
