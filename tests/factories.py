"""Factories shared by every app's tests (one module; each app adds its own section)."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point

from registry.models import CountryRole, Entity, EntityFamily, LegalForm
from registry.numbering import allocate_registry_numbers


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


def user_with_role(role, country=None, username=None, **extra):
    """A user holding one CountryRole (country: ISO3 or None for COOP/administrator)."""
    user = UserFactory(username=username or f"{role}-{(country or 'all').lower()}", **extra)
    CountryRole.objects.get_or_create(user=user, country_id=country, role=role)
    return user


class EntityFamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntityFamily
        django_get_or_create = ("code",)

    code = "cooperative"
    name = "Cooperative"


class LegalFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalForm
        django_get_or_create = ("country", "code")

    country_id = "VNM"
    code = "cooperative"
    name = "Cooperative"
    family = factory.SubFactory(EntityFamilyFactory)


class EntityFactory(factory.django.DjangoModelFactory):
    """An entity in central Hà Nội unless told otherwise; registry number allocated like the real paths."""

    class Meta:
        model = Entity

    country_id = "VNM"
    name = factory.Sequence(lambda n: f"Hợp tác xã Demo {n}")
    family = factory.SubFactory(EntityFamilyFactory)
    point = factory.LazyFunction(lambda: Point(105.8542, 21.0285, srid=4326))
    registry_number = factory.LazyAttribute(lambda entity: allocate_registry_numbers(entity.country_id)[0])


# --- mapping ---------------------------------------------------------------


def committee_member(country, username=None):
    """A user who is a member of `country`'s committee (listed on it and holding the committee role)."""
    from mapping.editions import add_member, committee_for
    from registry.models import Country

    user = UserFactory(username=username or f"member-{country.lower()}")
    add_member(committee_for(Country.objects.get(pk=country)), user)
    return user
