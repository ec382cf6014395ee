"""Side-by-side comparison of two instruments provision by provision (e.g. Viet Nam 2012 vs 2023).

`before` is the older (or reference) instrument, `after` the newer. For each
provision the change is improved / regressed / unchanged by the rank of
legislation.rating.RANK, or not comparable when either side is unrated or
not applicable (both sides not applicable included).
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from .models import Assessment, Provision, Rating
from .rating import RANK


class Change:
    IMPROVED = "improved"
    REGRESSED = "regressed"
    UNCHANGED = "unchanged"
    NOT_COMPARABLE = "not_comparable"

    LABELS = {
        IMPROVED: pgettext_lazy("comparison", "Improved"),
        REGRESSED: pgettext_lazy("comparison", "Regressed"),
        UNCHANGED: pgettext_lazy("comparison", "Unchanged"),
        NOT_COMPARABLE: pgettext_lazy("comparison", "Not comparable"),
    }


def change_between(before_rating, after_rating):
    """The change from one rating to another (values of Rating or None for unrated)."""
    if before_rating is None or after_rating is None:
        return Change.NOT_COMPARABLE
    if Rating.NOT_APPLICABLE in (before_rating, after_rating):
        # Never compared (README, and the page says so), even when both sides are not applicable: "unchanged"
        # would count a provision neither law concerns among those whose substance stayed the same.
        return Change.NOT_COMPARABLE
    difference = RANK[Rating(after_rating)] - RANK[Rating(before_rating)]
    if difference > 0:
        return Change.IMPROVED
    if difference < 0:
        return Change.REGRESSED
    return Change.UNCHANGED


@dataclass
class ComparisonRow:
    provision: Provision
    before: Assessment | None
    after: Assessment | None
    change: str

    @property
    def change_label(self):
        return Change.LABELS[self.change]


@dataclass
class Comparison:
    before: object
    after: object
    rows: list

    def count(self, change):
        return sum(1 for row in self.rows if row.change == change)

    @property
    def totals(self):
        """(change, label, count) in a fixed order."""
        return [(change, label, self.count(change)) for change, label in Change.LABELS.items()]


def compare(before, after):
    """Compare two instruments' assessments over every R193 provision (two queries)."""
    assessments = {
        (assessment.instrument_id, assessment.provision_id): assessment
        for assessment in Assessment.objects.filter(instrument__in=[before, after])
    }
    rows = []
    for provision in Provision.objects.all():
        old = assessments.get((before.pk, provision.pk))
        new = assessments.get((after.pk, provision.pk))
        change = change_between(old.rating if old else None, new.rating if new else None)
        rows.append(ComparisonRow(provision, old, new, change))
    return Comparison(before, after, rows)


def _adoption(instrument):
    """When an instrument was adopted, for ordering; an unknown date sorts first (such texts are the old ones)."""
    if instrument.adopted_on:
        return instrument.adopted_on
    if instrument.adopted_year:
        return datetime.date(instrument.adopted_year, 1, 1)
    return datetime.date.min


def in_date_order(first, second):
    """(before, after) of two instruments: the one a text supersedes comes first, else the earlier adopted."""
    if first.supersedes_id == second.pk:
        return second, first
    if second.supersedes_id == first.pk:
        return first, second
    return (first, second) if _adoption(first) <= _adoption(second) else (second, first)


def comparison_links(instrument, others):
    """(other, before, after) for comparing `instrument` with each of `others`, the older always as "before"."""
    return [(other, *in_date_order(other, instrument)) for other in others]
