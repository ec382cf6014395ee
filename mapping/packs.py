"""Printed edition packs: PDF (and a PNG of its map page) for committee meetings.

matplotlib draws the map geometry only (choropleth polygons, no text at all),
because it does not shape Khmer or Thai. Every word (title, legend, scale bar
label, north arrow, area numbers, the per-area table with local-script names)
is laid out by WeasyPrint, whose Pango/HarfBuzz shaping renders every script
of the five countries correctly with the Noto fonts.
"""

import base64
import io
import math
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from registry.models import AdminArea  # noqa: E402

from .aggregation import EditionSource, class_breaks, reading_order  # noqa: E402
from .editions import edition_diff  # noqa: E402
from .filters import MapFilters  # noqa: E402

# A sequential palette legible in print and for most colour-blind readers (ColorBrewer YlGnBu, 5 classes).
PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
EMPTY_COLOUR = "#f2f2f2"
MAP_WIDTH_MM = 170
# Tallest map first; the first page also holds the title, the two lines of edition facts (long when an edition has
# many filters), scale, legend and both credit lines, so a lower one is tried when they do not all fit (render_pack).
MAP_MAX_HEIGHTS_MM = (175, 155, 135, 115)
KM_PER_DEGREE = 111.32

# Labels of the printed pack in each country's language. Translations are the
# platform's own; committees are asked to correct them (see the README).
LABELS = {
    "en": {
        "title": "Map of social and solidarity economy entities",
        "edition": "Edition",
        "date": "Date",
        "entities": "Entities",
        "members": "Members",
        "women_share": "Women members (%)",
        "area": "Area",
        "legend": "Legend",
        "changes": "Changes since edition {number}",
        "first": "First edition: there is no earlier one to compare with",
        "source": "Source",
        "no_data": "No entities",
        "code": "Code",
        "total": "Total",
        "unplaced": "including {count} in no area",
        "definition": "Working definition, version {version}",
        "boundaries": "Boundaries in force on {date}",
        "credit": (
            "SSE registry of the national research partners; "
            "boundaries: Natural Earth (public domain), generalized at 1:10m."
        ),
        "printed": "Printed {when} UTC. Numbers on the map refer to the table.",
        "diff_counts": "Entities added: {added} · removed: {removed} · changed: {changed}.",
    },
    "km": {
        "title": "ផែនទីអង្គភាពសេដ្ឋកិច្ចសង្គម និងសាមគ្គីភាព",
        "edition": "ការបោះពុម្ព",
        "date": "កាលបរិច្ឆេទ",
        "entities": "ចំនួនអង្គភាព",
        "members": "សមាជិក",
        "women_share": "សមាជិកស្ត្រី (%)",
        "area": "ខេត្ត",
        "legend": "សញ្ញាសម្គាល់",
        "changes": "ការផ្លាស់ប្តូរតាំងពីការបោះពុម្ពលើកទី {number}",
        "first": "ការបោះពុម្ពលើកដំបូង៖ គ្មានការបោះពុម្ពមុនសម្រាប់ប្រៀបធៀប",
        "source": "ប្រភព",
        "no_data": "គ្មានអង្គភាព",
        "code": "កូដ",
        "total": "សរុប",
        "unplaced": "រួមទាំង {count} ដែលមិនស្ថិតក្នុងខេត្តណាមួយ",
        "definition": "និយមន័យការងារ កំណែទី {version}",
        "boundaries": "ព្រំដែនដែលមានសុពលភាពនៅថ្ងៃទី {date}",
        "credit": (
            "បញ្ជីអង្គភាពសេដ្ឋកិច្ចសង្គម និងសាមគ្គីភាពរបស់ដៃគូស្រាវជ្រាវជាតិ; ព្រំដែន៖ Natural Earth (កម្មសិទ្ធិសាធារណៈ) បង្រួមត្រឹមកម្រិត 1:10m។"
        ),
        "printed": "បោះពុម្ពនៅ {when} UTC។ លេខនៅលើផែនទីយោងទៅតារាង។",
        "diff_counts": "អង្គភាពបន្ថែម៖ {added} · ដកចេញ៖ {removed} · ផ្លាស់ប្តូរ៖ {changed}។",
    },
    "th": {
        "title": "แผนที่องค์กรเศรษฐกิจสังคมและสมานฉันท์",
        "edition": "ฉบับที่",
        "date": "วันที่",
        "entities": "จำนวนองค์กร",
        "members": "สมาชิก",
        "women_share": "สมาชิกหญิง (%)",
        "area": "จังหวัด",
        "legend": "คำอธิบายสัญลักษณ์",
        "changes": "การเปลี่ยนแปลงจากฉบับที่ {number}",
        "first": "ฉบับแรก: ไม่มีฉบับก่อนหน้าให้เปรียบเทียบ",
        "source": "แหล่งที่มา",
        "no_data": "ไม่มีองค์กร",
        "code": "รหัส",
        "total": "รวม",
        "unplaced": "รวม {count} องค์กรที่ไม่อยู่ในจังหวัดใด",
        "definition": "นิยามการทำงาน ฉบับที่ {version}",
        "boundaries": "เขตแดนที่ใช้ ณ วันที่ {date}",
        "credit": (
            "ทะเบียนองค์กรเศรษฐกิจสังคมและสมานฉันท์ของภาคีวิจัยระดับชาติ; "
            "เขตแดน: Natural Earth (สาธารณสมบัติ) ปรับให้เรียบง่ายที่มาตราส่วน 1:10m"
        ),
        "printed": "พิมพ์เมื่อ {when} UTC ตัวเลขบนแผนที่อ้างอิงถึงตาราง",
        "diff_counts": "องค์กรที่เพิ่ม: {added} · ที่นำออก: {removed} · ที่เปลี่ยนแปลง: {changed}",
    },
    "vi": {
        "title": "Bản đồ các tổ chức kinh tế xã hội và đoàn kết",
        "edition": "Ấn bản",
        "date": "Ngày",
        "entities": "Số tổ chức",
        "members": "Thành viên",
        "women_share": "Thành viên nữ (%)",
        "area": "Tỉnh, thành phố",
        "legend": "Chú giải",
        "changes": "Thay đổi so với ấn bản {number}",
        "first": "Ấn bản đầu tiên: chưa có ấn bản trước để so sánh",
        "source": "Nguồn",
        "no_data": "Không có tổ chức",
        "code": "Mã",
        "total": "Tổng",
        "unplaced": "gồm {count} tổ chức không thuộc tỉnh, thành phố nào",
        "definition": "Định nghĩa làm việc, phiên bản {version}",
        "boundaries": "Ranh giới có hiệu lực ngày {date}",
        "credit": (
            "Sổ đăng ký các tổ chức kinh tế xã hội và đoàn kết của các đối tác nghiên cứu quốc gia; "
            "ranh giới: Natural Earth (thuộc phạm vi công cộng), tổng quát hóa ở tỷ lệ 1:10m."
        ),
        "printed": "In lúc {when} UTC. Các số trên bản đồ tương ứng với bảng.",
        "diff_counts": "Tổ chức thêm mới: {added} · bị loại bỏ: {removed} · thay đổi: {changed}.",
    },
    "mn": {
        "title": "Нийгэм, эв санааны эдийн засгийн байгууллагуудын газрын зураг",
        "edition": "Хэвлэл",
        "date": "Огноо",
        "entities": "Байгууллагын тоо",
        "members": "Гишүүд",
        "women_share": "Эмэгтэй гишүүд (%)",
        "area": "Аймаг",
        "legend": "Тайлбар",
        "changes": "{number}-р хэвлэлээс хойшхи өөрчлөлт",
        "first": "Анхны хэвлэл: харьцуулах өмнөх хэвлэл байхгүй",
        "source": "Эх сурвалж",
        "no_data": "Байгууллагагүй",
        "code": "Код",
        "total": "Нийт",
        "unplaced": "үүнд аль ч аймагт хамаарахгүй {count}",
        "definition": "Ажлын тодорхойлолт, {version}-р хувилбар",
        "boundaries": "{date}-нд мөрдөгдөж буй хил",
        "credit": (
            "Үндэсний судалгааны түншүүдийн нийгэм, эв санааны эдийн засгийн байгууллагуудын бүртгэл; "
            "хил: Natural Earth (нийтийн өмч), 1:10m масштабаар хялбарчилсан."
        ),
        "printed": "Хэвлэсэн: {when} UTC. Газрын зураг дээрх дугаарууд хүснэгтийг заана.",
        "diff_counts": "Нэмэгдсэн байгууллага: {added} · хасагдсан: {removed} · өөрчлөгдсөн: {changed}.",
    },
    "ky": {
        "title": "Социалдык жана тилектештик экономика уюмдарынын картасы",
        "edition": "Басылыш",
        "date": "Күнү",
        "entities": "Уюмдардын саны",
        "members": "Мүчөлөр",
        "women_share": "Аял мүчөлөр (%)",
        "area": "Облус",
        "legend": "Шарттуу белгилер",
        "changes": "{number}-басылыштан бери өзгөрүүлөр",
        "first": "Биринчи басылыш: салыштыра турган мурунку басылыш жок",
        "source": "Булак",
        "no_data": "Уюмдар жок",
        "code": "Код",
        "total": "Бардыгы",
        "unplaced": "анын ичинде эч бир облуска кирбеген {count}",
        "definition": "Иштөө аныктамасы, {version}-версия",
        "boundaries": "{date} күнү күчүндөгү чек аралар",
        "credit": (
            "Улуттук изилдөө өнөктөштөрүнүн социалдык жана тилектештик экономика уюмдарынын реестри; "
            "чек аралар: Natural Earth (коомдук мүлк), 1:10m масштабда жөнөкөйлөтүлгөн."
        ),
        "printed": "Басылган: {when} UTC. Картадагы сандар таблицага шилтейт.",
        "diff_counts": "Кошулган уюмдар: {added} · алынып салынган: {removed} · өзгөргөн: {changed}.",
    },
}


