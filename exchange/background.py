"""Running imports and large exports in the background, so the request that asks for them returns at once.

The work is done by a manage.py command (`import_entities --batch <id>`,
`export_entities --job <id>`) in a detached process started after the
request's transaction commits: it survives the request, uses its own memory
and database connection, and stores its progress on its row, which the
row's page polls.
"""

import subprocess
import sys

from django.conf import settings
from django.db import transaction

from .models import ExportJob, ImportBatch


def manage_command(*arguments):
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), *arguments, "-v0"]


def import_command(batch_id):
    return manage_command("import_entities", "--batch", str(batch_id))


def export_command(job_id):
    return manage_command("export_entities", "--job", str(job_id))


def export_log_name(job_id):
    return f"exports/job-{job_id}.log"


def launch_after_commit(command, log_name, only_if=None):
    """Start `command` detached (its output to MEDIA_ROOT/<log_name>) once the current transaction commits,
    if `only_if()` (asked then) is true."""
    log_path = settings.MEDIA_ROOT / log_name

    def launch():
        if only_if is not None and not only_if():
            return
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            subprocess.Popen(  # noqa: S603 (a fixed command with our own interpreter and an integer id)
                command,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=settings.BASE_DIR,
            )

    transaction.on_commit(launch)


def start_import(batch):
    """Queue the batch and start its detached worker once the current transaction commits."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED, stage="queued")
    batch.status = ImportBatch.Status.QUEUED
    launch_after_commit(import_command(batch.pk), f"imports/batch-{batch.pk}.log")


def start_export(job):
    """Start a detached worker for the queued job once the current transaction commits, unless
    EXPORT_WORKERS are already running: the job then waits, and a running worker takes it when it has
    finished its own (export_jobs.run_queued_exports). Two requests at the same moment may both start one
    (the count is read, not locked); the claim in run_export_job keeps each job to one worker."""
    assert job.status == ExportJob.Status.QUEUED

    def free():
        return ExportJob.objects.filter(status=ExportJob.Status.RUNNING).count() < settings.EXPORT_WORKERS

    launch_after_commit(export_command(job.pk), export_log_name(job.pk), only_if=free)
