"""Who may do what, per country and role (DESIGN.md, "Roles"). Checked on the server, always.

Every view, API endpoint, admin page and export asks these functions; none
re-derives the rules. Roles live in CountryRole (user x country x role); the
COOP unit and administrators span all countries; superusers count as administrators.
"""

from django.core.exceptions import PermissionDenied

from .models import Country, CountryRole

Role = CountryRole.Role


def _roles(user):
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_country_roles_cache", None)
    if cached is None:
        cached = list(user.country_roles.values_list("role", "country_id"))
        user._country_roles_cache = cached
    return cached


def is_administrator(user):
    return bool(getattr(user, "is_superuser", False)) or any(role == Role.ADMINISTRATOR for role, _ in _roles(user))


def is_coop(user):
    """The ILO Cooperatives Unit: edits legislation everywhere, reads everything."""
    return any(role == Role.COOP for role, _ in _roles(user))


def countries_with_role(user, *roles):
    """ISO3 codes of the countries where the user holds any of `roles`."""
    return {country for role, country in _roles(user) if role in roles and country}


def readable_countries(user):
    """ISO3 codes whose registry records the user may read (all for COOP and administrators)."""
    if is_administrator(user) or is_coop(user):
        return set(Country.objects.values_list("iso3", flat=True))
    return countries_with_role(user, Role.RESEARCHER, Role.COMMITTEE)


def editable_countries(user):
    """ISO3 codes whose entities, classifications and definitions the user may change."""
    if is_administrator(user):
        return set(Country.objects.values_list("iso3", flat=True))
    return countries_with_role(user, Role.RESEARCHER)


def can_read_registry(user, country_id):
    if is_administrator(user) or is_coop(user):
        return True  # every country, without listing them
    return country_id in countries_with_role(user, Role.RESEARCHER, Role.COMMITTEE)


def can_edit_registry(user, country_id):
    return country_id in editable_countries(user)


def can_see_contact_data(user, country_id):
    """Personal contact data: researchers and committee members of the country, COOP, administrators."""
    return can_read_registry(user, country_id)


def can_edit_legislation(user):
    return is_coop(user) or is_administrator(user)


def is_committee_member(user, country_id):
    return is_administrator(user) or country_id in countries_with_role(user, Role.COMMITTEE)


def require(allowed, message="You do not have permission to do this."):
    """Raise PermissionDenied (HTTP 403) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)
