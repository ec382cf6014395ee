"""The fields an import can fill, and the column names (aliases) that map to them automatically.

Aliases cover our own export headers, plain English, the ESSGlobal / SEA
"standard" CSV headers and KoboToolbox / ODK export conventions. A mapping file
or the upload page overrides any of them.
"""

import json
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Kind drives validation: text (max length), int, year, date, code (looked up), email, sectors, coordinate.


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the machine key: mapping files, the API and resolved_mapping use it; never translated
    label: str  # shown to people only (the mapping page's choices): translated lazily
    kind: str = "text"
    max_length: int | None = None
    aliases: tuple = ()


FIELDS = [
    FieldSpec(
        "name",
        _("Name"),
        "text",
        300,
        (
            "name",
            "entity_name",
            "organisation_name",
            "organization_name",
            "org_name",
            "coop_name",
            "cooperative_name",
            "enterprise_name",
            "ten",
            "ten_htx",
        ),
    ),
    FieldSpec("name_local", _("Name (local script)"), "text", 300, ("name_local", "local_name", "name_local_script")),
    FieldSpec("name_romanized", _("Name (romanized)"), "text", 300, ("name_romanized", "romanized_name", "name_latin")),
    FieldSpec(
        "family",
        _("Entity family"),
        "family",
        None,
        # ESSGlobal's "Organisational Structure" (co-operative, association, ...) is what we call the family.
        ("family", "entity_family", "entity_type", "type", "organisational_structure", "organizational_structure"),
    ),
    FieldSpec("legal_form", _("Legal form"), "legal_form", None, ("legal_form", "legal_forms", "legal_status", "form")),
    FieldSpec(
        "registration_number",
        _("Registration number"),
        "text",
        100,
        (
            "registration_number",
            "registration_no",
            "reg_no",
            "registered_organization",
            "registered_organisation",
            "companies_house_number",
            "national_registry_number",
        ),
    ),
    FieldSpec("registering_authority", _("Registering authority"), "text", 200, ("registering_authority", "registrar")),
    FieldSpec(
        "registration_date",
        _("Registration date"),
        "date",
        None,
        ("registration_date", "registered_on", "date_registered"),
    ),
    FieldSpec(
        "founded_year", _("Year founded"), "year", None, ("founded_year", "founded", "year_founded", "year_established")
    ),
    FieldSpec("status", _("Status"), "status", None, ("status", "activity_status", "entity_status")),
    FieldSpec(
        "members_total",
        _("Members (total)"),
        "int",
        None,
        ("members_total", "total_members", "members", "number_of_members", "membership"),
    ),
    FieldSpec(
        "members_women",
        _("Members (women)"),
        "int",
        None,
        ("members_women", "women_members", "female_members", "women"),
    ),
    FieldSpec("members_men", _("Members (men)"), "int", None, ("members_men", "men_members", "male_members", "men")),
    FieldSpec(
        "workers_total", _("Workers (total)"), "int", None, ("workers_total", "workers", "employees", "total_workers")
    ),
    FieldSpec("workers_women", _("Workers (women)"), "int", None, ("workers_women", "women_workers", "female_workers")),
    FieldSpec(
        "sectors",
        _("Economic sectors (ISIC sections)"),
        "sectors",
        None,
        # ESSGlobal's "Activities" (all of them) before its "Primary Activity" (the first).
        ("sectors", "isic_sections", "economic_sectors", "activities", "sector", "primary_sector", "primary_activity"),
    ),
    FieldSpec("latitude", _("Latitude"), "latitude", None, ("latitude", "lat", "y", "gps_latitude")),
    FieldSpec(
        "longitude", _("Longitude"), "longitude", None, ("longitude", "lon", "lng", "long", "x", "gps_longitude")
    ),
    FieldSpec(
        "geopoint",
        _('Geopoint ("lat lon alt accuracy")'),
        "geopoint",
        None,
        (
            "geopoint",
            "gps",
            "location",
            "coordinates",
            "gps_location",
            "gps_coordinates",
            "geolocation",
            "_geolocation",
        ),
    ),
    FieldSpec(
        "location_precision",
        _("Location precision"),
        "precision",
        None,
        ("location_precision", "precision", "geo_precision"),
    ),
    FieldSpec("address", _("Address"), "text", None, ("address", "full_address", "street_address", "addr")),
    FieldSpec(
        "locality", _("Locality (joined into the address)"), "text", None, ("locality", "village", "commune", "town")
    ),
    FieldSpec("region", _("Region (joined into the address)"), "text", None, ("region", "province_name", "district")),
    FieldSpec("postcode", _("Postcode (joined into the address)"), "text", None, ("postcode", "postal_code", "zip")),
    FieldSpec("contact_name", _("Contact person"), "text", 200, ("contact_name", "contact_person", "contact")),
    FieldSpec("contact_phone", _("Contact phone"), "text", 60, ("contact_phone", "phone", "telephone", "tel")),
    FieldSpec("contact_email", _("Contact email"), "email", 254, ("contact_email", "email", "e_mail")),
    FieldSpec("source_reference", _("Source reference"), "text", 300, ("source_reference", "reference", "source_ref")),
    FieldSpec(
        "external_id",
        _("External id"),
        "text",
        100,
        # Not a bare "id": survey and spreadsheet row numbers are called that, and taking them for the
        # source system's id would make another file's row 1 update this file's row 1.
        ("external_id", "_uuid", "uuid", "identifier", "meta_instanceid", "instanceid", "kobo_uuid"),
    ),
    FieldSpec(
        "review_status",
        _("Review status (KoboToolbox)"),
        "review",
        None,
        ("_validation_status", "validation_status", "review_status"),
    ),
]
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
# A Shapefile's field names hold at most 10 characters: the export shortens ours so, and the importer
# reads the short names back (auto_mapping), so an exported Shapefile re-imports whole.
SHAPEFILE_NAMES = {
    "registry_number": "reg_number",
    "external_id": "ext_id",
    "name_local": "name_local",
    "name_romanized": "name_roman",
    "legal_form": "legal_form",
    "registration_number": "reg_no",
    "registering_authority": "reg_auth",
    "registration_date": "reg_date",
    "founded_year": "founded",
    "members_total": "mem_total",
    "members_women": "mem_women",
    "members_men": "mem_men",
    "workers_total": "wrk_total",
    "workers_women": "wrk_women",
    "location_precision": "precision",
    "admin_area": "area_code",
    "source_reference": "source_ref",
    "verification": "verified",
    "contact_name": "cont_name",
    "contact_phone": "cont_phone",
    "contact_email": "cont_email",
}

