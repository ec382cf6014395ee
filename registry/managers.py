"""Querysets for the reference geography: which area or country holds a point, on a date.

Every later capability (entity location, imports, committee maps) asks these
two questions through `AdminArea.objects.locate()` and `Country.objects.locate()`.
"""

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance
from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, CharField, F, Func, Q, Value
from django.db.models.functions import Upper

METRES_PER_DEGREE_LAT = 111_320


def country_is_any_of(countries, field="country_id"):
    """`field = ANY(array of countries)`, a condition for filter(): see EntityQuerySet.in_countries for why."""
    return _EqualsAny(F(field), Value(sorted(countries), output_field=ArrayField(CharField())))


class _EqualsAny(Func):
    """`column = ANY(array)`, a condition for filter()."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection):
        column, array = self.source_expressions
        column_sql, column_params = compiler.compile(column)
        array_sql, array_params = compiler.compile(array)
        return f"{column_sql} = ANY({array_sql})", [*column_params, *array_params]


@dataclass(frozen=True)
class Placement:
    """The answer to "where does this point fall?".

    `place` is the AdminArea or Country found, or None. `distance_m` is 0 when
    the point lies inside it, otherwise how far outside the (generalized)
    boundary it lies: such points were placed in the nearest unit within the
    coast tolerance. `message` says so in words a researcher understands.
    """

    place: object | None
    distance_m: float
    message: str

    @property
    def found(self):
        return self.place is not None

    @property
    def snapped(self):
        """True when the point lies outside the boundary and was placed in the nearest unit."""
        return self.place is not None and self.distance_m > 0


def _search_radius_degrees(point, tolerance_m):
    """A bounding radius in degrees that surely covers `tolerance_m` metres at this latitude.

    Used only to let the spatial index pick candidates; the exact test is done
    in metres on the spheroid afterwards.
    """
    shrink = max(math.cos(math.radians(point.y)), 0.2)
    return tolerance_m / METRES_PER_DEGREE_LAT / shrink * 1.1


def _describe_point(point):
    return f"({point.y:.5f}, {point.x:.5f}) [lat, lon]"


class _LocatableQuerySet(models.QuerySet):
    """Shared "contains, or nearest within tolerance" lookup."""

    def containing(self, point):
        return self.filter(geom__intersects=point)

    def nearest_within(self, point, tolerance_m):
        """Units within `tolerance_m` metres of the point, nearest first, annotated `distance`."""
        return (
            self.filter(geom__dwithin=(point, _search_radius_degrees(point, tolerance_m)))
            .annotate(distance=Distance("geom", point, spheroid=True))
            .filter(distance__lte=tolerance_m)
            .order_by("distance")
        )

    def _locate(self, point, tolerance_m, what):
        if point.srid is None:
            point.srid = settings.STORAGE_SRID
        tolerance_m = settings.COAST_TOLERANCE_METRES if tolerance_m is None else tolerance_m
        inside = self.containing(point).order_by("pk").first()
        if inside is not None:
            return Placement(inside, 0.0, f"{_describe_point(point)} lies in {inside}.")
        if tolerance_m > 0:
            near = self.nearest_within(point, tolerance_m).first()
            if near is not None:
                metres = near.distance.m
                return Placement(
                    near,
                    metres,
                    f"{_describe_point(point)} lies {metres / 1000:.1f} km outside the boundary of {near} "
                    f"(the boundary data is generalized); placed in {near}, the nearest {what}.",
                )
        return Placement(
            None,
            math.inf,
            f"{_describe_point(point)} lies in no {what}, nor within {tolerance_m / 1000:g} km of one.",
        )


class CountryQuerySet(_LocatableQuerySet):
    def without_outline(self):
        """Countries without their ADM0 geometry: pages that only need names skip fetching and parsing it."""
        return self.defer("geom")

    def locate(self, point, tolerance_m=None):
        """Which country holds `point` (SRID 4326, lon/lat order)? Returns a Placement."""
        return self._locate(point, tolerance_m, "of the five countries")


class AdminAreaQuerySet(_LocatableQuerySet):
    def valid_on(self, day):
        """Areas in force on `day` (both validity dates are inclusive)."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self):
        return self.valid_on(datetime.date.today())

    def of_level(self, level):
        return self.filter(level=level)

    def in_country(self, country):
        return self.filter(country=country)

    def locate(self, point, level=1, on=None, country=None, tolerance_m=None):
        """Which area of `level` holds `point` on date `on` (default today)? Returns a Placement.

        With `country` given, only that country's areas are candidates, so a
        coastal point just outside the generalized boundary snaps to the right
        country's nearest area rather than a neighbour's.
        """
        on = on or datetime.date.today()
        candidates = self.of_level(level).valid_on(on)
        if country is not None:
            candidates = candidates.in_country(country)
        return candidates._locate(point, tolerance_m, f"level-{level} area in force on {on.isoformat()}")


