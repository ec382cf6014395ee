"""Named querysets of the legislation app."""

from django.db import models


class InstrumentQuerySet(models.QuerySet):
    def in_country(self, country):
        return self.filter(country=country)

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
