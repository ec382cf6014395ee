"""Running an uploaded import in the background, so the upload request returns at once.

The batch is run by `manage.py import_entities --batch <id>` in a detached
process started after the upload's transaction commits: the import survives
the request, uses its own memory and database connection, and stores its
progress on the batch, which the batch page polls.
"""

import subprocess
import sys

from django.conf import settings
from django.db import transaction

from .models import ImportBatch


def import_command(batch_id):
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_entities", "--batch", str(batch_id), "-v0"]


def start_import(batch):
    """Queue the batch and start its detached worker once the current transaction commits."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED, stage="queued")
    batch.status = ImportBatch.Status.QUEUED
    log_dir = settings.MEDIA_ROOT / "imports"

    def launch():
        log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_dir / f"batch-{batch.pk}.log", "ab") as log:
            subprocess.Popen(  # noqa: S603 (a fixed command with our own interpreter and an integer id)
                import_command(batch.pk),
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=settings.BASE_DIR,
            )

    transaction.on_commit(launch)
