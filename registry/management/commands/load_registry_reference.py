"""Load the registry reference data (entity families, legal forms, ILC 2022 template definitions). Idempotent."""

from django.core.management.base import BaseCommand

from registry.reference import load_reference_data


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-templates",
            action="store_true",
            help="Do not create the ILC 2022 template draft for countries that have no working definition yet",
        )

    def handle(self, *args, no_templates, verbosity, **options):
        report = load_reference_data(with_templates=not no_templates)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Registry reference data loaded: {report}."))
