"""A fast lane in front of Django for one request: a signed-in reader's close view of the live map.

Why: PERFORMANCE.md B2 allows a small map response 2 ms over its own SQL,
through gunicorn. On these machines the HTTP hop takes 0.7-1.5 ms of that and
Django's request cycle (the handler, ten middleware, the URL resolver) another
0.6-0.8 ms, for a request whose answer is decided by one function:
mapping.views.signed_in_layer, which reads the session, the user with their
roles and the layer in one statement and checks the sign-in and the roles as
django.contrib.auth and registry.permissions do.

So this WSGI application calls that same function directly for a GET of the
live entity layer that carries a session cookie, and hands everything else,
untouched, to Django: any other request, a host Django would refuse, a request
Django would redirect to HTTPS, and every request the function does not
answer itself (no live session, a refused or doubtful sign-in, a bad
parameter, a low zoom). Refusals and errors therefore always come from Django.
What Django's middleware adds to such a response is added here by the same
middleware classes (tests/test_fast_lane.py compares both paths, status, body
and headers). settings.MAP_FAST_LANE turns it off.
"""

import logging
import re
from importlib import import_module

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_script_name
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import reverse, set_script_prefix

from .aggregation import country_without_outline

logger = logging.getLogger(__name__)

_COUNTRY_PLACEHOLDER = "XXX"


def _live_layer_path():
    """The live entity layer's path as a pattern with the country in group `iso3` (from the URLconf)."""
    before, after = reverse("mapping:entities", kwargs={"iso3": _COUNTRY_PLACEHOLDER}).split(_COUNTRY_PLACEHOLDER)
    return re.compile(f"^{re.escape(before)}(?P<iso3>[^/]+){re.escape(after)}$")


class FastLaneApplication:
    """WSGI application: the live layer for a signed-in reader served directly, the rest by `django_application`."""

    def __init__(self, django_application):
        self.django_application = django_application
        self._path = None
        self._session_store = None
        # Response-phase middleware the usual path runs over this response; they only read settings and headers.
        self._response_middleware = (
            SecurityMiddleware(_unused),
            CommonMiddleware(_unused),
            XFrameOptionsMiddleware(_unused),
        )

    def __call__(self, environ, start_response):
        response = self._serve(environ) if settings.MAP_FAST_LANE else None
        if response is None:
            return self.django_application(environ, start_response)
        headers = [
            *response.items(),
            *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
        ]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response  # closing it sends request_finished, as Django's handler's response does

    def _serve(self, environ):
        """The HttpResponse of the fast lane, or None to leave the request to Django."""
        if environ.get("REQUEST_METHOD") != "GET" or settings.SESSION_COOKIE_NAME not in environ.get("HTTP_COOKIE", ""):
            return None
        if self._path is None:
            from mapping import views  # the URLconf and the views load with Django, after this module

            self._path, self._view = _live_layer_path(), views
            self._session_store = import_module(settings.SESSION_ENGINE).SessionStore
        match = self._path.match(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        request = WSGIRequest(environ)
        try:
            request.get_host()  # ALLOWED_HOSTS, which CommonMiddleware checks on the usual path
        except DisallowedHost:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None  # SecurityMiddleware redirects it
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=WSGIHandler, environ=environ)
        try:
            country = country_without_outline(match["iso3"].upper())
            request.session = self._session_store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
            response = None if country is None else self._view.signed_in_layer(request, country)
            for middleware in self._response_middleware if response is not None else ():
                response = middleware.process_response(request, response)
        except Exception:
            # Not answered here: the usual path answers it (and reports the error there, if it is one).
            logger.exception("fast lane: %s left to Django", environ.get("PATH_INFO"))
            response = None
        if response is None:
            signals.request_finished.send(sender=WSGIHandler)  # the usual path sends its own pair
        return response


def _unused(request):
    raise AssertionError("the fast lane's middleware only process responses")