@dataclass
class Pack:
    pdf: bytes
    png: bytes | None
    page_count: int


def _bilingual(language):
    local = LABELS.get(language, LABELS["en"])
    return {
        key: {"en": english, "local": local[key] if language != "en" else ""} for key, english in LABELS["en"].items()
    }


def _colour(value, breaks):
    if not value or not breaks:
        return EMPTY_COLOUR
    for index, bound in enumerate(breaks):
        if value <= bound:
            return PALETTE[min(index, len(PALETTE) - 1)]
    return PALETTE[-1]


def _legend(breaks):
    rows, lower = [], 1
    for index, bound in enumerate(breaks):
        # A class of one value reads "1", not "1 – 1".
        label = f"{bound:,}" if lower >= bound else f"{lower:,} – {bound:,}"
        rows.append({"colour": PALETTE[min(index, len(PALETTE) - 1)], "label": label})
        lower = bound + 1
    return rows


def _patches(geometry):
    """matplotlib patches (with holes) of a shapely (Multi)Polygon."""
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    for polygon in polygons:
        rings = [polygon.exterior, *polygon.interiors]
        vertices, codes = [], []
        for ring in rings:
            coords = list(ring.coords)
            vertices.extend(coords)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(coords) - 2) + [MplPath.CLOSEPOLY])
        yield PathPatch(MplPath(vertices, codes))


