"""Summary of an instrument's R193 assessment: counts per rating and the share aligned.

The share aligned is aligned / applicable, where applicable means rated and
not rated "not applicable". Provisions not yet rated are counted apart
(`unrated`) and are in neither the numerator nor the denominator, so a
half-finished review does not look worse (or better) than it is.
"""

import math
from dataclasses import dataclass, field

from django.db.models import Count

from .models import Assessment, Provision, Rating


def percent_of(fraction):
    """A share as a whole percentage, a half rounded up as people and spreadsheets do (1 of 8: 13%, not
    Python's round-half-to-even 12%, which would differ from the XLSX export's percentage format)."""
    return math.floor(100 * fraction + 0.5)


@dataclass
class Summary:
    """Counts per rating for one instrument, over the R193 checklist."""

    counts: dict = field(default_factory=dict)
    provisions: int = 0

    @property
    def rated(self):
        return sum(self.counts.values())

    @property
    def unrated(self):
        return self.provisions - self.rated

    @property
    def applicable(self):
        return self.rated - self.counts.get(Rating.NOT_APPLICABLE, 0)

    @property
    def aligned(self):
        return self.counts.get(Rating.ALIGNED, 0)

    @property
    def share_aligned(self):
        """Aligned / applicable as a fraction, or None when nothing applicable has been rated."""
        return self.aligned / self.applicable if self.applicable else None

    @property
    def share_aligned_percent(self):
        return None if self.applicable == 0 else percent_of(self.aligned / self.applicable)

    def rows(self):
        """(value, label, count) for every rating, in scale order."""
        return [(rating.value, rating.label, self.counts.get(rating.value, 0)) for rating in Rating]


def summaries_for(instruments):
    """{instrument id: Summary} for many instruments in one query."""
    provisions = Provision.objects.count()
    ids = [instrument.pk for instrument in instruments]
    result = {pk: Summary(provisions=provisions) for pk in ids}
    rows = Assessment.objects.filter(instrument_id__in=ids).values("instrument_id", "rating").annotate(n=Count("id"))
    for row in rows:
        result[row["instrument_id"]].counts[row["rating"]] = row["n"]
    return result


def summary_for(instrument):
    return summaries_for([instrument])[instrument.pk]
