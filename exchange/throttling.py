"""The API's rate limits, counted in PostgreSQL so that every server process counts the same client.

DRF's throttles keep each client's request times in Django's default cache, which is each process's own
memory: behind gunicorn with four workers a client would get four times its rate. These count in the
"throttle" cache (a DatabaseCache table, created by migration exchange/0008), which all workers share.
"""

from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

THROTTLE_CACHE = "throttle"


class SharedAnonRateThrottle(AnonRateThrottle):
    cache = caches[THROTTLE_CACHE]


class SharedUserRateThrottle(UserRateThrottle):
    """Signed-in users' rate. DRF's user throttle also counts anonymous clients by address, which the anon
    throttle (the lower rate) already does: counted once, an anonymous request costs one check, not two."""

    cache = caches[THROTTLE_CACHE]

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
