"""Recording a rating of an instrument against an R193 provision: the one way in for forms, admin and commands."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import Assessment, Provision, Rating, today_anywhere


def _provision(key):
    try:
        return Provision.objects.get(key=key)
    except Provision.DoesNotExist:
        raise ValidationError(
            {"provision": f"'{key}' is not a provision of the R193 checklist (keys such as P1, P6a, P13)."}
        ) from None


def check_assessed_on(assessed_on):
    """An assessment is dated the day it was made: never after today."""
    today = today_anywhere()
    if assessed_on > today:
        raise ValidationError(
            {
                "assessed_on": gettext("An assessment cannot be dated after today (%(today)s).")
                % {"today": date_format(today, "DATE_FORMAT")}
            }
        )


def _rating(value):
    if value not in Rating.values:
        allowed = ", ".join(Rating.values)
        raise ValidationError({"rating": f"'{value}' is not on the rating scale; use one of: {allowed}."})
    return value


@transaction.atomic
def record_assessment(
    instrument, provision_key, rating, *, evidence="", note="", assessor=None, assessed_on=None, is_demo=False
):
    """Create or update the assessment of `instrument` against one provision; returns it.

    Bad input raises ValidationError naming the field (provision, rating, assessed_on) and
    nothing is saved. History (who, when, what) is written by simple_history.
    """
    provision = _provision(provision_key)
    rating = _rating(rating)
    assessed_on = assessed_on or datetime.date.today()
    check_assessed_on(assessed_on)
    assessment, _ = Assessment.objects.update_or_create(
        instrument=instrument,
        provision=provision,
        defaults={
            "rating": rating,
            "evidence": evidence.strip(),
            "note": note.strip(),
            "assessor": assessor,
            "assessed_on": assessed_on,
            "is_demo": is_demo,
        },
    )
    return assessment
