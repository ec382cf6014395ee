"""Who may do what, per country and role (DESIGN.md, "Roles"). Checked on the server, always.

Every view, API endpoint, admin page and export asks these functions; none
re-derives the rules. Roles live in CountryRole (user x country x role); the
COOP unit and administrators span all countries; superusers count as administrators.
The authentication backend (RoleLoadingBackend) reads a user's roles with the
user, afresh on every request.
"""

from functools import cache

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router
from django.utils.crypto import constant_time_compare

from .models import Country, CountryRole
from .sessions import user_id_of
from .signin import SignInCounter

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


@cache
def user_with_roles_columns(alias, table="u"):
    """SELECT-list SQL: every column of the user model (alias `table`), then its roles as JSON [[role, country]].

    For statements that read a user with their roles; user_from_row() turns such a row into the user.
    """
    user_model = get_user_model()
    quote = connections[alias].ops.quote_name
    columns = ", ".join(f"{table}.{quote(field.column)}" for field in user_model._meta.concrete_fields)
    pk = quote(user_model._meta.pk.column)
    roles = (
        "SELECT COALESCE(json_agg(json_build_array(r.role, r.country_id)), '[]') "
        f"FROM {quote(CountryRole._meta.db_table)} r WHERE r.user_id = {table}.{pk}"
    )
    return f"{columns}, ({roles})"


@cache
def _user_with_roles_statement(alias):
    user_model = get_user_model()
    quote = connections[alias].ops.quote_name
    pk = quote(user_model._meta.pk.column)
    return f"SELECT {user_with_roles_columns(alias)} FROM {quote(user_model._meta.db_table)} u WHERE u.{pk} = %s"


def user_from_row(alias, row):
    """The user (with their roles cached for this request) from a row of user_with_roles_columns()."""
    user_model = get_user_model()
    fields = [field.attname for field in user_model._meta.concrete_fields]
    # auth.User's columns come back from psycopg as the ORM would give them (no converters needed).
    user = user_model.from_db(alias, fields, row[:-1])
    user._country_roles_cache = [(role, country) for role, country in row[-1]]
    return user


def _backend_path():
    return f"{RoleLoadingBackend.__module__}.{RoleLoadingBackend.__qualname__}"


def user_signed_in_by(session_data, user):
    """`user` if the decoded `session_data` signs them in now, else None.

    The checks of django.contrib.auth.get_user for a user already read from
    the database (RoleLoadingBackend's row): the session names this user and
    this backend, the backend is still configured, the user may sign in
    (is_active), and the session's hash matches the user's password hash under
    the current SECRET_KEY. None means "not proven here": the caller must then
    go through django.contrib.auth itself, which also handles what this does
    not (a hash made with a fallback secret, which it re-keys; a bad session,
    which it flushes).
    """
    backend_path = session_data.get(BACKEND_SESSION_KEY)
    if backend_path != _backend_path() or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    if user is None or user_id_of(session_data) != user.pk or not RoleLoadingBackend().user_can_authenticate(user):
        return None
    session_hash = session_data.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, _session_auth_hash(user)):
        return None
    return user


# user.get_session_auth_hash() by user class, password hash and secret key, which decide it (an HMAC),
# asked on every fast signed-in request.
_AUTH_HASHES = {}
AUTH_HASHES_KEPT = 4096


def _session_auth_hash(user):
    key = (type(user), user.password, settings.SECRET_KEY)
    auth_hash = _AUTH_HASHES.get(key)
    if auth_hash is None:
        if len(_AUTH_HASHES) >= AUTH_HASHES_KEPT:
            _AUTH_HASHES.clear()
        auth_hash = _AUTH_HASHES[key] = user.get_session_auth_hash()
    return auth_hash


class RoleLoadingBackend(ModelBackend):
    """Django's ModelBackend whose get_user() reads the user's country roles in the same statement.

    Every signed-in request loads its user; loading the roles with it (where
    _roles() looks for them) saves the permission checks of that request a
    query of their own (0.4 ms of ORM work each on the map endpoints,
    PERFORMANCE.md B2). Nothing outlives the request: roles are read afresh
    on every request, so a revoked role is refused on the very next one.
    Authentication (passwords, is_active) is ModelBackend's, behind a count of
    failed sign-ins (registry.signin): a user name refused for too many failures
    is refused even with the right password until its window ends.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # not a web sign-in (a command, a test calling authenticate() itself)
            return super().authenticate(request, username, password, **kwargs)
        counter = SignInCounter(
            request, username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        )
        if counter.locked_until() is not None:
            # PermissionDenied: django.contrib.auth.authenticate() stops here, tries no other backend and
            # signals the failure; SignInForm says why.
            raise PermissionDenied("Too many failed sign-ins.")
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            counter.failed()
        else:
            counter.succeeded()
        return user

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        alias = router.db_for_read(user_model)
        with connections[alias].cursor() as cursor:
            cursor.execute(_user_with_roles_statement(alias), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = user_from_row(alias, row)
        return user if self.user_can_authenticate(user) else None