def _nice_length(km):
    """The largest 1/2/5 x 10^n not above `km`."""
    magnitude = 10 ** math.floor(math.log10(km))
    for step in (5, 2, 1):
        if step * magnitude <= km:
            return step * magnitude
    return magnitude


def draw_map(figures, breaks, max_height_mm=MAP_MAX_HEIGHTS_MM[0]):
    """The choropleth as SVG (no text) and where things are on it, for the HTML overlay."""
    areas = {
        area.pk: shapely.from_wkb(bytes(area.geom.simplify(0.003, preserve_topology=True).wkb))
        for area in AdminArea.objects.filter(pk__in=[figure.area_id for figure in figures]).only("pk", "geom")
    }
    west, south, east, north = shapely.union_all(list(areas.values())).bounds
    pad_x, pad_y = (east - west) * 0.03, (north - south) * 0.03
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    # Plate carrée stretched by 1/cos(mid-latitude): true shape at the centre of a country-sized map.
    shrink = math.cos(math.radians((south + north) / 2))
    aspect = (north - south) / ((east - west) * shrink)
    width_mm = MAP_WIDTH_MM if MAP_WIDTH_MM * aspect <= max_height_mm else max_height_mm / aspect
    height_mm = width_mm * aspect
    figure = plt.figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    patches, colours = [], []
    for area_figure in figures:
        geometry = areas.get(area_figure.area_id)
        if geometry is None:
            continue
        for patch in _patches(geometry):
            patches.append(patch)
            colours.append(_colour(area_figure.entities, breaks))
    axes.add_collection(PatchCollection(patches, facecolor=colours, edgecolor="#555555", linewidth=0.35))
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", transparent=True)
    plt.close(figure)

    width_km = (east - west) * KM_PER_DEGREE * shrink
    scale_km = _nice_length(width_km / 4)
    anchors = []
    for number, area_figure in enumerate(figures, start=1):
        geometry = areas.get(area_figure.area_id)
        if geometry is None:
            continue
        anchor = geometry.representative_point()
        x_mm = (anchor.x - west) / (east - west) * width_mm
        y_mm = (north - anchor.y) / (north - south) * height_mm
        anchors.append((number, x_mm, y_mm, geometry.area))
    return {
        "svg": base64.b64encode(buffer.getvalue()).decode(),
        "width_mm": round(width_mm, 1),
        "height_mm": round(height_mm, 1),
        "labels": place_labels(anchors, width_mm, height_mm),
        "scale_km": scale_km,
        "scale_width_mm": round(scale_km / width_km * width_mm, 2),
    }


