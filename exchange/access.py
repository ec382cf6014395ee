"""Which registry records a user reaches through the exchange app (API and downloads).

The rules are registry.permissions' (readable_countries, can_see_contact_data);
this module only turns them into querysets. Anonymous users and users without
a role in a country see the entities of that country's published map editions,
without personal contact data (DESIGN.md, "Roles"). Map editions follow
mapping.editions' rule, the edition pages'.
"""

from django.db.models import Q

from registry.models import Country, Entity
from registry.permissions import can_see_contact_data, readable_countries


def published_entity_ids():
    """Ids of entities that appear in a published map edition (as a subquery)."""
    from mapping.models import EditionEntity, MapEdition

    return EditionEntity.objects.filter(edition__status=MapEdition.Status.PUBLISHED).values("entity_id")


def _countries_with_published_editions():
    from mapping.models import MapEdition

    return set(
        MapEdition.objects.filter(status=MapEdition.Status.PUBLISHED).values_list("committee__country_id", flat=True)
    )


def readable_entities(user, queryset=None):
    """Entities the user may read: their countries' registries, plus what published editions show."""
    queryset = Entity.objects.all() if queryset is None else queryset
    countries = readable_countries(user)
    if countries and countries == set(Country.objects.values_list("iso3", flat=True)):
        return queryset  # reads every registry: no need for the (costly) published-editions clause
    # The countries first, as their own condition: the list is read in (country, number) order along its
    # index, one country's stretch after another (EntityQuerySet.in_countries); the rest filters within.
    reachable = queryset.in_countries(countries | _countries_with_published_editions())
    return reachable.filter(Q(country_id__in=countries) | Q(pk__in=published_entity_ids()))


def visible_editions(user):
    """Map editions the user may see, in every country, by mapping.editions' own rule.

    Published editions for everyone; unpublished ones for the country's
    committee members, COOP and administrators (mapping.editions.visible_editions,
    asked per country so that the rule stays written once).
    """
    from mapping.editions import visible_editions as visible_in_country
    from mapping.models import MapEdition

    visible = Q(pk__in=[])
    for country in Country.objects.without_outline():
        visible |= Q(pk__in=visible_in_country(user, country).values("pk"))
    return MapEdition.objects.filter(visible)


def contact_countries(user):
    """ISO3 codes whose personal contact data the user may see."""
    return {iso3 for iso3 in readable_countries(user) if can_see_contact_data(user, iso3)}
