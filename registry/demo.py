"""Synthetic demo entities for the five countries, written in bulk with PostgreSQL COPY.

Deterministic: the same (count, seed) gives the same entities (names, points,
members, registry numbers). Every row is `is_demo=True`, `source="demo"` and
carries the dataset's key in `source_reference`, so it can never be mistaken
for a real record and a second run knows the dataset is already there.

Points are drawn around real towns and kept only if they fall inside one of the
country's provinces in force today; the province found is stored as the
entity's `admin_area` by the same rule as registry.location (containing area,
lowest id on a shared edge). One "+" history row per entity is written in bulk.
"""

import datetime
import io
import uuid
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils import timezone

from . import history, sql
from .demo_places import (
    ACTIVITIES,
    COUNTRY_SHARES,
    FORM_LAST,
    LEGAL_FORM_MIX,
    PHONE_PREFIX,
    PRECISION_MIX,
    REGISTERING_AUTHORITY,
    SPREAD_DEGREES,
    STATUS_MIX,
    TOWNS,
    VERIFICATION_MIX,
)
from .models import Country, LegalForm
from .numbering import allocate_registry_numbers

CHUNK_ROWS = 50_000
# From this size on, foreign keys are checked and secondary indexes built once after the load, not per row.
BULK_FOREIGN_KEY_THRESHOLD = 100_000


def dataset_key(count, seed):
    """The `source_reference` every entity of one generated dataset carries."""
    return f"generate_demo_entities count={count} seed={seed}"


@dataclass
class DemoReport:
    count: int
    seed: int
    created: int
    removed: int
    skipped: bool
    per_country: dict

    def __str__(self):
        if self.skipped:
            return f"demo dataset of {self.count:,} entities (seed {self.seed}) already present; nothing written"
        countries = ", ".join(f"{iso3} {n:,}" for iso3, n in self.per_country.items())
        removed = f"; {self.removed:,} earlier demo entities removed" if self.removed else ""
        return f"{self.created:,} synthetic demo entities written ({countries}){removed}"


def demo_dataset_present(count, seed):
    """True when the database holds exactly this dataset and no other demo entities."""
    with connection.cursor() as cursor:
        cursor.execute(sql.DEMO_DATASET_SIZE, {"source_reference": dataset_key(count, seed)})
        in_dataset = cursor.fetchone()[0]
        cursor.execute(sql.DEMO_ENTITY_COUNT)
        all_demo = cursor.fetchone()[0]
    return in_dataset == count and all_demo == count


def ensure_demo_entities(count, seed=1, progress=None):
    """Make sure the demo dataset (count, seed) is what the database holds; generate it only if not.

    For benchmarks and `make run`: cheap when the data is already there.
    """
    if demo_dataset_present(count, seed):
        return DemoReport(count, seed, 0, 0, True, {})
    return generate_demo_entities(count, seed, progress=progress)


def country_counts(count):
    """How many of `count` entities each country gets (shares of COUNTRY_SHARES, summing exactly to count)."""
    counts = {iso3: int(count * share) for iso3, share in COUNTRY_SHARES.items()}
    counts["VNM"] += count - sum(counts.values())
    return counts


@transaction.atomic
def generate_demo_entities(count, seed=1, progress=None):
    """Replace every demo entity by the dataset (count, seed). Real entities are never touched."""
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    removed = remove_demo_entities()
    rng = np.random.default_rng(seed)
    key = dataset_key(count, seed)
    families = _family_ids()
    per_country = {}
    large = count >= BULK_FOREIGN_KEY_THRESHOLD
    foreign_keys = _drop_foreign_keys() if large else []
    indexes = _drop_secondary_indexes() if large else []
    for iso3, n in country_counts(count).items():
        if n == 0 or not Country.objects.filter(iso3=iso3).exists():
            continue
        generator = _CountryGenerator(iso3, rng, key, families)
        numbers = allocate_registry_numbers(iso3, n)
        for start in range(0, n, CHUNK_ROWS):
            size = min(CHUNK_ROWS, n - start)
            buffer = generator.rows(numbers[start : start + size])
            with connection.cursor() as cursor:
                cursor.copy_expert(sql.COPY_ENTITIES, buffer)
            if progress:
                progress(size)
        per_country[iso3] = n
    _add_foreign_keys(foreign_keys)
    _create_indexes(indexes)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.INSERT_CREATION_HISTORY_BY_SOURCE_REFERENCE,
            {"reason": history.DEMO_DATA, "user_id": None, "source_reference": key, "is_demo": True},
        )
        cursor.execute("ANALYZE registry_entity")
    return DemoReport(count, seed, sum(per_country.values()), removed, False, per_country)


def remove_demo_entities():
    """Delete every demo entity with its history and classifications; returns how many entities went."""
    with connection.cursor() as cursor:
        cursor.execute(sql.DEMO_ENTITY_COUNT)
        existing = cursor.fetchone()[0]
        if existing:
            cursor.execute(sql.DELETE_DEMO_CLASSIFICATIONS)
            cursor.execute(sql.DELETE_DEMO_HISTORY)
            cursor.execute(sql.DELETE_DEMO_ENTITIES)
        cursor.execute(sql.RESET_REGISTRY_COUNTERS)
    return existing


