"""Large downloads: prepared in the background for the user who asked, private to them, kept for a few days."""

import csv
import datetime
import io
from pathlib import Path

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from exchange import exporting
from exchange.background import export_command
from exchange.models import ExportJob
from registry.models import CountryRole
from tests.factories import EntityFactory, user_with_role


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def small_limits(monkeypatch, settings, tmp_path):
    """Limits of two entities, so three make a 'large' export without generating thousands of rows."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exporting, "DIRECT_LIMIT_FILE", 2)
    monkeypatch.setattr(exporting, "DIRECT_LIMIT_STREAMED", 2)
    for number in range(3):
        EntityFactory(name=f"Hợp tác xã số {number}", contact_email=f"htx{number}@example.org")


def ask(client, query, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.get(f"/data/export/?{query}")
    return response, callbacks


@pytest.mark.django_db
def test_a_large_export_is_prepared_in_the_background_and_downloaded_when_ready(
    researcher, small_limits, django_capture_on_commit_callbacks
):
    client = logged_in(researcher)
    response, callbacks = ask(client, "format=xlsx&country=VNM", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    # The request returns at once with the job's page; the worker starts after the commit.
    assert response.status_code == 302 and response["Location"] == f"/data/exports/{job.pk}/"
    assert len(callbacks) == 1 and export_command(job.pk)[-4:] == ["export_entities", "--job", str(job.pk), "-v0"]
    page = client.get(response["Location"]).content.decode()
    assert "Queued" in page and "3 entities" in page and "Download the file" not in page
    assert client.get(f"/data/exports/{job.pk}/file/").status_code == 404
    assert client.get(f"/data/exports/{job.pk}/progress.json").json()["status"] == "queued"

    call_command("export_entities", job=job.pk, verbosity=0)  # what the detached worker runs

    progress = client.get(f"/data/exports/{job.pk}/progress.json").json()
    assert progress["finished"] and progress["percent"] == 100 and progress["stage"] == "3 / 3"
    page = client.get(f"/data/exports/{job.pk}/").content.decode()
    assert "Ready" in page and "Download the file" in page
    download = client.get(f"/data/exports/{job.pk}/file/")
    assert download["Content-Disposition"].startswith('attachment; filename="sse-entities-')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(download.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    names = sorted(row[header.index("name")] for row in rows[1:])
    assert names == ["Hợp tác xã số 0", "Hợp tác xã số 1", "Hợp tác xã số 2"]
    assert "htx0@example.org" in {row[header.index("contact_email")] for row in rows[1:]}
    # The data exchange page lists the user's prepared downloads.
    assert f"/data/exports/{job.pk}/" in client.get("/data/").content.decode()


@pytest.mark.django_db
def test_a_large_streamed_format_is_queued_too_and_small_ones_are_sent_at_once(
    researcher, small_limits, django_capture_on_commit_callbacks, monkeypatch
):
    client = logged_in(researcher)
    response, _ = ask(client, "format=geojson&country=VNM", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    call_command("export_entities", job=ExportJob.objects.get().pk, verbosity=0)
    collection = orjson.loads(client.get(response["Location"] + "file/").getvalue())
    assert len(collection["features"]) == 3

    monkeypatch.setattr(exporting, "DIRECT_LIMIT_STREAMED", 3)
    response, callbacks = ask(client, "format=geojson&country=VNM", django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.streaming and not callbacks
    assert len(orjson.loads(response.getvalue())["features"]) == 3
    assert ExportJob.objects.count() == 1


@pytest.mark.django_db
def test_only_the_asker_gets_the_job_and_its_file(
    researcher, committee, other_researcher, small_limits, django_capture_on_commit_callbacks
):
    response, _ = ask(logged_in(researcher), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    call_command("export_entities", job=job.pk, verbosity=0)
    administrator = user_with_role(CountryRole.Role.ADMINISTRATOR, username="admin-export")
    for someone in (committee, other_researcher, administrator):
        client = logged_in(someone)
        for suffix in ("", "progress.json", "file/"):
            assert client.get(f"/data/exports/{job.pk}/{suffix}").status_code == 403, (someone, suffix)
        assert f"/data/exports/{job.pk}/" not in client.get("/data/").content.decode()
    anonymous = Client().get(f"/data/exports/{job.pk}/file/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


@pytest.mark.django_db
def test_the_job_exports_with_the_roles_held_when_it_runs(researcher, small_limits, django_capture_on_commit_callbacks):
    ask(logged_in(researcher), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    CountryRole.objects.filter(user=researcher).delete()  # the role is withdrawn before the worker runs
    call_command("export_entities", job=job.pk, verbosity=0)
    job.refresh_from_db()
    text = job.file.open("rb").read().decode("utf-8-sig")
    assert job.status == "done" and text.splitlines()[1:] == [] and "example.org" not in text


@pytest.mark.django_db
def test_expired_exports_are_deleted_with_their_files(researcher, small_limits, django_capture_on_commit_callbacks):
    client = logged_in(researcher)
    ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    old = ExportJob.objects.get()
    call_command("export_entities", job=old.pk, verbosity=0)
    old.refresh_from_db()
    path = old.file.path
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    assert list(ExportJob.objects.values_list("status", flat=True)) == ["queued"]
    assert not Path(path).exists()


@pytest.mark.django_db
def test_export_command_writes_what_the_user_may_read(researcher, committee, settings, tmp_path):
    EntityFactory(name="HTX <b>Tải</b>", contact_email="tai@example.org")
    output = tmp_path / "vnm.csv"
    call_command("export_entities", str(output), user=researcher.username, country="vnm", verbosity=0)
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert [(row["name"], row["contact_email"]) for row in rows] == [("HTX <b>Tải</b>", "tai@example.org")]

    output = tmp_path / "all.geojson"
    call_command("export_entities", str(output), user=committee.username, format="geojson", verbosity=0)
    assert len(orjson.loads(output.read_bytes())["features"]) == 1

    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("export_entities", str(output), user="nobody", verbosity=0)
    with pytest.raises(CommandError, match="Unknown country 'XXX'"):
        call_command("export_entities", str(output), user=researcher.username, country="XXX", verbosity=0)
    with pytest.raises(CommandError, match="Give an OUTPUT file and --user"):
        call_command("export_entities", verbosity=0)
    with pytest.raises(CommandError, match="no export job 999"):
        call_command("export_entities", job=999, verbosity=0)


@pytest.mark.django_db
def test_asking_again_gives_the_same_job_and_one_person_cannot_queue_many(
    researcher, small_limits, django_capture_on_commit_callbacks
):
    from exchange.background import reserve_export_worker

    client = logged_in(researcher)
    first, callbacks = ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    assert len(callbacks) == 1 and reserve_export_worker(ExportJob.objects.get())  # the worker it starts
    again, _ = ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    assert again["Location"] == first["Location"] and ExportJob.objects.count() == 1
    assert not reserve_export_worker(ExportJob.objects.get())  # no second worker for the same export
    ask(client, "format=xlsx&country=VNM", django_capture_on_commit_callbacks)
    refused, callbacks = ask(client, "format=gpkg&country=VNM", django_capture_on_commit_callbacks)
    assert refused.status_code == 302 and refused["Location"] == "/data/" and not callbacks
    page = client.get("/data/").content.decode()
    assert "2 of your downloads are still being prepared" in page and ExportJob.objects.count() == 2


@pytest.mark.django_db
def test_a_job_whose_worker_stopped_is_marked_failed_and_can_be_asked_for_again(
    researcher, small_limits, django_capture_on_commit_callbacks
):
    client = logged_in(researcher)
    ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    stuck = ExportJob.objects.get()
    ExportJob.objects.filter(pk=stuck.pk).update(
        status="running", created_at=timezone.now() - datetime.timedelta(hours=3)
    )
    response, callbacks = ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "stopped before it finished" in stuck.message
    assert len(callbacks) == 1 and response["Location"] != f"/data/exports/{stuck.pk}/"
    assert "stopped before it finished" in client.get(f"/data/exports/{stuck.pk}/").content.decode()


@pytest.mark.django_db
def test_exports_wait_for_a_free_worker_and_a_worker_takes_the_waiting_ones(
    researcher, committee, small_limits, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_WORKERS = 1
    busy = ExportJob.objects.create(
        created_by=committee, country_id="VNM", file_format="csv", rows_total=3, filename="busy.csv", status="running"
    )
    client = logged_in(researcher)
    # Every worker busy: the callback starts nothing (no worker, so no worker log), and the job waits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/data/export/?format=csv&country=VNM")
    waiting = ExportJob.objects.get(created_by=researcher, file_format="csv")
    assert response["Location"] == f"/data/exports/{waiting.pk}/" and waiting.status == "queued"
    assert not (settings.MEDIA_ROOT / "exports" / f"job-{waiting.pk}.log").exists()
    ask(client, "format=geojson&country=VNM", django_capture_on_commit_callbacks)
    # When the busy worker ends, the next worker to run takes every waiting job, oldest first.
    ExportJob.objects.filter(pk=busy.pk).update(status="done")
    call_command("export_entities", job=waiting.pk, verbosity=0)
    statuses = dict(ExportJob.objects.filter(created_by=researcher).values_list("file_format", "status"))
    assert statuses == {"csv": "done", "geojson": "done"}


@pytest.mark.django_db
def test_a_job_is_run_by_one_worker_only(researcher, small_limits, django_capture_on_commit_callbacks):
    from exchange.export_jobs import run_export_job

    ask(logged_in(researcher), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    stale_copy = ExportJob.objects.get(pk=job.pk)  # what a second worker read before the first claimed it
    assert run_export_job(job).status == "done"
    assert run_export_job(stale_copy) is None
    assert ExportJob.objects.get(pk=job.pk).file.name == job.file.name


@pytest.mark.django_db
def test_workers_just_started_count_against_the_limit_so_quick_requests_do_not_start_too_many(
    researcher, committee, small_limits, settings, django_capture_on_commit_callbacks
):
    from exchange.background import reserve_export_worker

    settings.EXPORT_WORKERS = 1
    # Two people ask in quick succession: the first one's worker has not yet claimed its job.
    ask(logged_in(researcher), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    ask(logged_in(committee), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    first, second = ExportJob.objects.get(created_by=researcher), ExportJob.objects.get(created_by=committee)
    assert reserve_export_worker(first) is True  # what the first request's commit decides
    first.refresh_from_db()
    assert first.status == "queued" and first.launched_at is not None
    assert reserve_export_worker(second) is False, "the one worker allowed is starting: the second job waits"
    assert reserve_export_worker(first) is False, "a job being started is not started twice"
    # Once the first worker has claimed its job and finished it, the second job may have a worker.
    ExportJob.objects.filter(pk=first.pk).update(status="done")
    assert reserve_export_worker(second) is True


@pytest.mark.django_db
def test_the_job_page_poll_starts_a_waiting_job_and_restarts_one_whose_worker_never_started(
    researcher, small_limits, settings, django_capture_on_commit_callbacks
):
    from exchange.background import LAUNCH_GRACE, reserve_export_worker

    client = logged_in(researcher)
    ask(client, "format=csv&country=VNM", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    progress_url = f"/data/exports/{job.pk}/progress.json"
    # Each poll of a waiting job offers it to a worker (the decision runs after the response's commit).
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.get(progress_url).json()["status"] == "queued"
    assert len(callbacks) == 1
    assert reserve_export_worker(job) is True
    launched = ExportJob.objects.get(pk=job.pk).launched_at
    assert reserve_export_worker(job) is False  # its worker is starting
    # A worker that has not claimed its job within the grace period never will: the next poll replaces it.
    ExportJob.objects.filter(pk=job.pk).update(launched_at=launched - LAUNCH_GRACE - datetime.timedelta(seconds=1))
    assert reserve_export_worker(job) is True
    # Running or finished jobs are not offered again.
    ExportJob.objects.filter(pk=job.pk).update(status="running")
    with django_capture_on_commit_callbacks() as callbacks:
        client.get(progress_url)
    assert callbacks == []


@pytest.mark.django_db
def test_a_running_job_whose_worker_went_silent_gives_up_its_place(
    researcher, committee, small_limits, settings, django_capture_on_commit_callbacks
):
    from exchange.background import STALLED_AFTER, reserve_export_worker
    from exchange.export_jobs import run_export_job

    settings.EXPORT_WORKERS = 1
    now = timezone.now()
    running = ExportJob.objects.create(
        created_by=committee, country_id="VNM", file_format="csv", rows_total=3, filename="a.csv", status="running"
    )
    ask(logged_in(researcher), "format=csv&country=VNM", django_capture_on_commit_callbacks)
    waiting = ExportJob.objects.get(created_by=researcher)
    # A worker that reported a minute ago keeps its place.
    ExportJob.objects.filter(pk=running.pk).update(heartbeat_at=now - datetime.timedelta(minutes=1))
    assert reserve_export_worker(waiting) is False
    # Silent for longer than STALLED_AFTER, it is taken for dead: its job fails and the waiting one starts.
    ExportJob.objects.filter(pk=running.pk).update(heartbeat_at=now - STALLED_AFTER - datetime.timedelta(seconds=1))
    assert reserve_export_worker(waiting) is True
    running.refresh_from_db()
    assert running.status == "failed" and "stopped before it finished" in running.message
    # A worker's progress is its sign of life.
    finished = run_export_job(waiting)
    assert finished.status == "done" and ExportJob.objects.get(pk=waiting.pk).heartbeat_at >= now
