"""Printed edition packs: PDF with map, legend and table; local-script names shaped and extractable."""

import io

import pytest
from django.core.management import call_command
from django.http import QueryDict
from pypdf import PdfReader

from mapping import editions
from mapping.filters import MapFilters
from mapping.packs import render_pack
from registry.models import AdminArea, Country
from tests.mapping.conftest import make_entity

pytestmark = pytest.mark.django_db

# One entity in each of these provinces (lon, lat); names checked in the PDF text.
PLACES = {
    "THA": [(100.50, 13.75), (98.98, 18.79)],  # Bangkok, Chiang Mai
    "KHM": [(104.92, 11.56), (103.86, 13.36)],  # Phnom Penh, Siem Reap
    "MNG": [(106.92, 47.92)],  # Ulaanbaatar
    "KGZ": [(74.59, 42.87)],  # Bishkek
    "VNM": [(105.85, 21.03)],  # Hà Nội
}


def pdf_text(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def edition_with_entities(iso3):
    from registry.location import assign_admin_areas
    from registry.models import EntityFamily

    country = Country.objects.get(pk=iso3)
    family = EntityFamily.objects.get(code="cooperative")
    for lonlat in PLACES[iso3]:
        make_entity(lonlat, country_id=iso3, family=family, members_total=10, members_women=4, members_men=6)
    assign_admin_areas(country=country)
    return editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "Pack test"
    )


@pytest.mark.parametrize("iso3", ["THA", "KHM", "MNG", "KGZ", "VNM"])
def test_pdf_text_contains_the_local_script_area_names_exactly(iso3):
    edition = edition_with_entities(iso3)
    pack = render_pack(edition, png=False)
    text = pdf_text(pack.pdf)
    areas = AdminArea.objects.filter(pk__in=edition.area_figures.filter(entities__gt=0).values("admin_area"))
    assert areas.count() == len(PLACES[iso3])
    for area in areas:
        assert area.name_local and area.name_local in text, area.name_local
        assert area.name in text
    assert f"Edition {edition.number}" in text or "Edition" in text
    assert "Natural Earth" in text


def test_pack_has_title_legend_scale_table_and_difference_summary_and_a_png_page():
    edition = edition_with_entities("THA")
    second = edition_with_entities("THA")
    pack = render_pack(second, png=True)
    text = pdf_text(pack.pdf)
    assert "Map of social and solidarity economy entities" in text
    assert "แผนที่องค์กรเศรษฐกิจสังคมและสมานฉันท์" in text
    assert "Legend" in text and " km" in text and "N" in text
    assert f"Changes since edition {edition.number}" in text
    assert f"การเปลี่ยนแปลงจากฉบับที่ {edition.number}" in text  # the Thai heading names it too
    first = pdf_text(render_pack(edition).pdf)
    assert "First edition: there is no earlier one to compare with" in first and "ฉบับแรก" in first
    assert "Changes since edition" not in first
    assert "Entities added: 2" in text.replace("\n", " ")
    # Every sentence has its Thai line too: the changes, the total, the source and the printing note.
    assert "องค์กรที่เพิ่ม: 2" in text and "รวม" in text
    assert "ตัวเลขบนแผนที่อ้างอิงถึงตาราง" in text.replace("\n", "")
    assert "Printed " in text and "Boundaries in force on" in text
    assert f"ประเทศไทย · ฉบับที่ {second.number}" in text  # every page's footer names the edition in Thai too
    assert pack.page_count >= 2
    assert pack.png.startswith(b"\x89PNG")


def test_render_edition_command_writes_pdf_and_png(tmp_path):
    edition = edition_with_entities("VNM")
    call_command("render_edition", "VNM", str(edition.number), "--output", str(tmp_path), verbosity=0)
    assert (tmp_path / f"VNM-edition-{edition.number}.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / f"VNM-edition-{edition.number}.png").read_bytes().startswith(b"\x89PNG")


def test_the_packs_filter_line_is_in_english_and_in_the_countrys_language():
    from django.utils import translation

    edition_with_entities("VNM")
    country = Country.objects.get(pk="VNM")
    filtered = editions.freeze_edition(
        editions.committee_for(country), MapFilters.parse(country, QueryDict("family=cooperative")), "Cooperatives"
    )
    with translation.override("vi"):
        family_vi = translation.gettext("Family")
    text = " ".join(pdf_text(render_pack(filtered, png=False).pdf).split())
    assert "Family: Cooperative" in text
    assert f"{family_vi}: Hợp tác xã" in text


def test_area_numbers_on_the_printed_map_never_cover_one_another():
    """Bangkok's neighbours (or Hà Nội's) are a few millimetres across: their numbers were printed on top of one
    another. A number that would cover another moves beside its area and keeps a leader line to it."""
    from mapping.packs import LABEL_DIGIT_MM, LABEL_HEIGHT_MM, LABEL_PAD_MM, place_labels

    crowded = [(number, 50 + (number % 3) * 0.8, 40 + (number // 3) * 0.8, 1.0 / number) for number in range(1, 13)]
    labels = place_labels(crowded + [(13, 5, 5, 100.0)], width_mm=100, height_mm=80)
    boxes = []
    for label in labels:
        x, y = label["left"], label["top"] * 80 / 100  # per cent of a 100 x 80 mm map
        half = (len(str(label["number"])) * LABEL_DIGIT_MM + LABEL_PAD_MM) / 2 - 0.01
        boxes.append((x - half, y - LABEL_HEIGHT_MM / 2, x + half, y + LABEL_HEIGHT_MM / 2))
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            assert not (first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3])
    assert labels[12]["leader"] is None  # a number with room stays at its area's anchor, without a line
    assert sum(label["leader"] is not None for label in labels) >= 10


def test_a_legend_class_of_one_value_reads_as_that_value():
    from mapping.packs import _legend

    assert [row["label"] for row in _legend([1, 4, 30])] == ["1", "2 – 4", "5 – 30"]


def test_the_packs_change_column_says_what_it_counts_in_both_languages():
    """Its heading was '± 1', which a committee member could not read as 'change since edition 1'."""
    edition = edition_with_entities("THA")
    second = edition_with_entities("THA")
    text = " ".join(pdf_text(render_pack(second, png=False).pdf).split())
    assert f"± {edition.number}" not in text
    assert text.count(f"Changes since edition {edition.number}") >= 2  # the column (on each page) and the heading


def test_the_map_page_keeps_its_legend_and_both_credit_lines_with_many_filters():
    """A Thai edition with many filters pushed the Thai credit line onto a second page, otherwise blank."""
    edition_with_entities("THA")
    country = Country.objects.get(pk="THA")
    filters = "family=cooperative,self_help_group,social_enterprise,association&sector=A,C,G,K"
    filters += "&status=active,dormant,unknown&verification=unverified"
    edition = editions.freeze_edition(
        editions.committee_for(country),
        MapFilters.parse(country, QueryDict(filters)),
        "Cooperatives, self-help groups, social enterprises and associations in agriculture, manufacturing, trade "
        "and finance: a draft for the committee to review",
    )
    first_page = PdfReader(io.BytesIO(render_pack(edition, png=False).pdf)).pages[0].extract_text()
    assert "Legend" in first_page and "Natural Earth" in first_page
    assert "ตัวเลขบนแผนที่อ้างอิงถึงตาราง" in first_page.replace("\n", "")
