"""The fast lane (mapping.fast_lane): gunicorn's application answers a signed-in close view without Django's
middleware, and must answer exactly as Django would, or leave the request to Django.

Each request here goes through the WSGI application twice, with the fast lane
on and off (settings.MAP_FAST_LANE), and the two answers are compared: the
same status, body and headers. The one visible difference tells which path
answered: Django's LocaleMiddleware adds Content-Language (and Vary:
Accept-Language) to every response, and the fast lane does not, since the
layer is the same in every language.
"""

import io
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client

from mapping import aggregation, views
from mapping.fast_lane import FastLaneApplication
from registry.models import CountryRole, UserSession
from tests.factories import committee_member, user_with_role

pytestmark = pytest.mark.django_db

LAYER = "/maps/VNM/entities.geojson"
HANOI_VIEW = "zoom=14&bbox=105.7,20.9,106.0,21.2"
LANGUAGE_HEADERS = {"Content-Language"}  # what only Django's path adds (see the module docstring)


def signed_in(username, password="pw"):  # noqa: S107 (the factories' test password)
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302
    return client


def _environ(path, query, cookie, method, host, scheme):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_COOKIE": cookie,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": io.StringIO(),
    }


def through_wsgi(client, path=LAYER, query=HANOI_VIEW, method="GET", host="testserver", scheme="http"):
    """(status, headers dict, body) of one request through gunicorn's application (config.wsgi's)."""
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items()) if client else ""
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, headers

    # As Django's test client does: a request's end must not close the test's connection (and its transaction).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = FastLaneApplication(WSGIHandler())(
            _environ(path, query, cookie, method, host, scheme), start_response
        )
        try:
            body = b"".join(response)
        finally:
            response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    headers = {}
    for name, value in answer["headers"]:
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return answer["status"], headers, body


def both_ways(settings, client, **request):
    settings.MAP_FAST_LANE = True
    fast = through_wsgi(client, **request)
    settings.MAP_FAST_LANE = False
    usual = through_wsgi(client, **request)
    settings.MAP_FAST_LANE = True
    return fast, usual


def _without_language(headers):
    kept = {name: value for name, value in headers.items() if name not in LANGUAGE_HEADERS}
    if "Vary" in kept:
        kept["Vary"] = ", ".join(part for part in kept["Vary"].split(", ") if part != "Accept-Language")
    return kept


def assert_served_by_fast_lane_as_django_would(fast, usual):
    (fast_status, fast_headers, fast_body), (usual_status, usual_headers, usual_body) = fast, usual
    assert "Content-Language" in usual_headers and "Content-Language" not in fast_headers, "Django answered both"
    assert fast_status == usual_status == "200 OK"
    assert fast_body == usual_body
    assert fast_headers == _without_language(usual_headers)


def _unmasked(answer):
    """The answer with what differs between any two responses blanked: each page's CSRF tokens (masked afresh
    every time) and a cookie's expiry date (to the second, so two calls a second apart differ)."""
    status, headers, body = answer
    if "Set-Cookie" in headers:
        headers = {**headers, "Set-Cookie": re.sub(r"expires=[^;]+;", "expires=;", headers["Set-Cookie"])}
    return status, headers, re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken"', body)


def assert_left_to_django(fast, usual):
    assert "Content-Language" in fast[1], "the fast lane answered"
    assert _unmasked(fast) == _unmasked(usual)


def test_a_committee_members_close_view_is_served_by_the_fast_lane_exactly_as_by_django(vn_registry, settings):
    client = signed_in(committee_member("VNM").username)
    fast, usual = both_ways(settings, client)
    assert_served_by_fast_lane_as_django_would(fast, usual)
    assert b'"mode":"points"' in fast[2] and b'"total":5' in fast[2]
    headers = fast[1]
    # What the usual path's middleware says about this response, said here too.
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Vary"] == "Cookie" and headers["Cache-Control"] == "private, max-age=60"
    assert headers["Content-Type"] == "application/geo+json" and int(headers["Content-Length"]) == len(fast[2])


def test_filters_and_clusters_come_from_the_fast_lane_as_from_django(vn_registry, settings, monkeypatch):
    client = signed_in(committee_member("VNM").username)
    filtered = both_ways(settings, client, query=f"{HANOI_VIEW}&family=cooperative&status=active&sector=A")
    assert_served_by_fast_lane_as_django_would(*filtered)
    assert b'"total":2' in filtered[0][2]
    monkeypatch.setattr(aggregation, "POINTS_MAX", 3)  # five in view: drawn as clusters
    clusters = both_ways(settings, client)
    assert_served_by_fast_lane_as_django_would(*clusters)
    assert b'"mode":"clusters"' in clusters[0][2]


