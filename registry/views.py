"""Public pages of the reference geography: home, country pages, their map layers, health."""

import datetime

from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .geojson import areas_feature_collection
from .models import AdminArea, Country


def _requested_day(request):
    """The `on` query parameter as a date (default today); a bad value is a clean 400."""
    raw = request.GET.get("on")
    if not raw:
        return datetime.date.today(), None
    try:
        return datetime.date.fromisoformat(raw), None
    except ValueError:
        return None, JsonResponse({"error": f"'on' must be a date as YYYY-MM-DD, got {raw!r}"}, status=400)


@require_GET
def home(request):
    countries = Country.objects.without_outline().order_by("name")
    area_counts = {
        row["country"]: row["n"]
        for row in AdminArea.objects.current().of_level(1).values("country").annotate(n=Count("id"))
    }
    return render(
        request,
        "registry/home.html",
        {"countries": [(country, area_counts.get(country.iso3, 0)) for country in countries]},
    )


@require_GET
def country_detail(request, iso3):
    country = get_object_or_404(Country.objects.without_outline(), iso3=iso3.upper())
    day, error = _requested_day(request)
    if error:
        return error
    areas = AdminArea.objects.in_country(country).of_level(1).valid_on(day).order_by("name")
    return render(request, "registry/country_detail.html", {"country": country, "areas": areas, "day": day})


@require_GET
@cache_control(max_age=3600, public=True)
def current_areas_geojson(request):
    day, error = _requested_day(request)
    if error:
        return error
    areas = AdminArea.objects.of_level(1).valid_on(day)
    return HttpResponse(areas_feature_collection(areas), content_type="application/geo+json")


@require_GET
@cache_control(max_age=3600, public=True)
def country_areas_geojson(request, iso3):
    country = get_object_or_404(Country.objects.without_outline(), iso3=iso3.upper())
    day, error = _requested_day(request)
    if error:
        return error
    areas = AdminArea.objects.in_country(country).of_level(1).valid_on(day)
    return HttpResponse(areas_feature_collection(areas, simplify=0.002), content_type="application/geo+json")


@require_GET
def healthz(request):
    """Database and PostGIS status, for load balancers and people: 200 when both answer."""
    status = {"database": "unknown", "postgis": "unknown"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            status["database"] = "ok"
            status["database_version"] = cursor.fetchone()[0].split(",")[0]
            cursor.execute("SELECT postgis_lib_version()")
            status["postgis"] = "ok"
            status["postgis_version"] = cursor.fetchone()[0]
    except Exception as exc:  # any failure here is exactly what the endpoint must report
        status["error"] = f"{type(exc).__name__}: {exc}"
    healthy = status["database"] == "ok" and status["postgis"] == "ok"
    status["status"] = "ok" if healthy else "failing"
    return JsonResponse(status, status=200 if healthy else 503)
