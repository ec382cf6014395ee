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
    # The stage, on the page and in the progress its script polls, in words (stored: the code "done").
    with translation.override("th"):
        finished = translation.pgettext("import stage", "finished")
    assert batch.stage == "done" and finished != "finished" and f'<span data-role="stage">{finished}</span>' in page
    assert client.get(f"/data/imports/{batch.pk}/progress.json").json()["stage"] == finished
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
    assert batch.language == "vi"  # its reasons will be written in Vietnamese, whoever runs it
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
    assert "Trường “Tên” được chọn cho hai cột: “name” và “city”." in page  # the field by its Vietnamese name


@pytest.mark.django_db
def test_the_reasons_are_written_in_the_uploaders_language_by_the_background_run(researcher, settings, tmp_path):
    from exchange.importing import run_batch

    settings.MEDIA_ROOT = tmp_path
    rows = [
        ["name", "family", "latitude", "longitude", "members_total", "members_women"],
        ["", "cooperative", "16.05", "108.2", "", ""],  # no name
        ["HTX Băng Cốc", "cooperative", "13.75", "100.5", "", ""],  # in Thailand
        ["HTX Đông", "cooperative", "16.06", "108.21", "5", "9"],  # more women than members
    ]
    with translation.override("vi"):  # the upload request, in Vietnamese
        batch = create_batch(researcher, "VNM", "khao-sat.csv", csv_bytes(rows))
    batch = run_batch(batch)  # the worker thread: no request, English active
    assert_accounted(batch)
    reasons = dict(batch.rows.values_list("row_number", "reason"))
    (required,) = translated("vi", "required: the row has no name")
    assert required != "required: the row has no name" and required in reasons[2]
    assert "Việt Nam" in reasons[3] and "Thái Lan" in reasons[3] and "km" in reasons[3]
    assert "members_women (9)" in reasons[4] and "exceed" not in reasons[4]
    # The warning said once for the file, too.
    assert all(not warning.startswith("The file") for warning in batch.warnings)


