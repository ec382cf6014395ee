"""Factories of the legislation app's tests (users and roles come from tests.factories)."""

import datetime

import factory

from legislation.models import Assessment, Instrument, Provision, ReformProcess


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    code = factory.Sequence(lambda n: f"test-instrument-{n}")
    country_id = "VNM"
    title = factory.Sequence(lambda n: f"Test law {n}")
    kind = Instrument.Kind.LAW
    subject = Instrument.Subject.COOPERATIVES
    status = Instrument.Status.DRAFT


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    instrument = factory.SubFactory(InstrumentFactory)
    provision = factory.LazyFunction(lambda: Provision.objects.first())
    rating = "aligned"
    assessed_on = factory.LazyFunction(datetime.date.today)


class ReformProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReformProcess

    country_id = "KGZ"
    title = factory.Sequence(lambda n: f"Reform {n}")
    started_on = datetime.date(2024, 3, 1)


def rate(instrument, ratings):
    """Give `instrument` the ratings {provision key: rating}; returns the assessments."""
    provisions = {p.key: p for p in Provision.objects.filter(key__in=ratings)}
    return [
        AssessmentFactory(instrument=instrument, provision=provisions[key], rating=rating)
        for key, rating in ratings.items()
    ]