def _drop_foreign_keys():
    with connection.cursor() as cursor:
        cursor.execute(sql.CHECK_DEFERRED_CONSTRAINTS_NOW)
        cursor.execute(sql.ENTITY_FOREIGN_KEYS)
        foreign_keys = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(sql.DROP_ENTITY_CONSTRAINT.format(name=connection.ops.quote_name(name)))
    return foreign_keys


def _add_foreign_keys(foreign_keys):
    with connection.cursor() as cursor:
        for name, definition in foreign_keys:
            cursor.execute(
                sql.ADD_ENTITY_CONSTRAINT.format(name=connection.ops.quote_name(name), definition=definition)
            )


def _drop_secondary_indexes():
    with connection.cursor() as cursor:
        cursor.execute(sql.ENTITY_SECONDARY_INDEXES)
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(sql.DROP_INDEX.format(name=connection.ops.quote_name(name)))
    return indexes


def _create_indexes(indexes):
    # The definitions are pg_indexes' own CREATE INDEX statements, read just before.
    with connection.cursor() as cursor:
        if indexes:
            cursor.execute(sql.BULK_INDEX_BUILD_MEMORY)
        for _, definition in indexes:
            cursor.execute(definition)


def _family_ids():
    from .models import EntityFamily

    return dict(EntityFamily.objects.values_list("code", "id"))


def _weighted(mix):
    keys = list(mix)
    weights = np.array([mix[k] if not isinstance(mix[k], tuple) else mix[k][0] for k in keys], dtype=float)
    return keys, weights / weights.sum()