@pytest.mark.django_db
def test_the_exchange_pages_stay_english_by_default(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    batch = create_batch(researcher, "VNM", "x.csv", b"name\nx\n", via="page")
    client = Client()
    client.force_login(researcher)
    assert "<h1>Data exchange</h1>" in client.get("/data/").content.decode()
    assert f"Import {batch.pk}: x.csv" in client.get(f"/data/imports/{batch.pk}/").content.decode()


def option(value, label, selected=False):
    """A <select> option as Django renders it."""
    return f'<option value="{value}"{" selected" if selected else ""}>{label}</option>'


@pytest.mark.django_db
def test_choice_labels_of_the_exchange_pages_come_in_thai_while_codes_and_files_stay(researcher, run_import):
    EntityFactory(name="Hợp tác xã Bình Minh")  # at Hà Nội's centre: the second row is held next to it
    batch = run_import(
        csv_bytes(
            [
                ["name", "family", "latitude", "longitude"],
                ["Hợp tác xã Sông Hàn", "cooperative", "16.0544", "108.2022"],
                ["Hợp tác xã Bình Minh 2", "cooperative", "21.0286", "105.8543"],
                ["Bad", "nope", "16.06", "108.21"],
            ]
        ),
        entity_source="survey",
    )
    assert_accounted(batch)
    client = in_language(researcher, "th")
    with translation.override("th"):
        done, held, rejected = (
            translation.pgettext("import status", "Done"),
            translation.pgettext("import row", "Held: possible duplicate, to confirm"),
            translation.pgettext("import row", "Rejected"),
        )
    assert (done, held, rejected) == ("เสร็จสิ้น", "พักไว้: อาจซ้ำกับองค์กรที่มีอยู่ รอการยืนยัน", "ถูกปฏิเสธ")

    # The upload page: the recent imports' status and the source choices, with their codes as values.
    page = client.get("/data/").content.decode()
    assert f"<td>{done}</td>" in page and "<td>Done</td>" not in page
    assert option("survey", "การสำรวจ", selected=True) in page and ">Survey<" not in page
    assert option("import", "นำเข้าจากไฟล์") in page and ">File import<" not in page

    # The batch report: status badge, source, and each problem row's outcome.
    page = client.get(f"/data/imports/{batch.pk}/").content.decode()
    assert f'<span class="badge" data-role="status">{done}</span>' in page and ">Done<" not in page
    assert "การสำรวจ" in page and "Survey" not in page
    assert f"<td>{held}</td>" in page and "Held: possible duplicate" not in page
    assert f"<td>{rejected}</td>" in page and "Rejected" not in page

    # A decided held row shows its resolution in Thai instead of the buttons.
    client.post(f"/data/imports/{batch.pk}/rows/3/resolve/", {"decision": "duplicate"})
    page = client.get(f"/data/imports/{batch.pk}/").content.decode()
    assert "ยืนยันว่าเป็นรายการซ้ำ: ไม่นำเข้า" in page and "Confirmed duplicate" not in page

    # The progress JSON: the code for scripts, the label in the reader's language for people.
    progress = client.get(f"/data/imports/{batch.pk}/progress.json").json()
    assert progress["status"] == "done" and progress["status_label"] == done

    # What other programs read does not change with the language: the API and the files give codes.
    api = client.get(f"/api/v1/imports/{batch.pk}/").json()
    assert api["status"] == "done"
    rows = client.get(f"/api/v1/imports/{batch.pk}/rows/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {row["outcome"] for row in rows} <= {"imported", "held", "rejected"}
    assert {row["resolution"] for row in rows} <= {"", "duplicate"}
    rejected_csv = client.get(f"/data/imports/{batch.pk}/rejected.csv").content.decode("utf-8-sig")
    assert rejected_csv.startswith("row,field,reason,name,family,latitude,longitude")
    export = client.get("/data/export/?format=csv&country=VNM").getvalue().decode("utf-8-sig")
    header, *lines = export.splitlines()
    assert "source" in header.split(",") and any(",survey," in line for line in lines)
    assert "การสำรวจ" not in export


@pytest.mark.django_db
def test_the_mapping_dropdown_names_the_fields_in_vietnamese_and_keeps_their_codes(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = in_language(researcher, "vi")
    client.post(
        "/data/",
        {
            "country": "VNM",
            "file": SimpleUploadedFile(
                "khao-sat.csv", b"name,lat,lon,ten_dia_phuong,family\nHTX A,16.05,108.2,X,cooperative\n"
            ),
            "source": "survey",
            "duplicate_distance_m": 500,
        },
    )
    batch = ImportBatch.objects.get()
    page = client.get(f"/data/imports/{batch.pk}/columns/").content.decode()
    # Recognized columns come chosen, with the field's name in Vietnamese and its code as the value.
    assert option("name", "Tên", selected=True) in page
    assert option("latitude", "Vĩ độ", selected=True) in page and ">Latitude<" not in page
    assert option("longitude", "Kinh độ", selected=True) in page and ">Longitude<" not in page
    assert option("name_local", "Tên (chữ viết bản địa)") in page and "Name (local script)" not in page
    assert option("external_id", "Mã định danh bên ngoài") in page and "External id" not in page
    assert "Geopoint" not in page and "(joined into the address)" not in page
    # The file's own column names are data: never translated.
    assert '">ten_dia_phuong</label>' in page and '">lat</label>' in page

    progress = client.get(f"/data/imports/{batch.pk}/progress.json").json()
    assert progress["status"] == "uploaded"
    assert progress["status_label"] == "Đã tải lên, cần xác nhận các cột"

    # The codes chosen in the dropdown drive the import, whatever the language of the labels.
    response = client.post(
        f"/data/imports/{batch.pk}/columns/",
        {
            "column_0": "name",
            "column_1": "latitude",
            "column_2": "longitude",
            "column_3": "name_local",
            "column_4": "family",
        },
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.mapping["name_local"] == "ten_dia_phuong"


@pytest.mark.django_db
def test_choice_labels_stay_english_by_default(researcher, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    batch = create_batch(researcher, "VNM", "x.csv", b"name,lat\nx,1\n", via="page", status=ImportBatch.Status.UPLOADED)
    client = Client()
    client.force_login(researcher)
    assert (
        option("latitude", "Latitude", selected=True)
        in client.get(f"/data/imports/{batch.pk}/columns/").content.decode()
    )
    progress = client.get(f"/data/imports/{batch.pk}/progress.json").json()
    assert (progress["status"], progress["status_label"]) == ("uploaded", "Uploaded, columns to confirm")
    assert "<td>Uploaded, columns to confirm</td>" in client.get("/data/").content.decode()


def test_every_import_stage_has_words_for_people():
    from exchange.importing import Importer
    from exchange.models import IMPORT_STAGE_LABELS

    assert set(Importer.STAGES) | {"queued"} == set(IMPORT_STAGE_LABELS)
