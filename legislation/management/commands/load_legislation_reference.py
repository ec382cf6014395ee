"""Load the R193 checklist, the five countries' legal instruments and known reform processes. Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from legislation.reference import ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite instruments already in the database with the fixture's facts (loses edits made since)",
        )

    def handle(self, *args, update, verbosity, **options):
        try:
            report = load_reference_data(update=update)
        except ReferenceDataError as error:
            raise CommandError(str(error)) from None
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Legislation reference data loaded: {report}."))
