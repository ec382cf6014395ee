"""Load the five countries and their first-level areas from fixtures/boundaries (idempotent)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.boundaries import BOUNDARY_DIR, BoundaryDataError, BoundaryLoader


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", default=str(BOUNDARY_DIR), help="Folder holding the boundary files (default: %(default)s)"
        )

    def handle(self, *args, directory, verbosity, **options):
        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=verbosity < 1, file=self.stderr._out, **kwargs)

        try:
            report = BoundaryLoader(directory, progress=progress).load()
        except BoundaryDataError as exc:
            raise CommandError(f"Boundaries not loaded, nothing changed. {exc}") from exc
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Boundaries loaded: {report}."))
        if report.created or report.updated:
            # An entity's area is derived from its point: boundaries changed, so derive it again.
            call_command("assign_areas", verbosity=verbosity)
