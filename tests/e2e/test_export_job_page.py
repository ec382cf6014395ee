"""A background export's page in a real browser: it follows the job's progress and offers the file when ready."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def export_job(django_db_blocker, settings, tmp_path):
    from django.core.management import call_command

    from exchange.models import ExportJob
    from tests.factories import EntityFactory, user_with_role

    settings.MEDIA_ROOT = tmp_path
    # The test runs the job itself, below: the page's progress poll must not start a detached worker
    # (it would read the job from the configured database, not the test one).
    settings.EXPORT_WORKERS = 0
    call_command("load_boundaries", verbosity=0)
    call_command("load_registry_reference", verbosity=0)
    for number in range(3):
        EntityFactory(name=f"Hợp tác xã số {number}")
    researcher = user_with_role("researcher", "VNM")
    # As the download page queues it for a large export (exchange.export_jobs.ask_for_export).
    return ExportJob.objects.create(
        created_by=researcher, country_id="VNM", file_format="csv", rows_total=3, filename="sse-entities.csv"
    )


def test_the_export_page_waits_for_the_file_and_then_offers_it(export_job, page, live_server, login, screenshot):
    from exchange.export_jobs import run_export_job

    login("researcher-vnm")
    page.context.add_cookies([{"name": "django_language", "value": "vi", "url": live_server.url}])
    page.goto(f"{live_server.url}/data/exports/{export_job.pk}/")
    assert page.locator("[data-role=status]").inner_text() == "Đang chờ xử lý"
    assert page.locator("a", has_text="Tải tệp xuống").count() == 0
    screenshot("export-job-queued-vi")

    run_export_job(export_job)  # what the detached worker does; the page polls and reloads by itself

    link = page.locator("a", has_text="Tải tệp xuống")
    link.wait_for(timeout=10_000)
    assert page.locator("[data-role=status]").inner_text() == "Sẵn sàng"
    screenshot("export-job-ready-vi")
    with page.expect_download() as download_info:
        link.click()
    text = download_info.value.path().read_text(encoding="utf-8-sig")
    assert text.count("Hợp tác xã số") == 3
    # The data exchange page lists the prepared download.
    page.goto(f"{live_server.url}/data/")
    assert page.locator("a", has_text="sse-entities.csv").count() == 1
    screenshot("data-exchange-vi")
    assert page.blocked_requests == [] and page.console_errors == []
