"""Which registry records a user reaches through the exchange app (API and downloads).

The rules are registry.permissions' (readable_countries, can_see_contact_data);
this module only turns them into querysets. Live records are read only by
users with a role in their country; anonymous users and users without a role
in a country see its published map editions as frozen, with no personal contact
data (DESIGN.md, "Roles"). Map editions follow mapping.editions' rule, the
edition pages'.
"""

from django.db.models import Q

from registry.models import Country, Entity
from registry.permissions import can_see_contact_data, readable_countries


def readable_entities(user, queryset=None):
    """Live records the user may read: the registries of the countries where they have a role.

    Published editions are public as their snapshots (the map-editions endpoints, the edition pages),
    not as the live records they were frozen from: a record edited since the committee signed the
    edition off shows what nobody has yet reviewed, and fields the edition does not publish.
    """
    queryset = Entity.objects.all() if queryset is None else queryset
    countries = readable_countries(user)
    if countries and countries == set(Country.objects.values_list("iso3", flat=True)):
        return queryset  # reads every registry: no condition needed
    # Read in (country, number) order along its index, one country's stretch after another.
    return queryset.in_countries(countries)


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