FIELD_CHOICES = [(spec.name, spec.label) for spec in FIELDS]

_SPLIT_KOBO = re.compile(r"^_(?P<base>.+)_(?P<part>latitude|longitude|altitude|precision)$")


# Headers as the five countries' own surveys and lists write them, after normalize_header (Vietnamese
# without its diacritics: "Tên HTX" is "ten_htx", "Vĩ độ" is "vi_do").
LOCAL_ALIASES = {
    "name": (
        "ten_to_chuc",
        "ten_don_vi",
        "ชื่อ",
        "ชื่อองค์กร",
        "ชื่อสหกรณ์",
        "ឈ្មោះ",
        "нэр",
        "нэрс",
        "аталышы",
        "аты",
        "название",
    ),
    "family": ("loai", "loai_hinh", "ประเภท", "ប្រភេទ", "төрөл", "түрү", "тип"),
    "latitude": ("vi_do", "ละติจูด", "រយៈទទឹង", "өргөрөг", "кеңдик", "широта"),
    "longitude": ("kinh_do", "ลองจิจูด", "រយៈបណ្តោយ", "уртраг", "узундук", "долгота"),
    "address": ("dia_chi", "ที่อยู่", "អាសយដ្ឋាន", "хаяг", "дарек", "адрес"),
    "members_total": ("so_thanh_vien", "จำนวนสมาชิก", "ចំនួនសមាជិក", "гишүүдийн_тоо", "мүчөлөрдүн_саны"),
    "members_women": (
        "thanh_vien_nu",
        "so_thanh_vien_nu",
        "สมาชิกหญิง",
        "สมาชิกสตรี",
        "សមាជិកស្ត្រី",
        "эмэгтэй_гишүүд",
        "аял_мүчөлөр",
    ),
    "members_men": ("thanh_vien_nam", "so_thanh_vien_nam", "สมาชิกชาย", "សមាជិកប្រុស", "эрэгтэй_гишүүд", "эркек_мүчөлөр"),
    "legal_form": ("hinh_thuc_phap_ly", "รูปแบบทางกฎหมาย", "ទម្រង់គតិយុត្ត", "эрх_зүйн_хэлбэр", "уюштуруу_укуктук_формасы"),
    "founded_year": ("nam_thanh_lap", "ปีที่ก่อตั้ง", "ឆ្នាំបង្កើត", "байгуулагдсан_он", "түзүлгөн_жылы"),
    "contact_phone": ("dien_thoai", "so_dien_thoai", "โทรศัพท์", "ទូរស័ព្ទ", "утас", "телефон"),
    "region": ("tinh", "tinh_thanh_pho", "จังหวัด", "ខេត្ត", "аймаг", "облус"),
}


