"""Recompute every entity's stored administrative area for the boundaries in force on a date.

Run it when a boundary change takes effect (Viet Nam's 34 provinces from
2025-07-01 are the example) or after editing boundaries by hand;
`load_boundaries` runs it by itself whenever it changes an area.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from registry.location import assign_admin_areas
from registry.models import Country


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--country", help="ISO 3166-1 alpha-3 code (default: every country)")
        parser.add_argument("--on", help="Date whose boundaries apply, YYYY-MM-DD (default: today)")

    def handle(self, *args, country, on, verbosity, **options):
        if country and not Country.objects.filter(iso3=country.upper()).exists():
            raise CommandError(
                f"--country {country!r}: not one of {', '.join(Country.objects.values_list('iso3', flat=True))}"
            )
        try:
            day = datetime.date.fromisoformat(on) if on else None
        except ValueError:
            raise CommandError(f"--on {on!r}: expected a date as YYYY-MM-DD") from None
        changed = assign_admin_areas(country=country.upper() if country else None, on=day)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Areas recomputed: {changed} entities moved to another area."))
