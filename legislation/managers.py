"""Named querysets of the legislation app."""

from django.core.validators import slug_re
from django.db import models


def _may_be_stored(text):
    """PostgreSQL text cannot hold a NUL character: a value with one matches nothing (instead of a 500)."""
    return "\x00" not in text


class InstrumentQuerySet(models.QuerySet):
    def in_country(self, country):
        return self.filter(country=country)

    def with_code(self, code):
        """The instrument with this code (a slug); none for a value that cannot be one, e.g. typed with a NUL."""
        return self.filter(code=code) if slug_re.fullmatch(code) else self.none()

    def in_force(self):
        return self.filter(status="in_force")

    def cooperative_laws(self):
        """Principal cooperative laws and decrees: not amendments, not implementing regulations."""
        return self.filter(
            subject="cooperatives", kind__in=["law", "decree"], amends__isnull=True, implements__isnull=True
        )

    def rated_in_dashboard(self):
        """Per country, the general cooperative law in force: the instrument the dashboard rates.

        Where several qualify, the most recently adopted wins (ordered so that
        it comes first per country).
        """
        return (
            self.cooperative_laws()
            .in_force()
            .select_related("country")
            .defer("country__geom")
            .order_by("country_id", models.F("adopted_year").desc(nulls_last=True), "-adopted_on", "-id")
        )


class ProvisionQuerySet(models.QuerySet):
    def with_key(self, key):
        """The R193 provision with this checklist key (P6a); none for a value no key can be."""
        return self.filter(key=key) if _may_be_stored(key) else self.none()
