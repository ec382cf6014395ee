"""The legislation tracker in the committees' languages: a member who switched language reads it in that language.

What comes from the database (law titles, R193 provision texts, country names, citations) stays as recorded;
codes stay codes in the API and the CSV/XLSX files. English stays the default.
"""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from pypdf import PdfReader

from legislation import views
from legislation.models import Assessment, Instrument, Rating, ReformProcess, Stage
from registry.models import CountryRole
from tests.factories import user_with_role

from .factories import ReformProcessFactory, rate


def in_language(user, language):
    """A client logged in as `user` who chose `language` in the language menu."""
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": language, "next": "/legislation/"})
    assert response.status_code == 302
    return client


def rate_vietnam():
    law = Instrument.objects.get(code="vnm-coop-2023")
    rate(law, {"P1": "aligned", "P2": "partly_aligned", "P5": "not_applicable"})
    return law


def test_a_rating_label_is_translated_and_its_stored_value_is_not():
    law = Instrument.objects.get(code="vnm-coop-2023")
    rate(law, {"P6a": "aligned"})
    assessment = Assessment.objects.get(instrument=law, provision__key="P6a")
    with translation.override("th"):
        assert str(Rating.ALIGNED.label) == "สอดคล้อง"
        assert assessment.get_rating_display() == "สอดคล้อง"
        assert str(Stage.IN_FORCE.label) == "มีผลใช้บังคับ"
    with translation.override("km"):
        assert assessment.get_rating_display() == "ស្របតាម"
        assert str(Rating.NOT_ADDRESSED.label) == "មិនបានលើកឡើង"
    assert assessment.get_rating_display() == "Aligned"
    assert Assessment.objects.filter(instrument=law, rating="aligned").exists()  # the code is what is stored


def test_a_committee_member_in_thai_reads_the_dashboard_in_thai(committee):
    rate_vietnam()
    client = in_language(committee, "th")
    page = client.get("/legislation/").content.decode()
    assert '<html lang="th">' in page
    assert "<h1>กฎหมายสหกรณ์และข้อแนะ ฉบับที่ 193</h1>" in page and "Recommendation No. 193" not in page
    assert "ประเทศ × บทบัญญัติ R193" in page and "Countries × R193 provisions" not in page
    assert "สรุปรายประเทศ" in page and "Summary per country" not in page
    # Rating labels in the matrix, the summary's header and the scale; the share as counted.
    assert ">สอดคล้อง<" in page and ">Aligned<" not in page
    assert ">สอดคล้องบางส่วน<" in page and "Partly aligned" not in page
    assert "ยังไม่ได้ประเมิน" in page and "not yet rated" not in page
    assert "50%" in page and "(1 จาก 2)" in page and "(1 of 2)" not in page
    assert "มาตราการประเมิน" in page and "Rating scale" not in page
    # Reform processes: the stage label is translated, the process title and country name are data.
    assert "กระบวนการปฏิรูป" in page and "Reform processes" not in page
    assert '<span class="stage stage-in_force">มีผลใช้บังคับ</span>' in page
    assert "Revision of the Law on Cooperatives 2012" in page and "<td>เวียดนาม</td>" in page  # names in Thai
    # The "what changed" list names what changed in Thai, with the old and new rating labels.
    assert "สิ่งที่เปลี่ยนแปลงตั้งแต่" in page and "What changed since" not in page
    assert "เพิ่มผลการประเมิน" in page and "assessment added" not in page
    # The country links above every legislation page, and the instruments' country choice, name the
    # countries in Thai too.
    assert '/legislation/countries/KHM/">กัมพูชา</a>' in page and ">Cambodia</a>" not in page
    instruments = client.get("/legislation/instruments/").content.decode()
    assert '<option value="VNM">เวียดนาม</option>' in instruments and ">Viet Nam</option>" not in instruments


def test_a_committee_member_in_khmer_reads_the_reform_timeline_and_the_ratings_grid_in_khmer(committee):
    law = rate_vietnam()
    client = in_language(committee, "km")

    page = client.get("/legislation/countries/VNM/").content.decode()
    assert '<html lang="km">' in page
    assert "ការកែទម្រង់ច្បាប់សហករណ៍៖" in page and "Cooperative-law reform" not in page
    assert "ដំណាក់កាលបច្ចុប្បន្ន៖" in page and "Current stage" not in page
    with translation.override("km"):
        adopted = translation.pgettext("reform stage", "Adopted")
        in_force = translation.pgettext("reform stage", "In force")
    assert (adopted, in_force) == ("បានអនុម័ត", "ចូលជាធរមាន")
    assert f"<strong>{adopted}</strong>" in page and f"<strong>{in_force}</strong>" in page
    assert "<strong>Adopted</strong>" not in page and "<strong>In force</strong>" not in page
    assert "សេចក្តីសង្ខេបអំពីច្បាប់របស់ប្រទេស (PDF)" in page and "Country legislation brief" not in page
    assert "Revision of the Law on Cooperatives 2012" in page  # the process title is data

    page = client.get(f"/legislation/instruments/{law.code}/assessments/").content.decode()
    assert f"ការវាយតម្លៃតាម R193៖ {law.title}" in page and "R193 assessment" not in page
    assert "បានវាយតម្លៃ 3 ក្នុងចំណោមបទប្បញ្ញត្តិ 25" in page and "provisions rated" not in page
    assert '<td class="rating-cell rating-aligned">ស្របតាម</td>' in page and ">Aligned<" not in page
    assert '<td class="rating-cell rating-not_applicable">មិនពាក់ព័ន្ធ</td>' in page
    assert "កថាខណ្ឌ 6(a)" in page and "para. 6(a)" not in page
    assert "មិនទាន់វាយតម្លៃ" in page and "not yet rated" not in page
    # The provision texts come from the R193 checklist in the database: not translated.
    assert "applies to all types and sectors of cooperatives" in page


