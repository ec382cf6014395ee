"""Synthetic demo assessments so that the demo dashboard has colour. Every one is marked is_demo.

Deterministic (a hash of instrument and provision decides the rating), never
overwrites a rating someone entered, and removable with one query.
"""

import datetime
import hashlib

from django.db import transaction

from .matrix import instruments_in_force_by_country
from .models import Assessment, Instrument, Provision, Rating

DEMO_NOTE = "Synthetic demo rating generated for the demonstration: not an assessment of this law."
# Weighted so that the demo looks like a plausible spread rather than noise.
DEMO_RATINGS = (
    [Rating.ALIGNED] * 4
    + [Rating.PARTLY_ALIGNED] * 3
    + [Rating.NOT_ADDRESSED] * 2
    + [
        Rating.NOT_ALIGNED,
        Rating.NOT_APPLICABLE,
    ]
)
# Instruments rated besides each country's law in force, so the comparison page has a pair (Viet Nam 2012 vs 2023).
EXTRA_CODES = ["vnm-coop-2012"]


def _demo_rating(instrument_code, provision_key):
    digest = hashlib.sha256(f"{instrument_code}:{provision_key}".encode()).digest()
    return DEMO_RATINGS[digest[0] % len(DEMO_RATINGS)]


@transaction.atomic
def generate_demo_assessments(on=None):
    """Rate every unrated provision of the demo instruments; returns how many assessments were created."""
    on = on or datetime.date.today()
    instruments = list(instruments_in_force_by_country().values())
    instruments += list(Instrument.objects.filter(code__in=EXTRA_CODES))
    provisions = list(Provision.objects.all())
    existing = set(Assessment.objects.filter(instrument__in=instruments).values_list("instrument_id", "provision_id"))
    new = [
        Assessment(
            instrument=instrument,
            provision=provision,
            rating=_demo_rating(instrument.code, provision.key),
            note=DEMO_NOTE,
            assessed_on=on,
            is_demo=True,
        )
        for instrument in instruments
        for provision in provisions
        if (instrument.pk, provision.pk) not in existing
    ]
    # bulk_create skips simple_history's signals: write the history rows ourselves.
    Assessment.objects.bulk_create(new)
    if new:
        Assessment.history.bulk_history_create(new, default_change_reason="demo data")
    return len(new)


def remove_demo_assessments():
    return Assessment.objects.filter(is_demo=True).delete()[0]
