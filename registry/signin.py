"""Failed sign-ins counted, so that nobody can try passwords one after another (pages and admin alike).

RoleLoadingBackend.authenticate() asks here before it checks a password: after
MAX_FAILURES_FROM_ADDRESS failed sign-ins for one user name from one client
address, or MAX_FAILURES_FOR_NAME for one user name from anywhere, within
WINDOW, that name is refused there (or everywhere) until the window ends, even
with the right password. A success clears its address's count. Counts are
kept per user name as typed (folded), whether or not such a user exists, so
the refusal tells nobody which names exist. They live in the "throttle" cache,
a table every server process shares (a process's own memory would give each
gunicorn worker its own count). The client address is the one the API's
throttles count, API_TRUSTED_PROXIES hops back in X-Forwarded-For.
"""

import datetime
import hashlib

from django.core.cache import caches
from django.utils import timezone
from rest_framework.throttling import BaseThrottle

MAX_FAILURES_FROM_ADDRESS = 10
# Higher: anyone can make a user name fail, and so keep its owner out for a while from everywhere.
MAX_FAILURES_FOR_NAME = 50
WINDOW = datetime.timedelta(minutes=15)
CACHE = "throttle"


def _key(*parts):
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"signin:{digest}"


class SignInCounter:
    """The failed sign-ins of one user name, from one client address and from everywhere."""

    def __init__(self, request, username):
        name = str(username or "").strip().casefold()
        address = BaseThrottle().get_ident(request) or ""
        self.keys = {_key("from", address, name): MAX_FAILURES_FROM_ADDRESS, _key("for", name): MAX_FAILURES_FOR_NAME}
        self.cache = caches[CACHE]

    def _read(self, key):
        """(failures, end of their window) of `key`; (0, None) when none are counted."""
        count, until = self.cache.get(key) or (0, None)
        if until is None or until <= timezone.now():
            return 0, None
        return count, until

    def locked_until(self):
        """When the refusal ends, if this name is refused now (else None)."""
        ends = [until for key, limit in self.keys.items() for count, until in [self._read(key)] if count >= limit]
        return max(ends) if ends else None

    def failed(self):
        now = timezone.now()
        for key in self.keys:
            count, until = self._read(key)
            until = until or now + WINDOW
            self.cache.set(key, (count + 1, until), timeout=max(1, int((until - now).total_seconds()) + 1))

    def succeeded(self):
        self.cache.delete(next(iter(self.keys)))  # this address's count; the name's own stays until it ends


def minutes_until(moment):
    """Whole minutes from now until `moment`, at least one: what a refused person is told to wait."""
    return max(1, -(-int((moment - timezone.now()).total_seconds()) // 60))
