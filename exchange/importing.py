"""The one importer of SSE entities from files: used by the upload page, the API and `manage.py import_entities`.

    batch = create_batch(user, country, "coops.csv", raw_bytes, via="page")
    run_batch(batch)            # reads, validates, checks, writes; fills batch counters and ImportRows

Every row ends in exactly one outcome (imported, updated, unchanged, held,
rejected), so rows in = imported + updated + unchanged + held + rejected.
Reading is done by the parser classes of exchange.reading; validation is
vectorized over the whole table (pandas), location and duplicate checks are
set-based in PostgreSQL on a staging table filled with COPY, and the writes are
INSERT/UPDATE ... SELECT from it (exchange.sql), with history rows, registry
numbers (registry.numbering) and areas (registry.location) as every other path.
"""

import csv
import datetime
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from registry import history
from registry.calendars import BUDDHIST_ERA_OFFSET, EARLIEST_YEAR, buddhist_era_range
from registry.digits import LOCAL_DIGIT, ascii_digits
from registry.location import LocationError, check_point_in_country
from registry.models import ISIC_SECTIONS, Country, Entity, EntityFamily, LegalForm
from registry.numbering import allocate_registry_numbers
from registry.spreadsheets import safe_cell

from . import sql
from .columns import FIELDS_BY_NAME, MappingError, resolve_mapping
from .models import ImportBatch, ImportRow
from .reading import ImportFileError, looks_like_geopoint, read_table, shown_list

logger = logging.getLogger(__name__)

# 100 MB as people count them (10^6 bytes), so that the refusal's "at most 100 MB" is exact.
DEFAULT_MAX_UPLOAD_BYTES = 100 * 1000 * 1000
# An import adding at least this many entities, and at least as many as the
# registry holds, rebuilds the entity table's indexes once instead of row by row.
BULK_REBUILD_MIN_ROWS = 50_000
STATUS_ALIASES = {
    "active": "active",
    "operating": "active",
    "operational": "active",
    "yes": "active",
    "dormant": "dormant",
    "inactive": "dormant",
    "suspended": "dormant",
    "dissolved": "dissolved",
    "closed": "dissolved",
    "liquidated": "dissolved",
    "unknown": "unknown",
}
PRECISION_ALIASES = {
    "exact": "exact",
    "gps": "exact",
    "village": "village",
    "commune": "village",
    "district": "district",
    "district_centroid": "district",
    "province": "province",
    "province_centroid": "province",
}
# Words other vocabularies (ESSGlobal legal forms, survey choices) use for our entity families.
FAMILY_ALIASES = {
    "co-operative": "cooperative",
    "coop": "cooperative",
    "co-op": "cooperative",
    "cooperative_group": "cooperative",
    "mutual": "mutual_society",
    "mutual society": "mutual_society",
    "self-help group": "self_help_group",
    "self help group": "self_help_group",
    "shg": "self_help_group",
    "social enterprise": "social_enterprise",
    "non-profit": "association",
    "ngo": "association",
    "informal group": "other",
    "company": "other",
}
SECTION_CODES = {code for code, _ in ISIC_SECTIONS}