class _CountryGenerator:
    """Draws one country's entities chunk by chunk and renders them as COPY text."""

    def __init__(self, iso3, rng, source_reference, families):
        self.iso3 = iso3
        self.rng = rng
        self.source_reference = source_reference
        self.now = timezone.now().isoformat()
        self.today = datetime.date.today()
        self.towns = TOWNS[iso3]
        weights = np.array([town[4] for town in self.towns], dtype=float)
        self.town_p = weights / weights.sum()
        self.spread = SPREAD_DEGREES[iso3]
        forms = {form.code: form for form in LegalForm.objects.filter(country_id=iso3).select_related("family")}
        self.form_codes, self.form_p = _weighted(LEGAL_FORM_MIX[iso3])
        self.forms = [forms[code] for code in self.form_codes]
        self.form_romanized = [LEGAL_FORM_MIX[iso3][code][1] for code in self.form_codes]
        self.self_help_family = families["self_help_group"]
        self.activities = ACTIVITIES[iso3]
        self.area_ids, geoms = self._current_areas()
        self.area_tree = shapely.STRtree(geoms)
        self.iso2 = Country.objects.get(iso3=iso3).iso2

    def _current_areas(self):
        with connection.cursor() as cursor:
            cursor.execute(sql.CURRENT_AREAS_WKB, {"country": self.iso3, "day": datetime.date.today()})
            rows = cursor.fetchall()
        return np.array([row[0] for row in rows]), shapely.from_wkb([bytes(row[1]) for row in rows])

    def _points(self, n):
        """(lon, lat, area_id, town index) for n entities, each inside a province in force today."""
        town = self.rng.choice(len(self.towns), size=n, p=self.town_p)
        lon = np.empty(n)
        lat = np.empty(n)
        area = np.full(n, -1, dtype=np.int64)
        todo = np.arange(n)
        for attempt in range(8):
            # A fifth are rural (wider spread); later attempts shrink the spread to
            # keep coastal and border towns' entities on land.
            wide = self.rng.random(todo.size) < 0.2
            sigma = self.spread * np.where(wide, 3.0, 1.0) / (1 + attempt)
            lon[todo] = np.array([self.towns[t][2] for t in town[todo]]) + self.rng.normal(0, 1, todo.size) * sigma
            lat[todo] = np.array([self.towns[t][3] for t in town[todo]]) + self.rng.normal(0, 1, todo.size) * sigma
            points = shapely.points(lon[todo], lat[todo])
            point_index, area_index = self.area_tree.query(points, predicate="intersects")
            # Lowest area id on a shared edge, the rule of registry.location.
            found = np.full(todo.size, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(found, point_index, self.area_ids[area_index])
            found[found == np.iinfo(np.int64).max] = -1
            area[todo] = found
            todo = todo[found < 0]
            if todo.size == 0:
                break
        if todo.size:
            # A town whose centre lies off the generalized coastline: use the
            # nearest province's interior point, which is surely inside.
            for index in todo:
                t = self.towns[town[index]]
                nearest = self.area_tree.nearest(shapely.Point(t[2], t[3]))
                inner = shapely.point_on_surface(self.area_tree.geometries[nearest])
                lon[index], lat[index], area[index] = inner.x, inner.y, self.area_ids[nearest]
        return lon, lat, area, town

    def rows(self, registry_numbers):
        """COPY text for one chunk of entities carrying `registry_numbers`."""
        rng = self.rng
        n = len(registry_numbers)
        lon, lat, area, town = self._points(n)
        form_index = rng.choice(len(self.forms), size=n, p=self.form_p)
        informal = rng.random(n) < 0.04  # informal self-help groups: no legal form
        activity = rng.integers(0, len(self.activities), size=n)
        second_sector = rng.integers(0, 21, size=n)
        has_second_sector = rng.random(n) < 0.25
        serial = rng.integers(1, 300, size=n)
        statuses, status_p = _weighted(STATUS_MIX)
        status = rng.choice(statuses, size=n, p=status_p)
        verifications, verification_p = _weighted(VERIFICATION_MIX)
        verification = rng.choice(verifications, size=n, p=verification_p)
        precisions, precision_p = _weighted(PRECISION_MIX)
        precision = rng.choice(precisions, size=n, p=precision_p)
        members = np.clip(np.round(rng.lognormal(3.4, 0.9, size=n)), 3, 20_000).astype(int)
        women_share = rng.beta(4, 4, size=n)
        women = rng.binomial(members, women_share)
        sex_known = rng.random(n) < 0.85
        workers = rng.binomial(members, 0.15)
        workers_women = rng.binomial(workers, women_share)
        founded = rng.integers(1985, 2025, size=n)
        registered = rng.random(n) < 0.7
        registration_offset = rng.integers(0, 365 * 3, size=n)
        has_contact = rng.random(n) < 0.5
        phone = rng.integers(10_000_000, 99_999_999, size=n)
        id_bytes = rng.bytes(16 * n)
        sectors_codes = "ABCDEFGHIJKLMNOPQRSTU"

        out = io.StringIO()
        write = out.write
        for i in range(n):
            town_en, town_local = self.towns[town[i]][0], self.towns[town[i]][1]
            activity_local, activity_romanized, sector = self.activities[activity[i]]
            form = self.forms[form_index[i]]
            if informal[i]:
                legal_form_id, family_id = "\\N", self.self_help_family
                prefix_local, prefix_romanized = "", ""
            else:
                legal_form_id, family_id = form.pk, form.family_id
                prefix_local, prefix_romanized = form.name_local, self.form_romanized[form_index[i]]
            if self.iso3 in FORM_LAST:
                local = f"{town_local} {activity_local.lower()} {prefix_local.lower()} {serial[i]}"
                romanized = f"{town_en} {activity_romanized} {prefix_romanized} {serial[i]}"
            else:
                local = f"{prefix_local} {activity_local} {town_local} {serial[i]}"
                romanized = f"{prefix_romanized} {activity_romanized} {town_en} {serial[i]}"
            local = " ".join(local.split())
            romanized = " ".join(romanized.split())
            sectors = sector
            if has_second_sector[i] and sectors_codes[second_sector[i]] != sector:
                sectors = f"{sector},{sectors_codes[second_sector[i]]}"
            if registered[i] and not informal[i]:
                # Never in the future (registry.services refuses one): an entity founded this year is
                # registered by today at the latest.
                registration_date = min(
                    datetime.date(int(founded[i]), 1, 1) + datetime.timedelta(days=int(registration_offset[i])),
                    self.today,
                ).isoformat()
                registration_number = f"{self.iso2}-{founded[i]}-{phone[i] % 1_000_000:06d}"
                authority = REGISTERING_AUTHORITY[self.iso3]
            else:
                registration_date, registration_number, authority = "\\N", "", ""
            if sex_known[i]:
                members_women, members_men = women[i], members[i] - women[i]
            else:
                members_women = members_men = "\\N"
            if has_contact[i]:
                contact = (f"Demo contact {registry_numbers[i]}", f"{PHONE_PREFIX[self.iso3]}{phone[i]}",
                           f"{registry_numbers[i].lower()}@demo.invalid")  # fmt: skip
            else:
                contact = ("", "", "")
            entity_id = uuid.UUID(bytes=id_bytes[16 * i : 16 * i + 16], version=4)
            write(
                "\t".join(
                    map(
                        str,
                        (
                            entity_id,
                            self.iso3,
                            registry_numbers[i],
                            local if self.iso3 == "VNM" else romanized,
                            local,
                            romanized,
                            family_id,
                            legal_form_id,
                            registration_number,
                            authority,
                            registration_date,
                            founded[i],
                            status[i],
                            members[i],
                            members_women,
                            members_men,
                            workers[i],
                            workers_women[i],
                            "{" + sectors + "}",
                            f"SRID=4326;POINT({lon[i]:.6f} {lat[i]:.6f})",
                            precision[i],
                            area[i],
                            f"{town_local}, {town_en}",
                            *contact,
                            "demo",
                            self.source_reference,
                            "",
                            verification[i],
                            "t",
                            1,
                            self.now,
                            self.now,
                        ),
                    )
                )
            )
            write("\n")
        out.seek(0)
        return out
