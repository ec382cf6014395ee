"""Sessions in the database, with their user as a column (the SESSION_ENGINE of base.py).

Django's `db` engine on our own table (registry.models.UserSession): the same
rows, expiry and invalidation. Logging out deletes the row and changing the
password changes the hash the session must match, so the next request with
the old cookie is anonymous on every worker and every host. Nothing is kept
between requests. Two things differ from Django's engine:

- Saving a session also stores the signed-in user's id in the row's `user`
  column, so a statement can join a session to its user
  (mapping.sql.signed_in_points reads session, user, roles and the map layer
  in one round trip: PERFORMANCE.md B2).
- The read that every signed-in request makes skips the ORM's query building
  (0.55 -> 0.23 ms a request).
- Session data once decoded (its signature checked, then parsed) is kept by
  its stored text and the secret keys, which together decide the result, so
  the next request with the same row skips both. Each caller gets its own copy
  to change.

Measured and not taken: `cached_db` over the local-memory cache and signed
cookies. Each gunicorn worker has its own local memory, so a session ended
through one worker would stay valid on the others until it expires; a signed
cookie cannot be revoked at all, so a copy of it outlives the logout.
"""

import copy
from functools import cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone


@cache
def _load_statement(model, alias):
    quote = connections[alias].ops.quote_name
    return (
        f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
    )


def user_id_of(session_dict):
    """The signed-in user's primary key in decoded session data, or None (anonymous, or not a valid key)."""
    raw = session_dict.get(SESSION_KEY)
    if raw is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(raw)
    except ValidationError:
        return None


# Decoded session data by its stored text (see the module docstring). Bounded: emptied when full.
_DECODED = {}
DECODED_KEPT = 4096


class SessionStore(db.SessionStore):
    """Django's database session store on UserSession, with a cheaper `load()`; see the module docstring."""

    @classmethod
    def get_model_class(cls):
        from .models import UserSession

        return UserSession

    def decode(self, session_data):
        key = (session_data, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
        decoded = _DECODED.get(key)
        if decoded is None:
            decoded = super().decode(session_data)
            if not decoded:
                return decoded  # empty or refused (Django logs a bad signature): nothing to keep
            if len(_DECODED) >= DECODED_KEPT:
                _DECODED.clear()
            _DECODED[key] = decoded
        return copy.deepcopy(decoded)

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.user_id = user_id_of(data)
        return instance

    def load(self):
        if self.session_key is None:
            return {}
        alias = router.db_for_read(self.model)
        with connections[alias].cursor() as cursor:
            cursor.execute(_load_statement(self.model, alias), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            # Unknown or expired: the key is dropped, as Django's store does, so a new one is issued.
            self._session_key = None
            return {}
        return self.decode(row[0])
