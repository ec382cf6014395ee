"""Which registry records a user reaches through the exchange app (API and downloads).

The rules are registry.permissions' (readable_countries, can_see_contact_data);
this module only turns them into querysets. Anonymous users and users without
a role in a country see the entities of that country's published map editions,
without personal contact data (DESIGN.md, "Roles").
"""

from django.db.models import Q

from registry.models import Country, Entity
from registry.permissions import can_see_contact_data, readable_countries


def published_entity_ids():
    """Ids of entities that appear in a published map edition (as a subquery)."""
    from mapping.models import EditionEntity, MapEdition

    return EditionEntity.objects.filter(edition__status=MapEdition.Status.PUBLISHED).values("entity_id")


def readable_entities(user, queryset=None):
    """Entities the user may read: their countries' registries, plus what published editions show."""
    queryset = Entity.objects.all() if queryset is None else queryset
    countries = readable_countries(user)
    if countries and countries == set(Country.objects.values_list("iso3", flat=True)):
        return queryset  # reads every registry: no need for the (costly) published-editions clause
    return queryset.filter(Q(country_id__in=countries) | Q(pk__in=published_entity_ids()))


def contact_countries(user):
    """ISO3 codes whose personal contact data the user may see."""
    return {iso3 for iso3 in readable_countries(user) if can_see_contact_data(user, iso3)}
