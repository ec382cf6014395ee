"""The researchers' data exchange pages: upload, column mapping, background run, report, held rows, downloads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from exchange.exporting import export
from exchange.models import ImportBatch
from registry.models import Entity
from tests.factories import EntityFactory

from .conftest import csv_bytes


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_upload_map_columns_run_in_background_and_report(
    researcher, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    EntityFactory(name="Hợp tác xã Bình Minh")  # at Hà Nội's centre
    raw = (
        "Tên,Loại,lat,lon\n"
        "<script>alert(1)</script>,cooperative,16.0544,108.2022\n"
        "Hợp tác xã Bình Minh 2,cooperative,21.0286,105.8543\n"
        "Bad,nope,16.06,108.21\n"
    ).encode()
    client = logged_in(researcher)
    response = client.post(
        "/data/",
        {
            "country": "VNM",
            "file": SimpleUploadedFile("survey.csv", raw),
            "source": "survey",
            "duplicate_distance_m": 500,
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{batch.pk}/columns/")
    page = client.get(response["Location"]).content.decode()
    assert "Tên" in page and "&lt;script&gt;" in page and "<script>alert(1)" not in page
    columns = {"column_0": "name", "column_1": "family", "column_2": "latitude", "column_3": "longitude"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/data/imports/{batch.pk}/columns/", columns)
    assert response.status_code == 302 and len(callbacks) == 1
    assert client.get(f"/data/imports/{batch.pk}/progress.json").json()["status"] == "queued"
    call_command("import_entities", batch=batch.pk, verbosity=0)  # what the detached worker runs
    progress = client.get(f"/data/imports/{batch.pk}/progress.json").json()
    assert progress["finished"] and progress["percent"] == 100
    page = client.get(f"/data/imports/{batch.pk}/").content.decode()
    assert "&lt;script&gt;" not in page or "<script>alert(1)</script>" not in page
    batch.refresh_from_db()
    assert (batch.rows_in, batch.imported, batch.held, batch.rejected) == (3, 1, 1, 1)
    assert "possible duplicate" in page and "Register as new" in page
    csv_text = client.get(f"/data/imports/{batch.pk}/rejected.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("row,field,reason") and "nope" in csv_text
    response = client.post(f"/data/imports/{batch.pk}/rows/3/resolve/", {"decision": "new"})
    assert response.status_code == 302
    registered = Entity.objects.get(name="Hợp tác xã Bình Minh 2")
    # The row now says what was decided and links the entity it became.
    assert (
        f'<a href="{registered.get_absolute_url()}">{registered.registry_number}</a>'
        in client.get(f"/data/imports/{batch.pk}/").content.decode()
    )


@pytest.mark.django_db
def test_pages_refuse_other_roles(researcher, committee, other_researcher, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    assert client.get("/data/").status_code == 302  # to the login page
    from exchange.importing import create_batch

    batch = create_batch(researcher, "VNM", "x.csv", b"name\nx\n", via="page")
    assert logged_in(other_researcher).get(f"/data/imports/{batch.pk}/").status_code == 403
    assert logged_in(committee).get(f"/data/imports/{batch.pk}/progress.json").status_code == 403
    response = logged_in(committee).post("/data/", {"country": "VNM", "file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 403


@pytest.mark.django_db
def test_upload_of_a_wrong_file_type_is_reported_on_the_page(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = logged_in(researcher)
    client.post(
        "/data/",
        {
            "country": "VNM",
            "file": SimpleUploadedFile("a.csv", b"%PDF-1.4 x"),
            "source": "survey",
            "duplicate_distance_m": 500,
        },
    )
    batch = ImportBatch.objects.get()
    response = client.get(f"/data/imports/{batch.pk}/columns/", follow=True)
    page = response.content.decode()
    assert page.count("is a PDF document") == 1, page  # said once, on the batch's page


@pytest.mark.django_db
def test_the_export_form_says_what_a_shapefile_cuts_short(researcher):
    # Measured: 100 Khmer letters (300 bytes of UTF-8) come back from a Shapefile as 84.
    page = logged_in(researcher).get("/data/").content.decode()
    assert "A Shapefile keeps at most 254 bytes of each text" in page and "GeoPackage keeps every character" in page


@pytest.mark.django_db
def test_download_respects_roles(researcher, committee):
    EntityFactory(name="HTX Tải", contact_email="x@example.org")
    EntityFactory(
        country_id="THA",
        name="Thai",
        point=__import__("django.contrib.gis.geos", fromlist=["Point"]).Point(100.5, 13.75, srid=4326),
    )
    text = logged_in(researcher).get("/data/export/?format=csv").getvalue().decode("utf-8-sig")
    assert "HTX Tải" in text and "x@example.org" in text and "Thai" not in text
    # The committee of Viet Nam reads its own registry only (the researcher's country, here).
    committee_text = logged_in(committee).get("/data/export/?format=csv").getvalue().decode("utf-8-sig")
    assert "HTX Tải" in committee_text and "Thai" not in committee_text
    assert logged_in(committee).get("/data/export/?format=csv&country=THA").status_code == 400
    assert logged_in(researcher).get("/data/export/?format=exe").status_code == 400


@pytest.mark.django_db
def test_a_refused_download_shows_the_data_page_with_the_reason_beside_the_field(researcher):
    client = logged_in(researcher)
    bare = client.get("/data/export/")
    assert bare.status_code == 302 and bare["Location"] == "/data/"
    refused = client.get("/data/export/?format=exe&country=VNM")
    html = refused.content.decode()
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/html")
    assert 'id="download"' in html and "errorlist" in html and "exe" in html
    bad_filter = client.get("/data/export/?format=csv&country=VNM&status=asleep")
    assert bad_filter.status_code == 400
    assert "These filters cannot be used for a download" in bad_filter.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "essglobal", "geojson", "murmurations", "xlsx", "gpkg", "shapefile"])
def test_downloads_are_sent_as_they_are_written_and_match_the_export(researcher, file_format):
    """Text and JSON formats stream while the rows are read; file formats come from a temporary file."""
    for number in range(5):
        EntityFactory(name=f"HTX số {number}", contact_email=f"{number}@example.org")
    response = logged_in(researcher).get(f"/data/export/?format={file_format}&country=VNM")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="sse-entities-')
    body = response.getvalue()
    vnm = Entity.objects.filter(country_id="VNM")
    expected, content_type, _ = export(researcher, vnm, file_format, base_url="http://testserver")
    assert response["Content-Type"] == content_type
    if file_format in {"csv", "essglobal", "geojson", "murmurations"}:
        assert body == expected
        assert body.decode("utf-8-sig").count("HTX số") == 5
    else:
        # Workbooks, GeoPackages and zips carry timestamps, so compare sizes, not bytes.
        assert abs(len(body) - len(expected)) < 64 and len(body) > 1000


@pytest.mark.django_db
def test_a_dry_runs_page_says_what_would_be_written(researcher, settings, tmp_path):
    from exchange.importing import create_batch, run_batch

    settings.MEDIA_ROOT = tmp_path
    raw = b"name,family,latitude,longitude\nHTX thu,cooperative,21.0285,105.8542\n"
    batch = run_batch(create_batch(researcher, "VNM", "dry.csv", raw, via="command", dry_run=True))
    assert (batch.imported, Entity.objects.count()) == (1, 0)
    page = logged_in(researcher).get(f"/data/imports/{batch.pk}/").content.decode()
    assert "Would be imported (dry run)" in page and ">Imported<" not in page
    assert "writing to the registry" not in page
    client = logged_in(researcher)
    client.cookies["django_language"] = "vi"
    assert "Sẽ được nhập (chạy thử)" in client.get(f"/data/imports/{batch.pk}/").content.decode()


@pytest.mark.django_db
def test_a_mapping_without_a_name_column_is_refused_on_the_mapping_page(
    researcher, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = logged_in(researcher)
    raw = b"Name,family,lat,lon\nHTX,cooperative,21.0285,105.8542\n"
    client.post(
        "/data/",
        {"country": "VNM", "file": SimpleUploadedFile("s.csv", raw), "source": "survey", "duplicate_distance_m": 500},
    )
    batch = ImportBatch.objects.get()
    unmapped = {"column_0": "", "column_1": "family", "column_2": "latitude", "column_3": "longitude"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/data/imports/{batch.pk}/columns/", unmapped)
    # The page comes back with the reason and the columns to choose again; nothing has started.
    assert response.status_code == 200 and not callbacks
    assert "No column gives the entity&#x27;s name" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED
    mapped = {**unmapped, "column_0": "name"}
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(f"/data/imports/{batch.pk}/columns/", mapped).status_code == 302
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_an_import_no_worker_took_is_started_again_and_one_whose_worker_died_fails(
    researcher, settings, tmp_path, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from exchange.background import IMPORT_STALLED_MESSAGE, start_import
    from exchange.importing import create_batch, run_batch

    settings.MEDIA_ROOT = tmp_path
    raw = b"name,family,latitude,longitude\nHTX,cooperative,21.0285,105.8542\n"
    batch = create_batch(researcher, "VNM", "q.csv", raw, via="page", status=ImportBatch.Status.UPLOADED)
    with django_capture_on_commit_callbacks():
        start_import(batch)  # its worker never comes (not run here)
    client = logged_in(researcher)
    with django_capture_on_commit_callbacks() as soon:
        client.get(f"/data/imports/{batch.pk}/progress.json")
    assert not soon  # within the grace period: the first worker may still be starting
    ImportBatch.objects.filter(pk=batch.pk).update(queued_at=timezone.now() - datetime.timedelta(minutes=3))
    with django_capture_on_commit_callbacks() as later:
        assert client.get(f"/data/imports/{batch.pk}/progress.json").json()["status"] == "queued"
        client.get(f"/data/imports/{batch.pk}/progress.json")  # a second poll at once starts no second worker
    assert len(later) == 1

    # A worker that takes a batch another worker is running leaves it alone.
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, started_at=timezone.now())
    assert run_batch(ImportBatch.objects.get(pk=batch.pk)).status == ImportBatch.Status.RUNNING
    assert not batch.rows.exists() and not Entity.objects.exists()

    # Running for hours without finishing: its worker died.
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - datetime.timedelta(hours=4))
    progress = client.get(f"/data/imports/{batch.pk}/progress.json").json()
    assert (progress["status"], progress["message"]) == ("failed", IMPORT_STALLED_MESSAGE)


@pytest.mark.django_db
def test_the_batch_page_says_how_many_held_rows_are_still_to_decide(researcher, run_import):
    from exchange.importing import resolve_held_row

    EntityFactory(name="Hợp tác xã Bình Minh")  # at Hà Nội's centre
    header = ["name", "family", "latitude", "longitude"]
    batch = run_import(
        csv_bytes(
            [
                header,
                ["Hợp tác xã Bình Minh 2", "cooperative", "21.0286", "105.8543"],
                ["Hợp tác xã Bình Minh 3", "cooperative", "21.0287", "105.8542"],
            ]
        )
    )
    assert batch.held == 2
    client = logged_in(researcher)
    assert "2 still to decide" in client.get(f"/data/imports/{batch.pk}/").content.decode()
    resolve_held_row(researcher, batch.rows.filter(outcome="held").first(), "duplicate")
    page = client.get(f"/data/imports/{batch.pk}/").content.decode()
    assert "1 still to decide" in page
    # The decided row no longer says it is "to confirm"; its decision stands beside it.
    assert page.count("Held: possible duplicate, to confirm") == 1 and "Held as a possible duplicate" in page


@pytest.mark.django_db
def test_a_held_row_is_shown_beside_the_entity_it_may_duplicate(researcher, run_import):
    existing = EntityFactory(
        name="Hợp tác xã Bình Minh", name_local="HTX Bình Minh", members_total=30, registration_number="0101-HTX"
    )
    header = ["name", "family", "latitude", "longitude", "members_total", "registration_number", "contact_phone"]
    row = ["Hợp tác xã Bình Minh 2", "cooperative", "21.0286", "105.8543", "45", "0101-HTX", "+84 912 000 111"]
    batch = run_import(csv_bytes([header, row]))
    assert batch.held == 1
    html = logged_in(researcher).get(f"/data/imports/{batch.pk}/").content.decode()
    comparison = html[html.index('<details class="comparison"') : html.index("</details>")]
    assert f"This row beside {existing.registry_number}" in comparison
    # What differs is marked; what is the same is not; contact details are not part of the comparison.
    assert '<tr class="differs"><th scope="row">Members (total)</th><td>45</td><td>30</td></tr>' in comparison
    assert '<tr><th scope="row">Registration number</th><td>0101-HTX</td><td>0101-HTX</td></tr>' in comparison
    assert '<tr><th scope="row">Entity family</th><td>Cooperative</td><td>Cooperative</td></tr>' in comparison
    assert '<tr><th scope="row">Name (local script)</th><td>—</td>' in comparison  # blank in the file: no conflict
    assert "+84 912" not in comparison


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_on_the_page_and_through_the_api(researcher, settings, tmp_path):
    from rest_framework.test import APIClient

    settings.MEDIA_ROOT = tmp_path
    settings.EXCHANGE_MAX_UPLOAD_BYTES = 1000
    raw = b"name,family,latitude,longitude\n" + b"HTX,cooperative,21.0285,105.8542\n" * 100
    page = logged_in(researcher).post(
        "/data/",
        {"country": "VNM", "file": SimpleUploadedFile("big.csv", raw), "source": "survey", "duplicate_distance_m": 500},
    )
    assert page.status_code == 200
    assert "the largest file accepted here is 0.0 MB" in page.content.decode()
    api = APIClient()
    api.force_authenticate(researcher)
    response = api.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("big.csv", raw), "country": "VNM"}, format="multipart"
    )
    assert response.status_code == 400 and "largest file accepted" in response.json()["file"][0]
    assert not ImportBatch.objects.exists() and not any(tmp_path.rglob("*.csv"))
