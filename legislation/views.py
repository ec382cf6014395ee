"""Legislation pages: dashboard, instruments, assessment grids, comparison, reform timelines, exports.

Who may read and change what: legislation.access (on registry.permissions).
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from registry.models import Country, Entity
from registry.permissions import can_edit_legislation, require

from . import exports
from .access import can_read_assessments
from .changes import changes_since
from .comparison import compare, comparison_links
from .forms import AssessmentForm, ReformProcessForm, StageEventForm
from .matrix import build_matrix, grid_for, instruments_in_force_by_country
from .models import Instrument, Provision, ReformProcess
from .rating import scale_rows
from .reform import timeline
from .summary import summary_for

DEFAULT_CHANGES_WINDOW = datetime.timedelta(days=30)


def _guard(allowed, message):
    """Decorator: anonymous users go to the login page; logged-in users without `allowed(user)` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(allowed(request.user), message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Lazy: the refusal is shown in the language of the request that is refused.
readers_only = _guard(can_read_assessments, _("Assessments are visible to users holding a role on the platform."))
coop_only = _guard(can_edit_legislation, _("Only the ILO Cooperatives Unit (COOP) changes legislation data."))


def _country(iso3):
    return get_object_or_404(Country.objects.without_outline(), iso3=iso3.upper())


def _instrument(code):
    return get_object_or_404(Instrument.objects.select_related("country"), code=code)


def _download(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _since(request):
    """The `since` query parameter (default 30 days ago) and an error message for a bad value."""
    raw = request.GET.get("since", "").strip()
    default = datetime.date.today() - DEFAULT_CHANGES_WINDOW
    if not raw:
        return default, None
    try:
        return datetime.date.fromisoformat(raw), None
    except ValueError:
        return default, gettext(
            "'since' must be a date as YYYY-MM-DD, got %(value)s; showing changes since %(default)s."
        ) % {"value": repr(raw), "default": default}


@require_GET
def dashboard(request):
    readable = can_read_assessments(request.user)
    since, since_error = _since(request)
    context = {
        "can_read": readable,
        "can_edit": can_edit_legislation(request.user),
        "scale": scale_rows(),
        "since": since,
        "since_error": since_error,
        "processes": ReformProcess.objects.select_related("country").order_by("country__name", "title"),
    }
    in_force = instruments_in_force_by_country()
    countries = Country.objects.without_outline().order_by("name")
    context["country_rows"] = [(country, in_force.get(country.iso3)) for country in countries]
    if readable:
        context["matrix"] = build_matrix()
        context["changes"] = changes_since(since)
    return render(request, "legislation/dashboard.html", context)


@require_GET
def instrument_list(request):
    instruments = Instrument.objects.select_related("country", "supersedes").order_by(
        "country__name", "adopted_year", "adopted_on", "title"
    )
    country = request.GET.get("country", "").upper()
    if country:
        # An unknown code lists nothing, as an unknown country has no instruments (a NUL would fail in SQL).
        instruments = instruments.filter(country_id=country) if country.isalpha() else instruments.none()
    return render(
        request,
        "legislation/instrument_list.html",
        {
            "instruments": instruments,
            "countries": Country.objects.without_outline().order_by("name"),
            "selected_country": country,
        },
    )


@require_GET
def instrument_detail(request, code):
    instrument = _instrument(code)
    links = list(instrument.legal_form_links.select_related("legal_form__family"))
    counts = dict(
        Entity.objects.filter(legal_form__in=[link.legal_form_id for link in links])
        .values_list("legal_form")
        .annotate(n=Count("id"))
    )
    readable = can_read_assessments(request.user)
    return render(
        request,
        "legislation/instrument_detail.html",
        {
            "instrument": instrument,
            "legal_forms": [(link, counts.get(link.legal_form_id, 0)) for link in links],
            "superseded_by": instrument.superseded_by.all(),
            "amendments": instrument.amendments.all(),
            "implementing": instrument.implementing_instruments.all(),
            "processes": instrument.reform_processes.all(),
            "can_read": readable,
            "summary": summary_for(instrument) if readable else None,
        },
    )


@require_GET
@readers_only
def assessment_grid(request, code):
    instrument = _instrument(code)
    grid = grid_for(instrument)
    return render(
        request,
        "legislation/assessment_grid.html",
        {
            "instrument": instrument,
            "grid": grid,
            "has_demo": any(assessment and assessment.is_demo for _, assessment in grid),
            "summary": summary_for(instrument),
            "scale": scale_rows(),
            "can_edit": can_edit_legislation(request.user),
            "comparisons": comparison_links(
                instrument, Instrument.objects.in_country(instrument.country).exclude(pk=instrument.pk)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@coop_only
def assessment_edit(request, code):
    instrument = _instrument(code)
    key = request.POST.get("provision") or request.GET.get("provision", "")
    provision = Provision.objects.with_key(key).first()
    existing = instrument.assessments.filter(provision=provision).first() if provision else None
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid() and form.save(instrument, request.user):
            messages.success(
                request,
                gettext("%(provision)s saved for %(instrument)s.")
                % {"provision": form.cleaned_data["provision"], "instrument": instrument.title},
            )
            return redirect("legislation:grid", code=instrument.code)
        status = 400
    else:
        initial = {"provision": key}
        if existing and not existing.is_demo:  # a demo rating's text must not slip into a real one
            initial.update(rating=existing.rating, evidence=existing.evidence, note=existing.note)
        form = AssessmentForm(initial=initial)
        status = 200
    return render(
        request,
        "legislation/assessment_form.html",
        {"instrument": instrument, "provision": provision, "existing": existing, "form": form, "scale": scale_rows()},
        status=status,
    )


@require_GET
@readers_only
def comparison(request):
    instruments = Instrument.objects.select_related("country").order_by("country__name", "adopted_year")
    before_code, after_code = request.GET.get("before", ""), request.GET.get("after", "")
    result, error = None, None
    if before_code or after_code:
        before = instruments.with_code(before_code).first()
        after = instruments.with_code(after_code).first()
        if before is None or after is None:
            missing = before_code if before is None else after_code
            error = gettext("No instrument with the code %(code)s: choose both instruments from the lists.") % {
                "code": repr(missing)
            }
        elif before == after:
            error = gettext("Choose two different instruments.")
        else:
            result = compare(before, after)
    return render(
        request,
        "legislation/comparison.html",
        {
            "instruments": instruments,
            "result": result,
            "error": error,
            "before_code": before_code,
            "after_code": after_code,
            "scale": scale_rows(),
        },
        status=400 if error else 200,
    )


@require_GET
def country_reform(request, iso3):
    country = _country(iso3)
    can_edit = can_edit_legislation(request.user)
    processes = timeline(country)
    return render(
        request,
        "legislation/country_reform.html",
        {
            "country": country,
            "processes": [
                (process, StageEventForm(process=process, auto_id=f"id_p{process.pk}_%s") if can_edit else None)
                for process in processes
            ],
            "instruments": Instrument.objects.in_country(country).select_related("supersedes"),
            "rated": instruments_in_force_by_country().get(country.iso3),
            "can_edit": can_edit,
            "can_read": can_read_assessments(request.user),
            "process_form": ReformProcessForm(country=country) if can_edit else None,
        },
    )


@require_http_methods(["POST"])
@coop_only
def process_create(request, iso3):
    country = _country(iso3)
    form = ReformProcessForm(request.POST, country=country)
    if form.is_valid():
        process = form.save()
        messages.success(request, gettext("Reform process “%(title)s” added.") % {"title": process.title})
        return redirect(process.get_absolute_url())
    return render(request, "legislation/process_form.html", {"country": country, "form": form}, status=400)


@require_http_methods(["GET", "POST"])
@coop_only
def stage_create(request, pk):
    process = get_object_or_404(ReformProcess.objects.select_related("country"), pk=pk)
    if request.method == "POST":
        form = StageEventForm(request.POST, process=process)
        if form.is_valid() and form.save(request.user):
            messages.success(request, gettext("Stage recorded for “%(title)s”.") % {"title": process.title})
            return redirect(process.get_absolute_url())
        status = 400
    else:
        form, status = StageEventForm(process=process), 200
    return render(request, "legislation/stage_form.html", {"process": process, "form": form}, status=status)


@require_GET
@readers_only
def matrix_export(request, fmt):
    table = exports.matrix_table()
    if fmt == "csv":
        return _download(exports.to_csv(table), "text/csv; charset=utf-8", "r193-matrix.csv")
    return _download(
        exports.to_xlsx(table),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "r193-matrix.xlsx",
    )


@require_GET
@readers_only
def grid_export(request, code, fmt):
    instrument = _instrument(code)
    table = exports.grid_table(instrument)
    if fmt == "csv":
        return _download(exports.to_csv(table), "text/csv; charset=utf-8", f"r193-{instrument.code}.csv")
    return _download(
        exports.to_xlsx(table),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"r193-{instrument.code}.xlsx",
    )


@require_GET
@readers_only
def country_brief(request, iso3):
    country = _country(iso3)
    pdf = exports.country_brief_pdf(country, base_url=request.build_absolute_uri("/"))
    return _download(pdf, "application/pdf", f"legislation-brief-{country.iso3}.pdf")
