"""The data exchange pages in the researchers' languages: a researcher who switched language reads them in it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from exchange.importing import create_batch
from exchange.models import ImportBatch
from tests.factories import EntityFactory

from .conftest import assert_accounted, csv_bytes


def in_language(user, language):
    """A client logged in as `user` who chose `language` in the language menu."""
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": language, "next": "/data/"})
    assert response.status_code == 302
    return client


def translated(language, *texts):
    with translation.override(language):
        return [translation.gettext(text) for text in texts]


@pytest.mark.django_db
def test_a_researcher_in_thai_reads_the_upload_page_and_a_batch_report_in_thai(researcher, run_import):
    EntityFactory(name="Hợp tác xã Bình Minh")  # at Hà Nội's centre: the second row is held next to it
    batch = run_import(
        csv_bytes(
            [
                ["name", "family", "latitude", "longitude"],
                ["Hợp tác xã Sông Hàn", "cooperative", "16.0544", "108.2022"],
                ["Hợp tác xã Bình Minh 2", "cooperative", "21.0286", "105.8543"],
                ["Bad", "nope", "16.06", "108.21"],
            ]
        )
    )
    assert_accounted(batch)
    assert (batch.imported, batch.held, batch.rejected) == (1, 1, 1)
    client = in_language(researcher, "th")

    page = client.get("/data/").content.decode()
    assert '<html lang="th">' in page
    assert "<h1>การแลกเปลี่ยนข้อมูล</h1>" in page and "Data exchange" not in page
    assert "อัปโหลดและตรวจสอบคอลัมน์" in page and "Upload and check the columns" not in page
    assert "ระยะที่ถือว่าอาจซ้ำกัน (เมตร)" in page and "Possible duplicates within" not in page  # a form label
    assert "การนำเข้าล่าสุด" in page and "Recent imports" not in page
    assert "entities.csv" in page  # the file name is data: never translated

    page = client.get(f"/data/imports/{batch.pk}/").content.decode()
    heading, accounted, register, duplicate = translated(
        "th", "Import %(number)s: %(name)s", "Every row accounted for", "Register as new", "It is a duplicate"
    )
    assert heading != "Import %(number)s: %(name)s"
    assert heading % {"number": batch.pk, "name": "entities.csv"} in page
    assert accounted == "สรุปผลครบทุกแถว" and accounted in page and "Every row accounted for" not in page
    assert register in page and "Register as new" not in page
    assert duplicate in page and "It is a duplicate" not in page
    assert "Back to data exchange" not in page and "กลับไปหน้าการแลกเปลี่ยนข้อมูล" in page
    # The importer's per-row reasons stay as stored (English, as in the rejected rows' CSV).
    assert escape(batch.rows.get(outcome="rejected").reason) in page

    response = client.post(f"/data/imports/{batch.pk}/rows/3/resolve/", {"decision": "duplicate"}, follow=True)
    assert "แถวที่ 3: ยืนยันว่าเป็นรายการซ้ำ ไม่นำเข้า" in response.content.decode()


@pytest.mark.django_db
def test_a_researcher_in_vietnamese_maps_the_columns_in_vietnamese(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = in_language(researcher, "vi")
    response = client.post(
        "/data/",
        {
            "country": "VNM",
            "file": SimpleUploadedFile("khao-sat.csv", "name,city\nHTX A,Huế\nHTX B,Đà Nẵng\n".encode()),
            "source": "survey",
            "duplicate_distance_m": 500,
        },
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "uploaded"
    page = client.get(f"/data/imports/{batch.pk}/columns/").content.decode()
    assert "Mỗi cột điền vào trường nào?" in page and "Which field does each column fill?" not in page
    assert "khao-sat.csv: 2 dòng, đọc theo định dạng csv (utf-8)." in page.replace("\n", " ")
    assert "— không nhập —" in page and "not imported" not in page
    # Column names are the file's own: shown as they are.
    assert '">city</label>' in page

    # A field chosen for two columns: the form's error in Vietnamese, with the columns named.
    response = client.post(f"/data/imports/{batch.pk}/columns/", {"column_0": "name", "column_1": "name"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Trường “name” được chọn cho hai cột: “name” và “city”." in page


@pytest.mark.django_db
def test_the_exchange_pages_stay_english_by_default(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    batch = create_batch(researcher, "VNM", "x.csv", b"name\nx\n", via="page")
    client = Client()
    client.force_login(researcher)
    assert "<h1>Data exchange</h1>" in client.get("/data/").content.decode()
    assert f"Import {batch.pk}: x.csv" in client.get(f"/data/imports/{batch.pk}/").content.decode()
