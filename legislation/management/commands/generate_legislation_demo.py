"""Rate the demo instruments with synthetic assessments marked as demo (never over a real rating). Idempotent."""

from django.core.management.base import BaseCommand

from legislation.demo import generate_demo_assessments, remove_demo_assessments


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="Delete every demo assessment instead")

    def handle(self, *args, remove, verbosity, **options):
        if remove:
            count = remove_demo_assessments()
            message = f"{count} demo assessments removed."
        else:
            count = generate_demo_assessments()
            message = f"{count} demo assessments created (marked demo)."
        if verbosity:
            self.stdout.write(self.style.SUCCESS(message))