def test_over_https_the_fast_lane_sends_the_same_strict_transport_header(vn_registry, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    client = signed_in(committee_member("VNM").username)
    fast, usual = both_ways(settings, client, scheme="https")
    assert_served_by_fast_lane_as_django_would(fast, usual)
    assert fast[1]["Strict-Transport-Security"].startswith("max-age=3600")


def _outsider(vn_registry):
    return signed_in(user_with_role(CountryRole.Role.RESEARCHER, "KHM").username)


def _logged_out(vn_registry):
    client = signed_in(committee_member("VNM").username)
    copy = Client()
    copy.cookies = client.cookies.__class__(client.cookies)
    client.post("/accounts/logout/")
    return copy


def _password_changed(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    member.set_password("a-new-password")
    member.save()
    return client


def _deactivated(vn_registry):
    member = committee_member("VNM")
    client = signed_in(member.username)
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    return client


def _expired(vn_registry):
    client = signed_in(committee_member("VNM").username)
    UserSession.objects.update(expire_date="2000-01-01T00:00Z")
    return client


def _unknown_session(vn_registry):
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = "no-such-session-key"
    return client


@pytest.mark.parametrize(
    "reader",
    [_outsider, _logged_out, _password_changed, _deactivated, _expired, _unknown_session],
    ids=["other country", "logged out", "password changed", "deactivated", "expired", "unknown session"],
)
def test_a_reader_the_fast_lane_cannot_prove_gets_djangos_own_answer(vn_registry, settings, reader):
    fast, usual = both_ways(settings, reader(vn_registry))
    assert_left_to_django(fast, usual)
    assert fast[0] in ("302 Found", "403 Forbidden")


def test_an_anonymous_request_is_left_to_django(vn_registry, settings):
    fast, usual = both_ways(settings, None)
    assert_left_to_django(fast, usual)
    assert fast[0] == "302 Found" and fast[1]["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("request_kind", "status"),
    [
        ({"query": "zoom=14&bbox=105.7,20.9,106.0"}, "400 Bad Request"),  # three numbers
        ({"query": "zoom=14&bbox=105.7,20.9,106.0,21.2&family=no-such-family"}, "400 Bad Request"),
        ({"query": "zoom=5"}, "200 OK"),  # a low zoom: per-area clusters, Django's path
        ({"path": "/maps/XYZ/entities.geojson"}, "404 Not Found"),
        ({"path": "/maps/VNM/entities.geojson/"}, "404 Not Found"),
        ({"method": "POST"}, "403 Forbidden"),  # no CSRF token: refused before the view
        ({"method": "HEAD"}, "405 Method Not Allowed"),
        ({"host": "evil.example"}, "400 Bad Request"),  # not in ALLOWED_HOSTS
    ],
    ids=["bad bbox", "bad filter", "low zoom", "unknown country", "other path", "post", "head", "bad host"],
)
def test_a_request_the_fast_lane_does_not_take_gets_djangos_own_answer(vn_registry, settings, request_kind, status):
    client = signed_in(committee_member("VNM").username)
    fast, usual = both_ways(settings, client, **request_kind)
    assert_left_to_django(fast, usual)
    assert fast[0] == status


def test_a_plain_http_request_is_left_to_djangos_https_redirect(vn_registry, settings):
    client = signed_in(committee_member("VNM").username)
    settings.SECURE_SSL_REDIRECT = True
    fast, usual = both_ways(settings, client)
    # SecurityMiddleware redirects before LocaleMiddleware runs, so no Content-Language here either way.
    assert fast == usual
    assert fast[0] == "301 Moved Permanently" and fast[1]["Location"].startswith("https://")


def test_a_failure_in_the_fast_lane_is_logged_and_the_request_answered_by_django(
    vn_registry, settings, monkeypatch, caplog
):
    client = signed_in(committee_member("VNM").username)
    usual_answer = both_ways(settings, client)[1]
    real = views.signed_in_layer
    calls = []

    def fails_first_time(request, country):
        calls.append(country.pk)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real(request, country)

    monkeypatch.setattr(views, "signed_in_layer", fails_first_time)
    with caplog.at_level(logging.ERROR, logger="mapping.fast_lane"):
        answer = through_wsgi(client)
    assert calls == ["VNM", "VNM"]  # the fast lane, then the view
    assert answer == usual_answer
    assert "left to Django" in caplog.text and "the database went away" in caplog.text


def test_gunicorns_application_has_the_fast_lane_in_front_of_django():
    from config import wsgi

    assert isinstance(wsgi.application, FastLaneApplication)
    assert isinstance(wsgi.application.django_application, WSGIHandler)
