"""Render a map edition's printed pack to PDF and PNG files: manage.py render_edition VNM 3 --output packs/"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mapping.models import MapEdition
from mapping.packs import render_pack


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("country", help="ISO 3166-1 alpha-3 code, e.g. VNM")
        parser.add_argument("number", type=int, help="Edition number")
        parser.add_argument("--output", default=".", help="Folder for the files (default: the current folder)")

    def handle(self, *args, country, number, output, verbosity, **options):
        edition = (
            MapEdition.objects.select_related("committee__country")
            .filter(committee__country_id=country.upper(), number=number)
            .first()
        )
        if edition is None:
            raise CommandError(f"{country.upper()} has no map edition number {number}.")
        folder = Path(output)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        pack = render_pack(edition, png=True)
        stem = f"{edition.country_id}-edition-{edition.number}"
        (folder / f"{stem}.pdf").write_bytes(pack.pdf)
        (folder / f"{stem}.png").write_bytes(pack.png)
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{stem}.pdf ({pack.page_count} pages) and {stem}.png written to {folder} "
                    f"in {time.perf_counter() - start:.1f} s"
                )
            )
