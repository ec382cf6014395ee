"""Import SSE entities from a file into one country's registry (the same importer as the upload page and API).

manage.py import_entities FILE --country VNM [--mapping MAPPING] [--dry-run]
manage.py import_entities --batch 42      # run a batch uploaded on the page (the page starts this)
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from exchange.columns import MappingError, parse_mapping_text
from exchange.importing import GEOMETRY_COLUMNS, create_batch, run_batch
from exchange.models import ImportBatch
from exchange.reading import ImportFileError
from registry.models import Country, Entity


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile")
        parser.add_argument("--country", help="ISO 3166-1 alpha-3 code of the registry to import into, e.g. VNM")
        parser.add_argument("--mapping", help='Mapping file: JSON {"field": "column"} or lines "field = column"')
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing")
        parser.add_argument("--encoding", default="", help="The file's encoding if known (otherwise detected)")
        parser.add_argument("--source", default=Entity.Source.IMPORT, choices=Entity.Source.values)
        parser.add_argument("--description", default="", help="Where the file comes from (provenance)")
        parser.add_argument("--user", help="Username recorded as the importer in the history")
        parser.add_argument("--duplicate-distance", type=int, default=500, help="Metres (default 500)")
        parser.add_argument("--name-similarity", type=float, default=0.6, help="0..1 trigram similarity (0.6)")
        parser.add_argument("--batch", type=int, help="Run an already uploaded batch by its id")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="Language of the batch's reasons and warnings, as a researcher reads them (default: en)",
        )

    def handle(self, *args, **options):
        if options["batch"]:
            batch = ImportBatch.objects.filter(pk=options["batch"]).first()
            if batch is None:
                raise CommandError(f"There is no import batch {options['batch']}.")
        else:
            batch = self._new_batch(options)
        bar = tqdm(total=0, unit="row", desc="reading", disable=options["verbosity"] == 0, file=self.stderr)

        def progress(stage, done, total):
            bar.total = total
            bar.set_description(stage)
            bar.n = done
            bar.refresh()

        try:
            batch = run_batch(batch, progress)
        finally:
            bar.close()
        self._report(batch)
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.message)

    def _new_batch(self, options):
        if not options["file"] or not options["country"]:
            raise CommandError("Give a FILE and --country (or --batch ID).")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        country = Country.objects.filter(pk=options["country"].upper()).first()
        if country is None:
            known = ", ".join(Country.objects.values_list("pk", flat=True))
            raise CommandError(f"Unknown country {options['country']!r}; one of {known}.")
        mapping = {}
        if options["mapping"]:
            try:
                mapping = parse_mapping_text(Path(options["mapping"]).read_text(encoding="utf-8"))
            except (OSError, MappingError) as error:
                raise CommandError(str(error)) from error
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        try:
            with translation.override(options["language"]):  # the batch keeps it: its reasons are written in it
                return self._create(user, country, path, mapping, options)
        except ImportFileError as error:
            raise CommandError(str(error)) from error

    def _create(self, user, country, path, mapping, options):
        return create_batch(
            user,
            country,
            path.name,
            path.read_bytes(),
            via="command",
            mapping=mapping,
            dry_run=options["dry_run"],
            declared_encoding=options["encoding"],
            entity_source=options["source"],
            description=options["description"],
            duplicate_distance_m=options["duplicate_distance"],
            name_similarity=options["name_similarity"],
        )

    def _report(self, batch):
        if batch.status != ImportBatch.Status.DONE:
            return
        write = self.stdout.write
        prefix, would = ("DRY RUN (nothing written): ", "would be ") if batch.dry_run else ("", "")
        write(
            f"{prefix}batch {batch.pk}: {batch.rows_in} rows in = {batch.imported} {would}imported "
            f"+ {batch.updated} {would}updated + {batch.unchanged} unchanged + {batch.held} held as possible "
            f"duplicates + {batch.rejected} rejected"
        )
        # The page shows the columns and the field each fills before the import; here it is said after.
        mapping = batch.resolved_mapping or {}
        write("columns read: " + ", ".join(f"{field} <- {column!r}" for field, column in mapping.items()))
        used = set(mapping.values())
        geometry = batch.file_format in {"geojson", "gpkg", "shapefile"}
        ignored = [c for c in batch.columns if c not in used and not (geometry and c in GEOMETRY_COLUMNS)]
        if ignored:
            write(f"columns not imported ({len(ignored)}): " + ", ".join(repr(column) for column in ignored))
        for warning in batch.warnings:
            write(self.style.WARNING(f"warning: {warning}"))
        problems = batch.rows.exclude(outcome__in=["imported", "updated", "unchanged"]).order_by("row_number")
        for row in problems[:50]:
            write(f"  row {row.row_number} {row.outcome}: {row.reason}")
        if batch.held + batch.rejected > 50:
            write(f"  ... and {batch.held + batch.rejected - 50} more: see the batch page")