def _fold_latin(text):
    """Latin letters without their diacritics ("Tên" -> "ten", "Đ" -> "d"); other scripts kept whole.

    Thai and Khmer write vowels and tones as combining marks too: only marks on a Latin letter are dropped.
    """
    kept = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).replace("đ", "d").replace("Đ", "D")


def normalize_header(header):
    """Compare headers loosely: Kobo group prefixes dropped, case, Latin diacritics and punctuation folded.

    A leading underscore is kept: KoboToolbox names its own metadata so (`_status` is the submission's
    state, "submitted_via_web"; `_location_precision` a GPS accuracy in metres), and only the ones listed
    as aliases (`_uuid`, `_validation_status`, `_geolocation`) may fill a field.
    """
    text = str(header).strip()
    if "/" in text and not text.startswith("_"):
        text = text.rsplit("/", 1)[1]
    text = _fold_latin(text).lower()
    text = re.sub(r"^(essglobal|ess|murmurations)[:.]", "", text)
    metadata = text.startswith("_")
    text = re.sub(r"[\s\-.:()]+", "_", text).strip("_")
    return "_" + text if metadata and text else text


def auto_mapping(columns):
    """Field name -> column for the columns we recognize; the first matching column wins."""
    mapping = {}
    present = {str(column).strip() for column in columns}
    # KoboToolbox writes a multiple-choice question both as one column ("grp/member_types": "women men") and
    # as a 0/1 column per choice ("grp/member_types/women"): a choice's name is no field, whatever it says.
    normalized = [
        (column, normalize_header(column))
        for column in columns
        if str(column).strip().rpartition("/")[0] not in present
    ]
    for spec in FIELDS:
        short = (SHAPEFILE_NAMES[spec.name],) if spec.name in SHAPEFILE_NAMES else ()
        for alias in (*spec.aliases, *LOCAL_ALIASES.get(spec.name, ()), *short):
            match = next((column for column, norm in normalized if norm == alias), None)
            if match is not None and match not in mapping.values():
                mapping[spec.name] = match
                break
    # KoboToolbox splits a geopoint question into _<name>_latitude / _<name>_longitude.
    for column, norm in normalized:
        found = _SPLIT_KOBO.match(norm if norm.startswith("_") else "_" + norm)
        if not found:
            continue
        if found["part"] == "latitude":
            mapping.setdefault("latitude", column)
        elif found["part"] == "longitude":
            mapping.setdefault("longitude", column)
    # Split coordinates win over a combined geopoint column when both exist.
    if "latitude" in mapping and "longitude" in mapping:
        mapping.pop("geopoint", None)
    return mapping


class MappingError(ValueError):
    """A mapping (file or form) that names an unknown field or a column the file does not have."""


def parse_mapping_text(text):
    """Read a mapping file: JSON {"field": "column"} or lines "field = column" / "field,column"."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise MappingError(gettext("The mapping file is not valid JSON: %(error)s") % {"error": error}) from error
        return {str(key).strip(): ("" if value is None else str(value)) for key, value in data.items()}
    mapping = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        separator = "=" if "=" in line else ","
        if separator not in line:
            raise MappingError(
                gettext("Mapping line %(number)s: expected 'field = column', got %(line)s.")
                % {"number": number, "line": repr(line)}
            )
        field, column = (part.strip() for part in line.split(separator, 1))
        if field.lower() == "field" and column.lower() == "column":
            continue  # a CSV header line
        mapping[field] = column
    return mapping


def resolve_mapping(columns, overrides):
    """The automatic mapping with the user's overrides applied; an empty column means "do not import"."""
    unknown = sorted(set(overrides) - set(FIELDS_BY_NAME))
    if unknown:
        raise MappingError(
            gettext("Unknown field(s) in the mapping: %(unknown)s. Known fields: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(FIELDS_BY_NAME)}
        )
    missing = sorted(column for column in overrides.values() if column and column not in columns)
    if missing:
        raise MappingError(
            gettext("The mapping names column(s) the file does not have: %(missing)s. The file's columns: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(columns)}
        )
    mapping = auto_mapping(columns)
    for field, column in overrides.items():
        if column:
            # A column moved to another field no longer feeds the field it was guessed for.
            for other, used in list(mapping.items()):
                if used == column and other != field:
                    del mapping[other]
            mapping[field] = column
        else:
            mapping.pop(field, None)
    return mapping