def test_a_coop_user_in_thai_records_a_stage_and_rates_with_thai_forms_and_messages():
    coop = user_with_role(CountryRole.Role.COOP)
    client = in_language(coop, "th")
    process = ReformProcess.objects.get(country_id="MNG")

    page = client.get(f"/legislation/processes/{process.pk}/stages/").content.decode()
    assert "บันทึกขั้นตอนของ “" in page and "Record a stage" not in page
    assert "ความน่าเชื่อถือของวันที่" in page and "Confidence of the date" not in page
    assert '<option value="implementing_regulations">กฎหมายลำดับรองเพื่อการบังคับใช้</option>' in page
    assert '<option value="H" selected>ยืนยันจากแหล่งข้อมูลแล้ว</option>' in page

    payload = {"stage": "implementing_regulations", "occurred_on": "2022-01-10", "date_confidence": "M"}
    response = client.post(f"/legislation/processes/{process.pk}/stages/", payload, follow=True)
    assert f"บันทึกขั้นตอนของ “{process.title}” แล้ว" in response.content.decode()
    process.refresh_from_db()
    assert process.current_stage == "implementing_regulations"  # the code is stored

    # A date before the process started: the form names the problem in Thai.
    started = ReformProcessFactory(started_on=datetime.date(2024, 3, 1))
    too_early = {"stage": "drafting", "occurred_on": "2024-02-29", "date_confidence": "H"}
    response = client.post(f"/legislation/processes/{started.pk}/stages/", too_early)
    assert response.status_code == 400
    page = response.content.decode()
    assert "ก่อนวันที่กระบวนการเริ่มต้น" in page and "before the process started" not in page

    url = "/legislation/instruments/kgz-coop-2004/assessments/edit/"
    page = client.get(url, {"provision": "P6a"}).content.decode()
    assert "บันทึกผลการประเมิน" in page and "Save rating" not in page
    assert '<option value="not_addressed">ไม่ได้กล่าวถึง</option>' in page
    response = client.post(
        url, {"provision": "P6a", "rating": "aligned", "evidence": "Art. 12", "assessed_on": "2025-01-15"}, follow=True
    )
    assert "บันทึก P6a ของ" in response.content.decode()
    assert Assessment.objects.get(instrument__code="kgz-coop-2004", provision__key="P6a").rating == "aligned"


def test_a_refusal_is_worded_in_the_language_of_the_refused_request(committee):
    url = "/legislation/instruments/kgz-coop-2004/assessments/edit/"
    assert in_language(committee, "th").get(url).status_code == 403
    request = RequestFactory().get(url)
    request.user = committee
    with pytest.raises(PermissionDenied) as refusal:
        views.assessment_edit(request, code="kgz-coop-2004")
    with translation.override("th"):
        assert str(refusal.value) == "เฉพาะหน่วยงานสหกรณ์ของ ILO (COOP) เท่านั้นที่แก้ไขข้อมูลกฎหมายได้"
    with translation.override("en"):
        assert str(refusal.value) == "Only the ILO Cooperatives Unit (COOP) changes legislation data."


def test_files_and_the_api_keep_english_labels_and_codes_whatever_the_language(committee):
    rate_vietnam()
    client = in_language(committee, "th")
    rows = list(csv.reader(io.StringIO(client.get("/legislation/matrix.csv").content.decode("utf-8-sig"))))
    column = next(i for i, title in enumerate(rows[0]) if "Law on Cooperatives 2023" in title)
    by_key = {row[0]: row[column] for row in rows[1:] if row[0]}
    assert (by_key["P1"], by_key["P2"], by_key["P6a"]) == ("Aligned", "Partly aligned", "not yet rated")
    assert "สอดคล้อง" not in "".join(",".join(row) for row in rows)

    process = Client().get("/api/v1/reform-processes/?country=vnm").json()
    process = (process["results"] if isinstance(process, dict) else process)[0]
    assert process["current_stage"] == "in_force" and process["current_stage_label"] == "In force"
    in_thai = client.get(f"/api/v1/reform-processes/{process['id']}/").json()
    assert in_thai["current_stage"] == "in_force"  # codes do not change with the reader's language


def test_the_country_brief_renders_in_thai(committee):
    rate(Instrument.objects.get(code="tha-coop-1999"), {"P1": "aligned", "P2": "not_aligned"})
    response = in_language(committee, "th").get("/legislation/countries/THA/brief.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Share aligned of applicable provisions" not in text
    assert "ประเทศไทย" in text and "Thailand" not in text  # the country is named in Thai too


def test_the_legislation_pages_stay_english_by_default(committee):
    rate_vietnam()
    client = Client()
    client.force_login(committee)
    page = client.get("/legislation/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Cooperative law and Recommendation No. 193</h1>" in page
    assert ">Aligned<" in page and "(1 of 2)" in page and "not yet rated" in page
    assert '<span class="stage stage-in_force">In force</span>' in page
    page = client.get("/legislation/countries/VNM/").content.decode()
    assert "Current stage:" in page and "<strong>Adopted</strong>" in page
    page = client.get("/legislation/instruments/vnm-coop-2023/assessments/").content.decode()
    assert "R193 assessment: " in page and '<td class="rating-cell rating-aligned">Aligned</td>' in page
