"""Years written in the Buddhist era, as Thai registries and government lists write them.

Thailand dates its documents in the Buddhist era (B.E. 2545 is 2002 CE); the registry records Gregorian
years. A B.E. year of a founding or a registration is never a plausible Gregorian one: B.E. years from
EARLIEST_YEAR on start at 2343, centuries after today. So such a year is read as B.E. without doubt, and
converted where rows arrive in bulk (the importer, which says so in the batch's warnings) or pointed out
where a person typed it (the entity form and the API, whose refusal gives the Gregorian year).
"""

import datetime

# The registry's earliest founding or registration year (registry.services and exchange.importing check it).
EARLIEST_YEAR = 1800

BUDDHIST_ERA_OFFSET = 543  # B.E. = C.E. + 543 (Thai solar calendar)
WRITES_BUDDHIST_ERA = frozenset({"THA"})


def buddhist_era_range(country_iso3, today=None):
    """(first, last) B.E. year read as a founding or registration year in `country_iso3`, or None."""
    if country_iso3 not in WRITES_BUDDHIST_ERA:
        return None
    today = today or datetime.date.today()
    return EARLIEST_YEAR + BUDDHIST_ERA_OFFSET, today.year + BUDDHIST_ERA_OFFSET


def gregorian_year(year, country_iso3, today=None):
    """The Gregorian year of `year` if it can only be a Buddhist-era year written in that country, else None."""
    span = buddhist_era_range(country_iso3, today)
    if span is None or year is None or not span[0] <= year <= span[1]:
        return None
    return year - BUDDHIST_ERA_OFFSET
