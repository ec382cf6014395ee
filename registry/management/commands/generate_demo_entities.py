"""Generate synthetic demo entities for the five countries (bulk COPY; deterministic per seed).

Replaces any earlier demo entities (real entities are never touched). With
--if-missing, does nothing when the same dataset is already in the database.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.demo import ensure_demo_entities, generate_demo_entities


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=3000, help="How many entities (default: %(default)s)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default: %(default)s)")
        parser.add_argument(
            "--if-missing", action="store_true", help="Skip when this exact dataset is already in the database"
        )

    def handle(self, *args, count, seed, if_missing, verbosity, **options):
        if count < 0:
            raise CommandError(f"--count must be 0 or more, got {count}.")
        with tqdm(total=count, disable=verbosity < 1, unit=" entities", file=self.stderr._out) as bar:
            generate = ensure_demo_entities if if_missing else generate_demo_entities
            report = generate(count, seed, progress=bar.update)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Demo entities: {report}."))