class SearchText(models.Func):
    """The folded names and registry number of an entity: the expression the trigram index is built on."""

    function = "registry_entity_search_text"
    output_field = models.TextField()

    def __init__(self):
        super().__init__("name", "name_local", "name_romanized", "registry_number")


def fold(text):
    """Lowercase `text` and strip its diacritics exactly as the database index does."""
    from django.db import connection

    from .sql import FOLD_TEXT

    with connection.cursor() as cursor:
        cursor.execute(FOLD_TEXT, [text])
        return cursor.fetchone()[0]


class EntityQuerySet(models.QuerySet):
    """Named filters of the registry, shared by pages, API, exports and maps."""

    def in_country(self, country):
        return self.filter(country=country)

    def in_countries(self, countries):
        """Entities of `countries` (ISO3 codes), in a form that keeps by_number() on its index.

        Given `country_id = 'VNM'` (which is what `country__in=['VNM']` becomes),
        PostgreSQL knows the country is fixed, drops it from the order and may
        walk the registry-number index instead, where every other country's
        numbers come first: VNM's first page then reads 650,000 rows (0.45 s at
        1M), because the estimate takes a country's rows to be spread evenly
        over all numbers. Written as `= ANY(array)` the country is no known
        constant, and only the (country, number) index gives by_number()'s order.
        """
        return self.filter(country_is_any_of(countries))

    def in_country_by_number(self, country):
        """in_country(country) in registry-number order, read along the (country, number) index."""
        return self.in_countries([country.pk]).by_number()

    def by_number(self):
        """In registry-number order, spelled (country, number): the same order, since numbers begin with
        their country's code, and the one the (country, number) index gives (see in_countries)."""
        return self.order_by("country_id", "registry_number")

    def active(self):
        return self.filter(status="active")

    def with_labels(self):
        """Entities with the rows their pages name (country, family, legal form, area), without those
        rows' geometries: a country outline or province shape per listed entity is megabytes nobody reads."""
        return self.select_related("country", "family", "legal_form", "admin_area").defer(
            "country__geom", "admin_area__geom"
        )

    def visible_to(self, user):
        """Entities whose full record the user may read (registry.permissions); none for anonymous users."""
        from .permissions import is_administrator, is_coop, readable_countries

        if is_administrator(user) or is_coop(user):
            return self.all()  # every country: a filter naming them all would only cost time
        return self.in_countries(readable_countries(user))

    def editable_by(self, user):
        from .permissions import editable_countries

        return self.filter(country__in=editable_countries(user))

    def search(self, text):
        """Entities whose names (any script) or registry number contain `text`, ignoring case and diacritics.

        A zero-width space in the query reads as a space: Khmer keyboards and word processors put one
        between words where the registry's names (typed or imported) mostly have a space, and it is
        invisible in the search box.
        """
        folded = fold(" ".join(str(text).replace("\u200b", " ").split()))
        if not folded:
            return self
        return self.filter(search_text__contains=folded)

    def search_ordered(self, text, within_one_country=False):
        """`search(text)` ordered by registry number, with a plan that suits where the matches lie.

        Registry numbers start with the country code, so matches of a search
        across countries cluster in one stretch of the number index (all of
        "Hoi An" is under VNM-): walking that index from the start to fill a
        page reads most of the registry (0.7 s at 1M). Ordering by Upper() of
        the number (the same order: numbers are upper case) has no index, so
        the planner takes the matches from the trigram index and sorts only
        them. Within one country, matches are spread over its numbers and
        walking the (country, number) index fills a page after a few rows.
        """
        if within_one_country:
            return self.search(text).by_number()
        return self.search(text).order_by(Upper("registry_number"))

    def in_area(self, area):
        # The area's country too (the same rows): the (country, area) index leads with the country.
        return self.filter(country_id=area.country_id, admin_area=area)

    def of_family(self, family):
        return self.filter(family=family)

    def of_legal_form(self, legal_form):
        return self.filter(legal_form=legal_form)

    def with_status(self, status):
        return self.filter(status=status)

    def with_verification(self, verification):
        return self.filter(verification=verification)

    def with_outcome(self, outcome, definition=None):
        """Entities classified with `outcome` under `definition` (default: their country's adopted version)."""
        if definition is not None:
            return self.filter(classifications__definition=definition, classifications__outcome=outcome)
        return self.filter(
            classifications__definition__status="adopted",
            classifications__definition__country=models.F("country"),
            classifications__outcome=outcome,
        )

    def qualifying(self, definition=None):
        return self.with_outcome("qualifies", definition)