# A label's box on paper (mm): the area numbers are 5.5 pt bold digits on a white pad.
LABEL_DIGIT_MM = 1.15
LABEL_PAD_MM = 1.0
LABEL_HEIGHT_MM = 2.5
# Where a label that would cover another is tried instead: distances (mm) from its area's anchor, 16 bearings each.
LABEL_RADII_MM = (3, 4.5, 6, 8, 10, 12.5, 15, 18)
LABEL_BEARINGS = [math.radians(angle) for angle in range(0, 360, 360 // 16)]


def place_labels(anchors, width_mm, height_mm):
    """Put each area's number where it covers no other number, so small neighbouring areas (Bangkok's, Hà Nội's,
    Ulaanbaatar's) stay readable. Larger areas are placed first, at their anchor; a number that would cover one
    already placed, or another area's anchor, moves to the nearest free spot around its anchor and is joined to
    it by a leader line. `anchors`: (number, x_mm, y_mm, size); positions are returned in mm and per cent."""

    def box(x, y, number):
        half_width = (len(str(number)) * LABEL_DIGIT_MM + LABEL_PAD_MM) / 2
        return (x - half_width, y - LABEL_HEIGHT_MM / 2, x + half_width, y + LABEL_HEIGHT_MM / 2)

    def overlaps(first, second):
        return first[0] < second[2] and second[0] < first[2] and first[1] < second[3] and second[1] < first[3]

    def inside(candidate):
        return (
            candidate[0] >= 0.5
            and candidate[1] >= 0.5
            and candidate[2] <= width_mm - 0.5
            and candidate[3] <= height_mm - 0.5
        )

    dots = {number: (x - 0.6, y - 0.6, x + 0.6, y + 0.6) for number, x, y, _size in anchors}
    placed, labels = [], []
    for number, x, y, _size in sorted(anchors, key=lambda anchor: -anchor[3]):
        others = [dot for other, dot in dots.items() if other != number]
        spots = [(x, y)] + [
            (x + radius * math.cos(bearing), y - radius * math.sin(bearing))
            for radius in LABEL_RADII_MM
            for bearing in LABEL_BEARINGS
        ]
        label_x, label_y = x, y
        for spot_x, spot_y in spots:
            candidate = box(spot_x, spot_y, number)
            if inside(candidate) and not any(overlaps(candidate, taken) for taken in placed + others):
                label_x, label_y = spot_x, spot_y
                break
        placed.append(box(label_x, label_y, number))
        moved = (label_x, label_y) != (x, y)
        labels.append(
            {
                "number": number,
                "left": label_x / width_mm * 100,
                "top": label_y / height_mm * 100,
                # The leader line runs from the anchor to the label's nearest edge, not under its digits.
                "leader": (
                    {
                        "x1": round(x, 2),
                        "y1": round(y, 2),
                        "x2": round(min(max(x, placed[-1][0]), placed[-1][2]), 2),
                        "y2": round(min(max(y, placed[-1][1]), placed[-1][3]), 2),
                    }
                    if moved
                    else None
                ),
            }
        )
    return sorted(labels, key=lambda label: label["number"])


def pack_context(edition, map_max_height_mm=MAP_MAX_HEIGHTS_MM[0]):
    country = edition.committee.country
    language = country.language or "en"
    summary = EditionSource(edition).summary()
    figures = sorted(summary.areas, key=lambda figure: reading_order(figure.name))
    breaks = class_breaks([figure.entities for figure in figures if figure.entities])
    diff = edition_diff(edition)
    labels = _bilingual(language)
    # The changes heading names the edition compared with, in both languages; a first edition says so.
    labels["changes"] = (
        {half: text.format(number=diff.previous.number) for half, text in labels["changes"].items()}
        if diff
        else labels["first"]
    )
    changes = diff.area_change_by_code() if diff else {}
    rows = [
        {
            "number": number,
            "figure": figure,
            "entities": _grouped(figure.entities),
            "members": _grouped(figure.members_total),
            "women_pct": figure.women_percent,
            "change": changes[figure.code].change if figure.code in changes else None,
        }
        for number, figure in enumerate(figures, start=1)
    ]
    return {
        "edition": edition,
        "country": country,
        "language": language,
        "labels": labels,
        "map": draw_map(figures, breaks, map_max_height_mm),
        "legend": _legend(breaks),
        "rows": rows,
        "summary": summary,
        "total": _grouped(summary.total),
        "diff": diff,
        "filters": _filters_bilingual(country, edition.filters, language),
        "sentences": _sentences(language, edition, summary, diff, timezone.now()),
    }


def _grouped(number):
    """Thousands set apart by a narrow no-break space (2 013): a bilingual page cannot take English's comma,
    which Vietnamese, Mongolian and Kyrgyz readers take for a decimal sign."""
    return f"{number:,}".replace(",", "\u202f")


def _sentences(language, edition, summary, diff, printed_at):
    """The pack's sentences (status, definition, boundaries, credit, totals) in English and in the country's
    language, each half whole: a committee member reads one line in their language, not a mix of the two."""
    halves = {"en": LABELS["en"]} if language == "en" else {"en": LABELS["en"], "local": LABELS.get(language)}
    sentences = {}
    for half, words in halves.items():
        if words is None:
            continue
        with translation.override("en" if half == "en" else language):
            status = str(edition.get_status_display())
        sentences[half] = {
            "status": status,
            "definition": words["definition"].format(version=edition.definition.version) if edition.definition else "",
            "boundaries": words["boundaries"].format(date=edition.boundary_date.isoformat()),
            "credit": words["credit"],
            "printed": words["printed"].format(when=printed_at.strftime("%Y-%m-%d %H:%M")),
            "unplaced": words["unplaced"].format(count=summary.unplaced) if summary.unplaced else "",
            "diff_counts": words["diff_counts"].format(**diff.counts) if diff else "",
        }
    return sentences


def _filters_bilingual(country, filters, language):
    """The edition's filters described in English and in the country's language, like every label of the
    pack: whatever language the page that asked for it was in, two renders of one edition are the same."""
    parsed = MapFilters.stored(country, filters)
    with translation.override("en"):
        english = parsed.describe()
    if language == "en":
        return {"en": english, "local": ""}
    with translation.override(language):
        return {"en": english, "local": parsed.describe()}


def render_pack(edition, png=True):
    """Render the edition's pack; PNG (the map page, via poppler's pdftoppm) only when asked."""
    from weasyprint import HTML

    for max_height_mm in MAP_MAX_HEIGHTS_MM:
        context = pack_context(edition, max_height_mm)
        document = HTML(string=render_to_string("mapping/pack.html", context)).render()
        if _map_page_fits(document):
            break
    pdf = add_search_layer(document.write_pdf(), _logical_strings(context), page_index=len(document.pages) - 1)
    image = pdf_page_png(pdf) if png else None
    return Pack(pdf=pdf, png=image, page_count=len(document.pages))


def _map_page_fits(document):
    """Whether the map page kept all it holds: the area table (anchor "areas") starts on the second page, not later."""
    return any("areas" in page.anchors for page in document.pages[:2])


def _logical_strings(context):
    """Local-script strings whose shaped glyphs do not read back in logical order (Khmer pre-base vowels)."""
    strings = [context["labels"]["title"]["local"], context["country"].name_local]
    strings.extend(row["figure"].name_local for row in context["rows"])
    return [text for text in strings if text]


def add_search_layer(pdf, strings, page_index):
    """Add an invisible text layer holding `strings` in logical order, so search and copy find them.

    The visible text is shaped by HarfBuzz and drawn in visual glyph order; a
    PDF maps each glyph to characters, so a Khmer vowel drawn before its
    consonant reads back out of order. Like the text layer of a scanned
    document, this layer (text render mode 3: invisible) carries the same words
    in logical order. One code of a zero-width Type 3 font stands for each
    whole string through the font's ToUnicode map.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    strings = list(dict.fromkeys(strings))[:250]
    if not strings:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    page = writer.pages[page_index]

    def stream(data):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    def number_array(values):
        return ArrayObject([NumberObject(v) for v in values])

    cmap = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CMapName /SSE-Search def /CMapType 2 def",
        "1 begincodespacerange <01> <FF> endcodespacerange",
        f"{len(strings)} beginbfchar",
    ]
    cmap += [f"<{code:02X}> <{text.encode('utf-16-be').hex().upper()}>" for code, text in enumerate(strings, 1)]
    cmap += ["endbfchar", "endcmap CMapName currentdict /CMap defineresource pop end end"]
    differences = ArrayObject([NumberObject(1)] + [NameObject("/g")] * len(strings))
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type3"),
            NameObject("/FontBBox"): number_array([0, 0, 0, 0]),
            NameObject("/FontMatrix"): ArrayObject(
                [NumberObject(0), NumberObject(0), NumberObject(0), NumberObject(0), NumberObject(0), NumberObject(0)]
            ),
            NameObject("/CharProcs"): DictionaryObject({NameObject("/g"): stream(b"0 0 d0")}),
            NameObject("/Encoding"): DictionaryObject(
                {NameObject("/Type"): NameObject("/Encoding"), NameObject("/Differences"): differences}
            ),
            NameObject("/FirstChar"): NumberObject(1),
            NameObject("/LastChar"): NumberObject(len(strings)),
            NameObject("/Widths"): number_array([0] * len(strings)),
            NameObject("/Resources"): DictionaryObject(),
            NameObject("/ToUnicode"): stream("\n".join(cmap).encode()),
        }
    )
    resources = page["/Resources"]
    fonts = resources.get("/Font")
    if fonts is None:
        resources[NameObject("/Font")] = fonts = DictionaryObject()
    fonts = fonts.get_object()
    fonts[NameObject("/SSESearch")] = writer._add_object(font)
    lines = ["q BT 3 Tr /SSESearch 8 Tf 1 0 0 1 20 20 Tm"]
    lines += [f"<{code:02X}> Tj 0 -10 Td" for code in range(1, len(strings) + 1)]
    lines.append("ET Q")

    contents = page.get_contents()
    contents.set_data(contents.get_data() + ("\n" + "\n".join(lines) + "\n").encode())
    page.replace_contents(contents)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def pdf_page_png(pdf, resolution=110):
    """The first page of a PDF as PNG bytes (poppler-utils' pdftoppm)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "pack.pdf")
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 (fixed executable, arguments built from our own temporary paths)
            [
                "/usr/bin/pdftoppm",
                "-png",
                "-r",
                str(resolution),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(source),
                str(Path(folder, "page")),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return Path(folder, "page.png").read_bytes()
