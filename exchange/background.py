"""Running imports and large exports in the background, so the request that asks for them returns at once.

The work is done by a manage.py command (`import_entities --batch <id>`,
`export_entities --job <id>`) in a detached process started after the
request's transaction commits: it survives the request, uses its own memory
and database connection, and stores its progress on its row, which the
row's page polls.
"""

import datetime
import subprocess
import sys

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

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
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED, stage="queued", queued_at=now)
    batch.status, batch.queued_at = ImportBatch.Status.QUEUED, now
    launch_after_commit(import_command(batch.pk), f"imports/batch-{batch.pk}.log")


# An import of a million rows takes minutes; one still "running" after this long has lost its worker.
IMPORT_STALLED_AFTER = datetime.timedelta(hours=3)
IMPORT_STALLED_MESSAGE = (
    "The import stopped before it finished (its worker stopped); nothing was written. Upload the file again."
)


def keep_import_going(batch):
    """Called as the batch's page polls: start its worker again if none took it, fail it if its worker died.

    Each update is conditional on what was read, so two polls at once start one worker, and a worker that
    takes the batch in the meantime (import_entities claims queued -> running) is not started twice.
    """
    now = timezone.now()
    if batch.status == ImportBatch.Status.QUEUED and batch.queued_at and now - batch.queued_at > LAUNCH_GRACE:
        taken = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.QUEUED, queued_at=batch.queued_at)
        if taken.update(queued_at=now):
            batch.queued_at = now
            launch_after_commit(import_command(batch.pk), f"imports/batch-{batch.pk}.log")
    elif (
        batch.status == ImportBatch.Status.RUNNING
        and batch.started_at
        and now - batch.started_at > IMPORT_STALLED_AFTER
    ):
        stalled = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.RUNNING, started_at=batch.started_at
        )
        if stalled.update(status=ImportBatch.Status.FAILED, message=IMPORT_STALLED_MESSAGE, finished_at=now):
            batch.status, batch.message, batch.finished_at = ImportBatch.Status.FAILED, IMPORT_STALLED_MESSAGE, now


# A worker claims its job (queued -> running) as soon as Python and Django have started, within seconds.
# One that has not claimed it after this long never will (it could not start, or was killed): the job may
# then be started again, by the next request or by its page's progress poll.
LAUNCH_GRACE = datetime.timedelta(minutes=2)
# pg_advisory_xact_lock key serialising "is a worker free? then it is this job's": any fixed bigint.
EXPORT_WORKERS_LOCK = 0x5353455F4558  # "SSE_EX"


# A running job's worker reports every 5,000 rows (a few seconds; writing the file out at the end takes
# well under a minute): silent for this long, it has died, and its job must not keep a worker's place.
STALLED_AFTER = datetime.timedelta(minutes=10)
STALLED_MESSAGE = "The export stopped before it finished (its worker stopped). Please ask for it again."


def fail_stalled_exports():
    """Mark running jobs whose worker has been silent for STALLED_AFTER as failed: of everyone, since a
    dead worker's job would otherwise keep one of the EXPORT_WORKERS places for hours."""
    now = timezone.now()
    return ExportJob.objects.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=now - STALLED_AFTER).update(
        status=ExportJob.Status.FAILED, finished_at=now, message=STALLED_MESSAGE
    )


def reserve_export_worker(job):
    """True, and the job marked as started (launched_at), if a worker may be started for it now: it is
    queued, not started within LAUNCH_GRACE, and fewer than EXPORT_WORKERS jobs are running or starting."""
    with transaction.atomic():
        # One decision at a time across all web processes, so that the count and the mark agree.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EXPORT_WORKERS_LOCK])
        fail_stalled_exports()  # a dead worker's job does not keep its place
        just_started = Q(status=ExportJob.Status.QUEUED, launched_at__gte=timezone.now() - LAUNCH_GRACE)
        busy = ExportJob.objects.filter(Q(status=ExportJob.Status.RUNNING) | just_started)
        if busy.filter(pk=job.pk).exists() or busy.count() >= settings.EXPORT_WORKERS:
            return False
        marked = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(launched_at=timezone.now())
        return marked == 1


def start_export(job):
    """Start a detached worker for the queued job once the current transaction commits, if one may be
    started (reserve_export_worker). Otherwise the job waits, and a running worker takes it when it has
    finished its own (export_jobs.run_queued_exports); asking again for it, or its page polling its
    progress, calls this again. The claim in run_export_job keeps each job to one worker in any case."""
    if job.status == ExportJob.Status.QUEUED:
        launch_after_commit(export_command(job.pk), export_log_name(job.pk), only_if=lambda: reserve_export_worker(job))