def max_upload_bytes():
    return int(getattr(settings, "EXCHANGE_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _norm(value):
    return re.sub(r"\s+", " ", str(value).strip().lower())


def _key(value):
    return _norm(value).replace("-", "_").replace(" ", "_")


GEOLOCATION_LIST = r"^\[?\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]?$"
# Day 1 of Excel's (and LibreOffice's) dates is 1900-01-01, counted from 1899-12-30 because of Excel's
# 29 February 1900; day 10,000 is 1927-05-18: registration dates are later, and no year is that large.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_FIRST_DAY_NUMBER = 10_000
FOUR_DIGIT_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")  # besides ISO; a day before its month


def _parse_dates(raw):
    """Timestamps of the text dates in `raw` (ISO, with or without a time, or one of DATE_FORMATS); NaT
    where none reads. A B.E. date reads as a date centuries ahead, or not at all (29/02/2547: 2547 is no
    leap year); RowValidator._read_buddhist_era_dates reads those again."""
    raw = _ascii_digits(raw)
    iso = raw.str.extract(r"^(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.]+)?$", expand=False)
    parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & (raw != "")
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
    return parsed


@dataclass
class Validated:
    """The outcome of validating a table: cleaned staging columns and per-row problems."""

    frame: pd.DataFrame
    errors: dict = field(default_factory=dict)  # row index -> [(field, reason)]
    holds: dict = field(default_factory=dict)  # row index -> reason
    warnings: list = field(default_factory=list)  # said once for the file (the batch's warnings)

    def reject(self, index, field_name, reason):
        self.errors.setdefault(int(index), []).append((field_name, reason))


class RowValidator:
    """Checks every row of a Table against the registry's rules for one country.

    Works column by column over the whole table (vectorized); only rows that
    fail get a message built one by one.
    """

    def __init__(self, country, mapping):
        self.country = country
        self.mapping = mapping
        # Rows whose B.E. years were converted (Thailand), and one (B.E., Gregorian) example for the warning.
        self.buddhist_era_rows = set()
        self.buddhist_era_example = None
        self.families = {}
        for family in EntityFamily.objects.all():
            for label in (family.code, family.name, family.code.replace("_", " ")):
                self.families[_norm(label)] = family
        for alias, code in FAMILY_ALIASES.items():
            family = self.families.get(code)
            if family is not None:
                self.families.setdefault(alias, family)
        self.legal_forms = {}
        for form in LegalForm.objects.filter(country=country).select_related("family"):
            for label in (form.code, form.name, form.name_local, form.code.replace("_", " ")):
                if label:
                    self.legal_forms[_norm(label)] = form

    def column(self, table, field_name):
        column = self.mapping.get(field_name)
        if column is None:
            return pd.Series([""] * len(table), dtype=object)
        values = table.cells[column].str.strip()
        # Undo the apostrophe our exports put before formula-like text ("'=x" -> "=x"), so exports round-trip.
        # Only the few cells that start with one go through the regular expression.
        quoted = values.str.startswith("'", na=False).to_numpy(dtype=bool)
        if quoted.any():
            values = values.copy()
            values[quoted] = values[quoted].str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
        return values

    def validate(self, table):
        result = Validated(frame=pd.DataFrame(index=range(len(table))))
        frame = result.frame
        for index, reason in table.row_errors.items():
            if table.lon is None:  # a ragged CSV row; geographic files' geometry is checked below
                result.reject(index, "row", reason)
        for name in (
            "name",
            "name_local",
            "name_romanized",
            "registration_number",
            "registering_authority",
            "contact_name",
            "contact_phone",
            "source_reference",
            "external_id",
        ):
            frame[name] = self._text(table, result, name)
        frame["address"] = self._address(table)
        missing_name = frame["name"] == ""
        for index in np.flatnonzero(missing_name.to_numpy()):
            result.reject(index, "name", gettext("required: the row has no name"))
        frame["contact_email"] = self._email(table, result)
        for name in ("members_total", "members_women", "members_men", "workers_total", "workers_women"):
            frame[name] = self._integer(table, result, name)
        frame["founded_year"] = self._founded_year(table, result)
        frame["registration_date"] = self._date(table, result)
        self._say_buddhist_era_conversions(result)
        frame["status"] = self._choice(table, result, "status", STATUS_ALIASES, "active")
        frame["location_precision"] = self._choice(table, result, "location_precision", PRECISION_ALIASES, "exact")
        frame["sectors"] = self._sectors(table, result)
        frame["family_id"], frame["legal_form_id"] = self._family_and_form(table, result)
        frame["lon"], frame["lat"] = self._coordinates(table, result)
        self._totals(frame, result)
        self._review(table, result)
        return result

    def _text(self, table, result, name):
        values = self.column(table, name)
        limit = FIELDS_BY_NAME[name].max_length
        if limit:
            lengths = values.str.len().to_numpy()
            too_long = gettext("%(length)s characters; at most %(limit)s are allowed")
            for index in np.flatnonzero(lengths > limit):
                result.reject(index, name, too_long % {"length": lengths[index], "limit": limit})
        return values

    def _address(self, table):
        parts = [self.column(table, name) for name in ("address", "locality", "region", "postcode")]
        if all(name not in self.mapping for name in ("locality", "region", "postcode")):
            return parts[0]
        joined = pd.concat(parts, axis=1).apply(lambda row: ", ".join(part for part in row if part), axis=1)
        return joined.astype(str) if len(joined) else parts[0]

    def _email(self, table, result):
        values = self.column(table, "contact_email")
        bad = set()
        for value in values.unique():
            if value:
                try:
                    validate_email(value)
                except ValidationError:
                    bad.add(value)
        not_email = gettext("%(value)s is not an email address")
        for index in np.flatnonzero(values.isin(bad).to_numpy()):
            result.reject(index, "contact_email", not_email % {"value": repr(values.iat[index])})
        return values

    def _integer(self, table, result, name, low=0, high=2_000_000_000, read=None):
        """The column as whole numbers from `low` to `high`; `read`: the cells as they are to be read, when not
        as written (the reasons quote them as written)."""
        raw = self.column(table, name)
        raw, shown = (raw if read is None else read), raw
        # Thousands written with dots, as Vietnamese, Mongolian and Kyrgyz lists do ("1.250"), are no fractions
        # of a count: the dots go before the number is read.
        dotted = raw.str.fullmatch(r"\d{1,3}(\.\d{3})+", na=False)
        written = raw.where(~dotted, raw.str.replace(".", "", regex=False)) if dotted.any() else raw
        values = _numbers(written, r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}\b)", "")  # thousands: "1,250", "1 250"
        present = (raw != "").to_numpy()
        with np.errstate(invalid="ignore"):
            bad = present & (np.isnan(values) | (values % 1 != 0) | (values < low) | (values > high))
        not_whole = gettext("%(value)s is not a whole number from %(low)s to %(high)s")
        for index in np.flatnonzero(bad):
            result.reject(index, name, not_whole % {"value": repr(shown.iat[index]), "low": low, "high": high})
        values[bad | ~present] = np.nan
        return pd.array(np.where(np.isnan(values), None, values).tolist(), dtype="Int64")

    def _founded_year(self, table, result):
        today = datetime.date.today()
        era = buddhist_era_range(self.country.pk, today)
        # A survey that asks when the entity was founded as a date ("2010-05-12", a date cell) gives its year.
        raw = self.column(table, "founded_year")
        dates = _parse_dates(raw.where(~raw.str.fullmatch(r"\d+", na=False), ""))
        read = raw.where(dates.isna(), dates.dt.year.astype("Int64").astype(str))
        if era is None:
            return self._integer(table, result, "founded_year", low=EARLIEST_YEAR, high=today.year, read=read)
        years = self._integer(table, result, "founded_year", low=EARLIEST_YEAR, read=read)
        # Thai lists write B.E. years (2545 for 2002): those are converted. Any other year after today is
        # refused, naming both ranges.
        written = years.to_numpy(dtype="float64", na_value=np.nan)
        with np.errstate(invalid="ignore"):
            buddhist = (written >= era[0]) & (written <= era[1])
            neither = (written > today.year) & ~buddhist
        raw = self.column(table, "founded_year")
        not_a_year = gettext(
            "%(value)s is not a year from %(low)s to %(high)s, nor a Buddhist-era year from %(first)s to %(last)s"
        )
        for index in np.flatnonzero(neither):
            values = {"value": repr(raw.iat[index]), "low": EARLIEST_YEAR, "high": today.year}
            result.reject(index, "founded_year", not_a_year % {**values, "first": era[0], "last": era[1]})
        for index in np.flatnonzero(buddhist):
            self._converted_from_buddhist_era(index, int(written[index]))
        written[buddhist] -= BUDDHIST_ERA_OFFSET
        written[neither] = np.nan
        return pd.array(np.where(np.isnan(written), None, written).tolist(), dtype="Int64")

    def _converted_from_buddhist_era(self, index, year):
        self.buddhist_era_rows.add(int(index))
        self.buddhist_era_example = self.buddhist_era_example or (year, year - BUDDHIST_ERA_OFFSET)

    def _say_buddhist_era_conversions(self, result):
        if self.buddhist_era_rows:
            year, gregorian = self.buddhist_era_example
            result.warnings.append(
                gettext(
                    "%(count)s rows give years in the Buddhist era (B.E.), as Thai lists do; they were recorded "
                    "in the Gregorian calendar (B.E. %(year)s = %(gregorian)s)."
                )
                % {"count": f"{len(self.buddhist_era_rows):,}", "year": year, "gregorian": gregorian}
            )

    def _date(self, table, result):
        raw = self.column(table, "registration_date")
        parsed = _parse_dates(raw)
        era = buddhist_era_range(self.country.pk)
        if era is not None:
            self._read_buddhist_era_dates(raw, parsed, era)
        self._read_excel_day_numbers(raw, parsed, result)
        today = pd.Timestamp(datetime.date.today())
        earliest = pd.Timestamp(datetime.date(EARLIEST_YEAR, 1, 1))
        bad = ((raw != "") & (parsed.isna() | (parsed > today) | (parsed < earliest))).to_numpy()
        not_date = gettext(
            "%(value)s is not a date from %(earliest)s-01-01 to today as YYYY-MM-DD (or DD/MM/YYYY, DD.MM.YYYY)"
        )
        for index in np.flatnonzero(bad):
            result.reject(
                index, "registration_date", not_date % {"value": repr(raw.iat[index]), "earliest": EARLIEST_YEAR}
            )
        dates = parsed.dt.date.astype(object)
        dates[parsed.isna() | pd.Series(bad)] = None
        return dates

    def _read_excel_day_numbers(self, raw, parsed, result):
        """Read, in place, the unread dates that are Excel's day numbers (45000 is 2023-03-15): what a date
        cell becomes when its sheet lost the date format, or was saved as CSV so. From EXCEL_FIRST_DAY_NUMBER
        only, so that a year (2015) is never taken for a day of 1905."""
        unread = (parsed.isna() & raw.str.fullmatch(r"\d{5}(\.0+)?", na=False)).to_numpy()
        if not unread.any():
            return
        numbers = pd.to_numeric(raw[unread]).astype(int)
        last = (pd.Timestamp(datetime.date.today()) - EXCEL_EPOCH).days
        days = numbers[(numbers >= EXCEL_FIRST_DAY_NUMBER) & (numbers <= last)]
        if days.empty:
            return
        parsed[days.index] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
        example = int(days.iat[0])
        result.warnings.append(
            gettext(
                "%(count)s registration dates are Excel day numbers (a date cell without its date format); "
                "they were read as dates (%(number)s = %(date)s). Check them."
            )
            % {
                "count": f"{len(days):,}",
                "number": example,
                "date": (EXCEL_EPOCH + pd.Timedelta(days=example)).date().isoformat(),
            }
        )

    def _read_buddhist_era_dates(self, raw, parsed, era):
        """Read again, in place, with the Gregorian year, the dates unread or after today whose four-digit
        year is a B.E. one (15/03/2545; 29/02/2547 is unread, 2547 being no leap year)."""
        rewritten = {}
        unread_or_later = parsed.isna() | (parsed > pd.Timestamp(datetime.date.today()))
        for index in np.flatnonzero((unread_or_later & (raw != "")).to_numpy()):
            text = raw.iat[index]
            match = FOUR_DIGIT_YEAR.search(text)
            if match and era[0] <= int(match.group()) <= era[1]:
                gregorian = str(int(match.group()) - BUDDHIST_ERA_OFFSET)
                rewritten[index] = text[: match.start()] + gregorian + text[match.end() :]
        if not rewritten:
            return
        again = _parse_dates(pd.Series(rewritten, dtype=object))
        for index, date in again.dropna().items():
            parsed.iat[index] = date
            self._converted_from_buddhist_era(index, date.year + BUDDHIST_ERA_OFFSET)

    def _choice(self, table, result, name, aliases, default):
        raw = self.column(table, name)
        lookup = {value: aliases.get(_key(value)) for value in raw.unique()}
        values = raw.map(lookup)
        bad = ((raw != "") & values.isna()).to_numpy()
        choices = ", ".join(sorted(set(aliases.values())))
        not_choice = gettext("%(value)s is not one of: %(choices)s")
        for index in np.flatnonzero(bad):
            result.reject(index, name, not_choice % {"value": repr(raw.iat[index]), "choices": choices})
        return values.fillna(default)

    def _sectors(self, table, result):
        raw = self.column(table, "sectors")

        def parse(text):
            if not text:
                return []
            codes = [part.upper() for part in re.split(r"[\s,;/|]+", text) if part]
            return codes

        parsed = {value: parse(value) for value in raw.unique()}
        bad_values = {value for value, codes in parsed.items() if any(code not in SECTION_CODES for code in codes)}
        not_sectors = gettext("%(value)s: sectors are ISIC Rev.4 section letters A to U, separated by ';'")
        for index in np.flatnonzero(raw.isin(bad_values).to_numpy()):
            result.reject(index, "sectors", not_sectors % {"value": repr(raw.iat[index])})
        return raw.map(
            lambda value: "{" + ",".join(sorted(set(parsed[value]))) + "}" if value not in bad_values else "{}"
        )

    def _family_and_form(self, table, result):
        family_raw = self.column(table, "family")
        form_raw = self.column(table, "legal_form")
        # Survey files repeat a handful of values: decide once per distinct (family, legal form) pair.
        codes, pairs = pd.factorize(family_raw + "\x1f" + form_raw)
        decisions = [self._decide_family_and_form(*pair.split("\x1f", 1)) for pair in pairs]
        family_ids = np.array([decision[0] for decision in decisions], dtype=object)[codes]
        form_ids = np.array([decision[1] for decision in decisions], dtype=object)[codes]
        for code, (_, _, problems) in enumerate(decisions):
            if problems:
                for index in np.flatnonzero(codes == code):
                    for field_name, reason in problems:
                        result.reject(index, field_name, reason)
        return pd.array(list(family_ids), dtype="Int64"), pd.array(list(form_ids), dtype="Int64")

    def _decide_family_and_form(self, family_text, form_text):
        """(family id, legal form id, problems) for one pair of cell values."""
        problems = []
        family_names = ", ".join(sorted({family.code for family in self.families.values()}))
        form_names = ", ".join(sorted({form.code for form in self.legal_forms.values()})) or gettext("none recorded")
        family = self.families.get(_norm(family_text)) if family_text else None
        form = self.legal_forms.get(_norm(form_text)) if form_text else None
        if family_text and family is None and not form_text and _norm(family_text) in self.legal_forms:
            # A national list's "type" column ("Loại hình", "ประเภท") names the legal form, in the law's words
            # ("Hợp tác xã", "สหกรณ์"): the form is recorded, and its family.
            form = self.legal_forms[_norm(family_text)]
            family_text = ""
        if family_text and family is None:
            problems.append(
                (
                    "family",
                    gettext("%(value)s is not an entity family; expected one of %(families)s")
                    % {"value": repr(family_text), "families": family_names},
                )
            )
        if form_text and form is None:
            as_family = self.families.get(_norm(form_text))
            if as_family is not None and family is None and not family_text:
                family = as_family  # ESSGlobal "legal form" values are families in our terms
            elif as_family is None:
                problems.append(
                    (
                        "legal_form",
                        gettext("%(value)s is not a legal form of %(country)s; expected one of %(forms)s")
                        % {"value": repr(form_text), "country": self.country.display_name, "forms": form_names},
                    )
                )
        if form is not None:
            if family is not None and family.pk != form.family_id:
                problems.append(
                    (
                        "legal_form",
                        gettext(
                            "the legal form %(form)s belongs to the family %(form_family)s, "
                            "but the row gives the family %(family)s"
                        )
                        % {"form": form.code, "form_family": form.family.code, "family": family.code},
                    )
                )
            family = family or form.family
        if family is None and not family_text and not (form_text and form is None):
            problems.append(
                (
                    "family",
                    gettext("required: give the entity family (%(families)s) or a legal form")
                    % {"families": family_names},
                )
            )
        return (family.pk if family else None), (form.pk if form else None), problems

    def _coordinates(self, table, result):
        size = len(table)
        lon = np.full(size, np.nan)
        lat = np.full(size, np.nan)
        has_geometry = np.zeros(size, dtype=bool)
        if table.lon is not None:
            lon[:] = table.lon
            lat[:] = table.lat
            has_geometry = ~np.isnan(lon)
        lat_raw = self.column(table, "latitude")
        lon_raw = self.column(table, "longitude")
        if "geopoint" in self.mapping:
            geopoint = self.column(table, "geopoint")
            # KoboToolbox's `_geolocation` is "[lat, lon]": read as "lat lon".
            geopoint = geopoint.str.replace(GEOLOCATION_LIST, r"\1 \2", regex=True)
            parts = geopoint.str.split(r"\s+", n=3, expand=True, regex=True)
            use = (geopoint != "") & (lat_raw == "") & (lon_raw == "")
            if parts.shape[1] >= 2:
                lat_raw = lat_raw.where(~use, parts[0].fillna(""))
                lon_raw = lon_raw.where(~use, parts[1].fillna(""))
            not_geopoint = gettext('%(value)s is not a geopoint "latitude longitude [altitude accuracy]"')
            for index in np.flatnonzero((use & ~geopoint.map(looks_like_geopoint)).to_numpy()):
                result.reject(index, "geopoint", not_geopoint % {"value": repr(geopoint.iat[index])})
        lat_num = self._coordinate(lat_raw, result, "latitude", has_geometry)
        lon_num = self._coordinate(lon_raw, result, "longitude", has_geometry)
        from_columns = ~has_geometry
        lat[from_columns] = lat_num[from_columns]
        lon[from_columns] = lon_num[from_columns]
        missing = np.isnan(lat) | np.isnan(lon)
        for index in np.flatnonzero(missing):
            if int(index) in result.errors and any(
                field_name in {"latitude", "longitude", "geopoint"} for field_name, _ in result.errors[int(index)]
            ):
                continue
            reason = table.row_errors.get(int(index)) if table.lon is not None else None
            result.reject(
                index,
                "latitude/longitude",
                gettext("required: %(reason)s") % {"reason": reason or gettext("the row has no coordinates")},
            )
        with np.errstate(invalid="ignore"):
            lat_out = ~missing & ((lat < -90) | (lat > 90))
            lon_out = ~missing & ((lon < -180) | (lon > 180))
        off_earth = gettext(
            "latitude %(latitude)s, longitude %(longitude)s is not a position on Earth "
            "(latitude -90..90, longitude -180..180)."
        )
        swapped = gettext("Are latitude and longitude swapped?")
        for index in np.flatnonzero(lat_out | lon_out):
            text = off_earth % {"latitude": f"{lat[index]:g}", "longitude": f"{lon[index]:g}"}
            if lat_out[index] and -90 <= lon[index] <= 90 and -180 <= lat[index] <= 180:
                text += " " + swapped
            result.reject(index, "latitude" if lat_out[index] else "longitude", text)
        bad = missing | lat_out | lon_out
        lon[bad] = 0.0
        lat[bad] = 0.0
        return lon, lat

    def _coordinate(self, raw, result, name, has_geometry):
        numbers = _numbers(raw, r"^(-?\d+),(\d+)$", r"\1.\2")  # a decimal comma ("21,0285"), common with ";"
        bad = (raw != "").to_numpy() & np.isnan(numbers) & ~has_geometry
        not_degrees = gettext("%(value)s is not a number in decimal degrees")
        for index in np.flatnonzero(bad):
            result.reject(index, name, not_degrees % {"value": repr(raw.iat[index])})
        return numbers

    def _totals(self, frame, result):
        total = frame["members_total"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        women = frame["members_women"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        men = frame["members_men"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            over = (women + men) > total
            # Either part alone (the other not given) may not exceed the total either (registry.services).
            women_over, men_over = ~over & (women > total), ~over & (men > total)
        both_over = gettext("members_women (%(women)s) + members_men (%(men)s) exceed members_total (%(total)s)")
        for index in np.flatnonzero(over):
            counts = {"women": f"{women[index]:.0f}", "men": f"{men[index]:.0f}", "total": f"{total[index]:.0f}"}
            result.reject(index, "members_total", both_over % counts)
        part_over = gettext("%(field)s (%(count)s) exceed members_total (%(total)s)")
        for part, counts, rows in (("members_women", women, women_over), ("members_men", men, men_over)):
            for index in np.flatnonzero(rows):
                values = {"field": part, "count": f"{counts[index]:.0f}", "total": f"{total[index]:.0f}"}
                result.reject(index, "members_total", part_over % values)
        workers = frame["workers_total"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        workers_women = frame["workers_women"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            over = workers_women > workers
        workers_over = gettext("workers_women (%(women)s) exceed workers_total (%(total)s)")
        for index in np.flatnonzero(over):
            counts = {"women": f"{workers_women[index]:.0f}", "total": f"{workers[index]:.0f}"}
            result.reject(index, "workers_women", workers_over % counts)

    def _review(self, table, result):
        raw = self.column(table, "review_status")
        raw = raw.map({value: _key(value) for value in raw.unique()})
        for index in np.flatnonzero(raw.str.contains("not_approved").to_numpy()):
            result.reject(index, "review_status", gettext("the submission was not approved in the KoboToolbox review"))
        on_hold = gettext("the submission is on hold in the KoboToolbox review: confirm it to import it")
        for index in np.flatnonzero(raw.str.contains("on_hold").to_numpy()):
            result.holds[int(index)] = on_hold


def _ascii_digits(raw):
    """`raw` with other scripts' digits written as 0-9, for the number and date fields only (a name keeps
    its own digits). Only the cells that hold such a digit are rewritten."""
    local = raw.str.contains(LOCAL_DIGIT, na=False)
    if not local.any():
        return raw
    raw = raw.copy()
    raw[local] = raw[local].map(ascii_digits)
    return raw


def _numbers(raw, pattern, replacement):
    """The cells as floats (NaN where not a number), rewriting with `pattern` only the cells that do not parse as is."""
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    retry = np.isnan(numbers) & (raw != "").to_numpy()
    if retry.any():
        rewritten = _ascii_digits(raw[retry]).str.replace(pattern, replacement, regex=True)
        numbers[retry] = pd.to_numeric(rewritten, errors="coerce").to_numpy(dtype=float)
    return numbers


def random_uuids(count):
    """`count` random (version 4) UUIDs as 32-digit hex strings, made in one go rather than one uuid4() per row."""
    octets = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    octets[:, 6] = (octets[:, 6] & 0x0F) | 0x40  # version 4
    octets[:, 8] = (octets[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    digits = octets.tobytes().hex()
    return [digits[start : start + 32] for start in range(0, 32 * count, 32)]


def _json_ready(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class Importer:
    """Runs one batch: read, map, validate, check against the country and the registry, write, report."""

    STAGES = ["reading", "validating", "checking locations", "checking duplicates", "writing", "done"]

    def __init__(self, batch, progress=None):
        self.batch = batch
        self.country = batch.country
        self.progress = progress

    def report(self, stage, done=None, total=None):
        batch = self.batch
        batch.stage = stage
        if total is not None:
            batch.progress_total = total
        if done is not None:
            batch.progress_done = done
        ImportBatch.objects.filter(pk=batch.pk).update(
            stage=batch.stage, progress_done=batch.progress_done, progress_total=batch.progress_total
        )
        if self.progress:
            self.progress(stage, batch.progress_done, batch.progress_total)

    def run(self, raw):
        batch = self.batch
        self.report("reading", 0, 0)
        table = read_table(raw, batch.original_name, self.country.pk, batch.declared_encoding)
        batch.file_format, batch.encoding, batch.delimiter = table.file_format, table.encoding, table.delimiter
        batch.columns = [str(column) for column in table.columns]
        batch.warnings = list(table.warnings)
        mapping = resolve_mapping(batch.columns, batch.mapping or {})
        if table.lon is not None:
            # A geographic file's points are in its features, not its columns: the kept rows (and so the
            # rejected-rows CSV, which a researcher corrects and uploads again) carry them as two columns.
            batch.columns += [name for name in GEOMETRY_COLUMNS if name not in batch.columns]
        self._require_mapping(mapping, table)
        batch.resolved_mapping = mapping
        self._mapped = set(mapping)
        total = len(table)
        batch.rows_in = total
        self.report("validating", 0, total)
        validated = RowValidator(self.country, mapping).validate(table)
        batch.warnings += validated.warnings
        self.report("validating", total // 4)
        outcome = np.full(total, "", dtype=object)
        reason = np.full(total, "", dtype=object)
        field_name = np.full(total, "", dtype=object)
        entity_id = np.full(total, None, dtype=object)
        duplicate_of = np.full(total, None, dtype=object)
        duplicate_row = np.full(total, None, dtype=object)
        for index, problems in validated.errors.items():
            outcome[index] = ImportRow.Outcome.REJECTED
            field_name[index] = problems[0][0]
            reason[index] = "; ".join(f"{name}: {text}" for name, text in problems)
        for index, text in validated.holds.items():
            if not outcome[index]:
                outcome[index] = ImportRow.Outcome.HELD
                reason[index] = text
                field_name[index] = "review_status"
        frame = validated.frame
        frame["row_index"] = np.arange(total)
        frame["row_number"] = table.row_numbers
        frame["new_id"] = random_uuids(total)
        self._duplicate_external_ids(frame, outcome, reason, field_name, duplicate_row, table)
        if table.file_format == "shapefile":
            self._keep_text_cut_by_the_dbf(frame, outcome, table)

        columns = self._written_columns(mapping)
        staged_mask = outcome == ""
        with connection.cursor() as cursor:
            sql.without_jit(cursor)
            sql.create_staging(cursor)
            try:
                sql.copy_staging(cursor, frame[staged_mask])
                self.report("checking locations", total // 2)
                self._check_locations(cursor, frame, outcome, reason, field_name)
                self.report("checking duplicates", (total * 3) // 5)
                self._check_duplicates(
                    cursor, columns, outcome, reason, field_name, entity_id, duplicate_of, duplicate_row, frame
                )
                if not batch.dry_run:  # a dry run writes nothing, and its page should not say otherwise
                    self.report("writing", (total * 4) // 5)
                with transaction.atomic():
                    new_mask = outcome == ""
                    outcome[new_mask] = ImportRow.Outcome.IMPORTED
                    if not batch.dry_run:
                        entity_id[new_mask] = frame["new_id"].to_numpy()[new_mask]
                        self._write(
                            cursor, columns, int(new_mask.sum()), int((outcome == ImportRow.Outcome.UPDATED).sum())
                        )
                    self._write_report(
                        cursor, table, frame, outcome, reason, field_name, entity_id, duplicate_of, duplicate_row
                    )
                    counts = pd.Series(outcome).value_counts()
                    batch.imported = int(counts.get(ImportRow.Outcome.IMPORTED, 0))
                    batch.updated = int(counts.get(ImportRow.Outcome.UPDATED, 0))
                    batch.unchanged = int(counts.get(ImportRow.Outcome.UNCHANGED, 0))
                    batch.held = int(counts.get(ImportRow.Outcome.HELD, 0))
                    batch.rejected = int(counts.get(ImportRow.Outcome.REJECTED, 0))
                    batch.status = ImportBatch.Status.DONE
                    batch.stage = "done"
                    batch.progress_done = total
                    batch.finished_at = timezone.now()
                    batch.save()
            finally:
                cursor.execute("DROP TABLE IF EXISTS exchange_staging")
                sql.restore_jit(cursor)
        if self.progress:
            self.progress("done", total, total)
        return batch

    def _require_mapping(self, mapping, table):
        problem = missing_from_mapping(mapping, [str(column) for column in table.columns], table.lon is not None)
        if problem:
            raise MappingError(problem)

    def _written_columns(self, mapping):
        """The entity columns this file fills: an update never blanks a column the file does not have."""
        written = [name for name in sql.ENTITY_COLUMNS if name.removesuffix("_id") in mapping]
        if "legal_form" in mapping and "family_id" not in written:
            written.append("family_id")
        if {"locality", "region", "postcode"} & set(mapping) and "address" not in written:
            written.append("address")
        return written

    def _duplicate_external_ids(self, frame, outcome, reason, field_name, duplicate_row, table):
        ids = frame["external_id"]
        candidates = (ids != "") & pd.Series(outcome == "")
        repeated = ids[candidates].duplicated(keep="first")
        first_row = frame[candidates].groupby("external_id")["row_number"].transform("min")
        for index in repeated[repeated].index:
            outcome[index] = ImportRow.Outcome.REJECTED
            field_name[index] = "external_id"
            duplicate_row[index] = int(first_row[index])
            reason[index] = "external_id: " + gettext(
                "%(value)s is also the external id of row %(row)s of this file, which is the one imported"
            ) % {"value": repr(ids.iat[index]), "row": int(first_row[index])}

    def _keep_text_cut_by_the_dbf(self, frame, outcome, table):
        """A Shapefile's text holds at most DBF_TEXT_BYTES bytes: a longer name or address (a Khmer or Thai name
        of 85 letters) was cut when the file was written, by our Shapefile export among others. Where such a
        cut text begins the registry's text of the same entity (same external id), the registry's whole text
        is kept, so that re-importing an exported Shapefile does not shorten it; the others are said to be
        perhaps cut."""
        encoding = table.encoding or "utf-8"
        text_fields = [name for name in TEXT_FIELDS if name in self._mapped]
        waiting = outcome == ""
        cut = {}
        for name in text_fields:
            # A character is at most 4 bytes: only texts of a quarter of the limit or more need encoding.
            long_enough = waiting & (frame[name].str.len().to_numpy() * 4 >= DBF_TEXT_BYTES - 3)
            for index in np.flatnonzero(long_enough):
                value = frame[name].iat[index]
                if len(value.encode(encoding, errors="replace")) >= DBF_TEXT_BYTES - 3:
                    cut.setdefault(int(index), []).append(name)
        if not cut:
            return
        ids = {frame["external_id"].iat[index] for index in cut} - {""}
        registry = {
            values["external_id"]: values
            for values in Entity.objects.filter(country=self.country, external_id__in=ids).values(
                "external_id", *text_fields
            )
        }
        kept, doubtful = 0, []
        for index, names in cut.items():
            known = registry.get(frame["external_id"].iat[index], {})
            for name in names:
                value, whole = frame[name].iat[index], known.get(name) or ""
                if len(whole) > len(value) and whole.startswith(value):
                    frame.loc[index, name] = whole
                    kept += 1
                else:
                    doubtful.append(f"{frame['row_number'].iat[index]} ({name})")
        if kept:
            self.batch.warnings.append(
                gettext(
                    "%(count)s texts of the Shapefile were cut at its limit of %(limit)s bytes; the registry's "
                    "whole texts, which begin with them, were kept."
                )
                % {"count": f"{kept:,}", "limit": DBF_TEXT_BYTES}
            )
        if doubtful:
            self.batch.warnings.append(
                gettext(
                    "A Shapefile holds at most %(limit)s bytes of text in a field: these texts reach it and may have "
                    "been cut (row and field): %(rows)s. A GeoPackage or CSV holds the whole text."
                )
                % {"limit": DBF_TEXT_BYTES, "rows": shown_list(doubtful)}
            )

    def _check_locations(self, cursor, frame, outcome, reason, field_name):
        tolerance = settings.COAST_TOLERANCE_METRES
        sql.place_in_areas(cursor, self.country.pk, datetime.date.today(), tolerance)
        outside = sql.points_outside_country(cursor, self.country.pk, settings.COAST_TOLERANCE_METRES)
        rejected = []
        for row_index, lon, lat in outside:
            try:
                check_point_in_country(Point(lon, lat, srid=4326), self.country)
                continue
            except LocationError as error:
                message = str(error)
            outcome[row_index] = ImportRow.Outcome.REJECTED
            field_name[row_index] = "latitude/longitude"
            reason[row_index] = f"latitude/longitude: {message}"
            rejected.append(row_index)
        sql.set_outcome(cursor, rejected, "rejected")
        if len(rejected) >= 3 and len(rejected) * 2 >= len(frame):
            # Said once for the file, above the per-row reasons: most likely the wrong country was chosen.
            self.batch.warnings.append(
                gettext(
                    "%(outside)s of %(rows)s rows lie outside %(country)s: is the file for another country? "
                    "If so, upload it again choosing that country."
                )
                % {"outside": f"{len(rejected):,}", "rows": f"{len(frame):,}", "country": self.country.display_name}
            )

    def _check_duplicates(
        self, cursor, columns, outcome, reason, field_name, entity_id, duplicate_of, duplicate_row, frame
    ):
        batch = self.batch
        updated, unchanged = [], []
        same_values = gettext("the entity with this external id is already in the registry with these values")
        for row_index, existing, differs in sql.match_external_ids(cursor, self.country.pk, columns):
            entity_id[row_index] = existing
            if differs:
                outcome[row_index] = ImportRow.Outcome.UPDATED
                updated.append(row_index)
            else:
                outcome[row_index] = ImportRow.Outcome.UNCHANGED
                reason[row_index] = same_values
                unchanged.append(row_index)
        sql.set_outcome(cursor, updated, "updated", [entity_id[i] for i in updated])
        sql.set_outcome(cursor, unchanged, "unchanged")
        held = []
        if sql.country_has_entities(cursor, self.country.pk):
            found = sql.similar_in_registry(
                cursor, self.country.pk, columns, batch.duplicate_distance_m, batch.name_similarity
            )
            same = []
            for row_index, existing, number, similarity, metres, identical in found:
                duplicate_of[row_index] = existing
                if identical:
                    outcome[row_index] = ImportRow.Outcome.UNCHANGED
                    reason[row_index] = gettext(
                        "already in the registry as %(number)s, with the same name, place and values"
                    ) % {"number": number}
                    entity_id[row_index] = existing
                    same.append(row_index)
                else:
                    outcome[row_index] = ImportRow.Outcome.HELD
                    field_name[row_index] = "name"
                    reason[row_index] = gettext(
                        "possible duplicate of %(number)s (%(metres)s m away, name similarity %(similarity)s): "
                        "confirm it as a new entity or mark it a duplicate"
                    ) % {"number": number, "metres": f"{metres:,.0f}", "similarity": f"{similarity:.2f}"}
                    held.append(row_index)
            sql.set_outcome(cursor, same, "unchanged")
        sql.set_outcome(cursor, held, "held")
        in_file = []
        repeated = gettext(
            "possible duplicate of row %(row)s of this file (same name, case and diacritics aside, within "
            "%(metres)s m): confirm it as a new entity or mark it a duplicate"
        )
        for row_index, first_row in sql.similar_in_file(cursor, batch.duplicate_distance_m):
            outcome[row_index] = ImportRow.Outcome.HELD
            field_name[row_index] = "name"
            duplicate_row[row_index] = first_row
            reason[row_index] = repeated % {"row": first_row, "metres": batch.duplicate_distance_m}
            in_file.append(row_index)
        sql.set_outcome(cursor, in_file, "held")

    def _write(self, cursor, columns, new_count, updated_count):
        batch = self.batch
        user_id = batch.created_by_id
        numbers = allocate_registry_numbers(self.country.pk, new_count) if new_count else []
        prefix = f"import {batch.pk} ({batch.original_name[:200]}) row "
        reason = history.import_batch_reason(batch.pk)
        if new_count:
            rebuild = new_count >= BULK_REBUILD_MIN_ROWS and new_count >= sql.entity_count_estimate(cursor)
            dropped = sql.drop_entity_indexes_and_keys(cursor) if rebuild else None
            sql.insert_new_entities(cursor, self.country.pk, numbers, batch.entity_source, prefix, user_id, reason)
            if rebuild:
                sql.restore_entity_indexes_and_keys(cursor, dropped)
        if updated_count:
            sql.update_entities(cursor, columns, user_id, reason)

    def _write_report(self, cursor, table, frame, outcome, reason, field_name, entity_id, duplicate_of, duplicate_row):
        kept = (outcome == ImportRow.Outcome.REJECTED) | (outcome == ImportRow.Outcome.HELD)
        data = np.full(len(frame), "{}", dtype=object)
        cleaned = np.full(len(frame), "{}", dtype=object)
        cleaned_columns = [*sql.ENTITY_COLUMNS, "lon", "lat"]
        for index in np.flatnonzero(kept):
            cells = dict(table.cells.iloc[index])
            if table.lon is not None:
                point = {"longitude": table.lon[index], "latitude": table.lat[index]}
                for name in GEOMETRY_COLUMNS:
                    cells.setdefault(
                        name, "" if np.isnan(point[name]) else f"{point[name]:.7f}".rstrip("0").rstrip(".")
                    )
            data[index] = orjson.dumps(cells).decode()
            if outcome[index] == ImportRow.Outcome.HELD:
                values = {name: _json_ready(frame[name].iat[index]) for name in cleaned_columns}
                cleaned[index] = orjson.dumps(values).decode()
        report = pd.DataFrame(
            {
                "batch_id": self.batch.pk,
                "row_number": frame["row_number"].to_numpy(),
                "outcome": outcome,
                "entity_id": entity_id,
                "field": field_name,
                "reason": reason,
                "duplicate_of_id": duplicate_of,
                "duplicate_of_row": pd.array(list(duplicate_row), dtype="Int64"),
                "data": data,
                "cleaned": cleaned,
                "resolution": "",
            }
        )
        sql.copy_import_rows(cursor, report)


# A .dbf text field holds at most this many bytes (GDAL cuts longer text, at a character's end).
DBF_TEXT_BYTES = 254
TEXT_FIELDS = (
    "name",
    "name_local",
    "name_romanized",
    "registering_authority",
    "address",
    "contact_name",
    "source_reference",
)

# The columns a geographic file's kept rows get for their feature's point (see Importer.run).
GEOMETRY_COLUMNS = ("longitude", "latitude")


def missing_from_mapping(mapping, columns, has_geometry):
    """What a mapping lacks for an import to run (name, coordinates, family or legal form), or None.

    The mapping page asks this before it starts the import, so the researcher can still choose columns.
    """
    listed = ", ".join(columns)
    if "name" not in mapping:
        return gettext(
            "No column gives the entity's name. Map one of the columns to 'name' (the file's columns: %(columns)s)."
        ) % {"columns": listed}
    has_coordinates = ("latitude" in mapping and "longitude" in mapping) or "geopoint" in mapping
    if not has_coordinates and not has_geometry:
        return gettext(
            "No columns give the coordinates. Map 'latitude' and 'longitude' (or a KoboToolbox 'geopoint') "
            "to columns of the file (its columns: %(columns)s)."
        ) % {"columns": listed}
    if "family" not in mapping and "legal_form" not in mapping:
        return gettext(
            "No column gives the entity family or the legal form. Map 'family' or 'legal_form' to a column "
            "(the file's columns: %(columns)s)."
        ) % {"columns": listed}
    return None


def read_upload(upload, via):
    """The bytes of an uploaded file (the page's or the API's), refused before they are read when the file is
    over the limit: Django has already spooled it to disk, and reading it would hold all of it in memory only
    to refuse it."""
    _refuse_oversized(upload.size, via)
    return upload.read()


def _refuse_oversized(size, via):
    """ImportFileError when `size` bytes are over the upload limit (the command, run by an administrator on
    the server, has none)."""
    if size > max_upload_bytes() and via != "command":
        raise ImportFileError(
            gettext(
                "The file is %(size)s MB; the largest file accepted here is %(limit)s MB. "
                "Split it, or ask an administrator to use the import command."
            )
            % {"size": f"{size / 1e6:,.1f}", "limit": f"{max_upload_bytes() / 1e6:,.1f}"}
        )


def create_batch(user, country, filename, raw, *, via="page", mapping=None, dry_run=False, **options):
    """Record an uploaded file as a batch (status 'uploaded' or 'queued'); refuses an oversized or empty file."""
    if not isinstance(country, Country):
        country = Country.objects.get(pk=country)
    _refuse_oversized(len(raw), via)
    if not raw:
        raise ImportFileError(gettext("The file is empty."))
    batch = ImportBatch(
        country=country,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        via=via,
        original_name=filename[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        mapping=mapping or {},
        dry_run=dry_run,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        **options,
    )
    batch.file.save(filename[-100:], ContentFile(raw), save=False)
    batch.save()
    return batch


def preview(batch):
    """Columns, automatic mapping and the first rows of an uploaded batch, for the mapping step."""
    raw = batch.file.open("rb").read()
    table = read_table(raw, batch.original_name, batch.country_id, batch.declared_encoding)
    mapping = resolve_mapping([str(column) for column in table.columns], batch.mapping or {})
    sample = table.cells.head(5).to_dict(orient="records")
    return {
        "columns": [str(column) for column in table.columns],
        "mapping": mapping,
        "sample": sample,
        "rows": len(table),
        "format": table.file_format,
        "encoding": table.encoding,
        "warnings": table.warnings,
        "geometry": table.lon is not None,
    }


def run_batch(batch, progress=None):
    """Run a batch to its end. Any problem with the file as a whole ends it 'failed' with the reason.

    The batch is claimed first (queued or uploaded -> running, in one conditional update): a second worker
    started for the same batch (background.keep_import_going) finds it taken and leaves it alone.
    """
    waiting = [ImportBatch.Status.QUEUED, ImportBatch.Status.UPLOADED]
    claimed = ImportBatch.objects.filter(pk=batch.pk, status__in=waiting).update(
        status=ImportBatch.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        batch.refresh_from_db()
        return batch
    batch.status = ImportBatch.Status.RUNNING
    batch.started_at = timezone.now()
    # The reasons and warnings are written in the language of the researcher who uploaded the file: the
    # background worker has no request to take it from.
    with translation.override(batch.language or settings.LANGUAGE_CODE):
        return _run_claimed(batch, progress)


def _run_claimed(batch, progress):
    try:
        with batch.file.open("rb") as handle:
            raw = handle.read()
        return Importer(batch, progress).run(raw)
    except (ImportFileError, MappingError) as error:
        return _fail(batch, str(error))
    except Exception as error:
        logger.exception("Import batch %s failed", batch.pk)
        _fail(
            batch,
            gettext("The import stopped on an unexpected error (%(error)s); nothing was written.")
            % {"error": type(error).__name__},
        )
        raise


def _fail(batch, message):
    batch.status = ImportBatch.Status.FAILED
    batch.message = message
    batch.finished_at = timezone.now()
    batch.rows_in = batch.imported = batch.updated = batch.unchanged = batch.held = batch.rejected = 0
    batch.save()
    return batch


def rejected_rows_csv(batch, stream):
    """Write the batch's rejected rows as CSV: the original columns plus row and reason, formula-safe."""
    writer = csv.writer(stream)
    columns = list(batch.columns)
    writer.writerow(["row", "field", "reason", *columns])
    for row in batch.rows.filter(outcome=ImportRow.Outcome.REJECTED).order_by("row_number").iterator():
        writer.writerow(
            [row.row_number, row.field, safe_cell(row.reason), *(safe_cell(row.data.get(c, "")) for c in columns)]
        )


def held_row_entity_data(row):
    """The validated values of a held row as entity-service data (point built from lon/lat)."""
    values = dict(row.cleaned)
    lon, lat = values.pop("lon"), values.pop("lat")
    values["point"] = Point(lon, lat, srid=4326)
    sectors = values.get("sectors") or "{}"
    values["sectors"] = [code for code in sectors.strip("{}").split(",") if code]
    if values.get("registration_date"):
        values["registration_date"] = datetime.date.fromisoformat(values["registration_date"])
    for key in ("family_id", "legal_form_id"):
        if values.get(key) is not None:
            values[key] = int(values[key])
    return values


def resolve_held_row(user, row, decision):
    """A researcher's decision on a held row: 'new' registers it (through registry.services), 'duplicate' drops it."""
    from django.core.exceptions import PermissionDenied

    from registry.permissions import can_edit_registry

    if not can_edit_registry(user, row.batch.country_id):
        raise PermissionDenied("Only researchers of the country decide on held rows.")
    with transaction.atomic():
        # Read again under a lock: a second click, or a colleague deciding the same row at the same moment,
        # waits here and then finds it decided, instead of registering the entity a second time.
        decided = ImportRow.objects.select_for_update().values("outcome", "resolution").get(pk=row.pk)
        if decided["outcome"] != ImportRow.Outcome.HELD or decided["resolution"]:
            raise ValueError(gettext("This row is not waiting for a decision."))
        if row.batch.dry_run:
            raise ValueError(gettext("This was a dry run: import the file for real to register its rows."))
        return _record_decision(user, row, decision)


def _record_decision(user, row, decision):
    from registry.services import create_entity

    if decision == "new":
        values = held_row_entity_data(row)
        data = {
            key: value
            for key, value in values.items()
            if key not in {"family_id", "legal_form_id"} and value is not None
        }
        data["family"] = values.get("family_id")
        if values.get("legal_form_id"):
            data["legal_form"] = values["legal_form_id"]
        data["country"] = row.batch.country
        data["source"] = row.batch.entity_source
        if not data.get("source_reference"):
            data["source_reference"] = f"import {row.batch.pk} ({row.batch.original_name[:200]}) row {row.row_number}"
        entity = create_entity(user, data, reason=history.held_row_confirmed_reason(row.batch.pk))
        row.entity = entity
        row.resolution = ImportRow.Resolution.CONFIRMED_NEW
    elif decision == "duplicate":
        row.resolution = ImportRow.Resolution.DUPLICATE
    else:
        raise ValueError(gettext("Unknown decision %(decision)s: 'new' or 'duplicate'.") % {"decision": repr(decision)})
    row.resolved_by = user
    row.resolved_at = timezone.now()
    row.save()
    return row
