"""Small presentation helpers for legislation templates (no business rules)."""

from django import template

from registry.models import COUNTRY_LANGUAGES

register = template.Library()


@register.filter
def country_lang(country):
    """The language of a country's local names, for a Country or an ISO3 code (Country.language)."""
    return COUNTRY_LANGUAGES.get(getattr(country, "iso3", country), "")


@register.inclusion_tag("legislation/_mark.html")
def confidence_mark(confidence):
    """A visible mark for a fact that is not confirmed in a source (M: secondary source, L: unverified)."""
    return {"confidence": confidence}


@register.inclusion_tag("legislation/_nav.html")
def legislation_nav():
    from registry.models import Country

    return {"nav_countries": Country.objects.order_by("name").only("iso3", "name")}
