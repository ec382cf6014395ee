"""Small presentation helpers for legislation templates (no business rules)."""

from django import template

register = template.Library()

# BCP 47 language of each country's local names (ISO alpha-2 country codes are not language codes: KH is not km).
COUNTRY_LANGUAGES = {"KHM": "km", "KGZ": "ky", "MNG": "mn", "THA": "th", "VNM": "vi"}


@register.filter
def country_lang(country):
    return COUNTRY_LANGUAGES.get(getattr(country, "iso3", country), "")


@register.inclusion_tag("legislation/_mark.html")
def confidence_mark(confidence):
    """A visible mark for a fact that is not confirmed in a source (M: secondary source, L: unverified)."""
    return {"confidence": confidence}


@register.inclusion_tag("legislation/_nav.html")
def legislation_nav():
    from registry.models import Country

    return {"nav_countries": Country.objects.order_by("name").only("iso3", "name")}
