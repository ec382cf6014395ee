"""Committee map pages, their data endpoints, and the edition review workflow. Thin: parse, call, render."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registry import permissions
from registry.models import (
    ISIC_SECTIONS,
    Classification,
    Country,
    Entity,
    EntityFamily,
    LegalForm,
    WorkingDefinition,
    family_label,
)

from . import edition_sheets, pack_store
from . import editions as workflow
from .aggregation import (
    AREA_CLUSTER_MAX_ZOOM,
    MEASURES,
    POINTS_MIN_ZOOM,
    BadMapRequest,
    EditionSource,
    LiveSource,
    country_without_outline,
    entity_layer,
    grid_cluster_layer,
    layer_response_body,
    parse_bbox,
    parse_zoom,
    signed_in_points_layer,
)
from .filters import FilterError, MapFilters
from .models import EditionEntity, MapEdition, ReviewComment, SignOff

JSON_HEADERS = {"Cache-Control": "private, max-age=60"}


def _bad_request(error):
    return JsonResponse({"error": str(error), "parameter": error.parameter, "reason": error.reason}, status=400)


def _country(iso3):
    country = country_without_outline(iso3.upper())
    if country is None:
        raise Http404(f"No country {iso3!r}.")
    return country


def _require_registry_reader(request, country):
    """The live map shows the registry itself: its readers only (anonymous users see published editions)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    permissions.require(
        permissions.can_read_registry(request.user, country.pk),
        _(
            "The live map of %(country)s is for its researchers and committee members; "
            "published editions are open to everyone."
        )
        % {"country": country.display_name},
    )
    return None


def _measure(request):
    measure = request.GET.get("measure") or "entities"
    if measure not in MEASURES:
        raise FilterError("measure", f"must be one of {', '.join(MEASURES)}, got {measure!r}")
    return measure


@require_GET
def index(request):
    countries = Country.objects.without_outline().order_by("name")
    rows = [
        (
            country,
            permissions.can_read_registry(request.user, country.pk),
            workflow.visible_editions(request.user, country)[:5],
        )
        for country in countries
    ]
    return render(request, "mapping/index.html", {"rows": rows})


def _filter_choices(country):
    return {
        "families": EntityFamily.objects.all(),
        "legal_forms": LegalForm.objects.filter(country=country),
        "sectors": ISIC_SECTIONS,
        "statuses": Entity.Status.choices,
        "verifications": Entity.Verification.choices,
        "definitions": WorkingDefinition.objects.filter(country=country),
        "outcomes": Entity._meta.get_field("classifications").related_model.Outcome.choices,
        "measures": MEASURES.items(),
    }


def _popup_vocabulary(country):
    """What map popups show for the English names and codes the layer's features carry, in the reader's words.

    Features carry the stored English family and legal-form names and the status code (the same in live
    layers and frozen snapshots, and cached by browsers whatever the language); the page translates them.
    """
    return {
        "families": {family.name: family.display_name for family in EntityFamily.objects.all()},
        "legal_forms": {form.name: form.display_name for form in LegalForm.objects.filter(country=country)},
        "statuses": {code: str(label) for code, label in Entity.Status.choices},
    }


@require_GET
def committee_map(request, iso3):
    country = _country(iso3)
    denied = _require_registry_reader(request, country)
    if denied:
        return denied
    try:
        filters = MapFilters.parse(country, request.GET)
        measure = _measure(request)
    except FilterError as error:
        return render(request, "mapping/bad_filter.html", {"country": country, "error": error}, status=400)
    summary = LiveSource(country, filters).summary()
    context = {
        "country": country,
        "filters": filters,
        "measure": measure,
        "summary": summary,
        "choices": _filter_choices(country),
        "can_freeze": permissions.is_committee_member(request.user, country.pk),
        "popup_vocabulary": _popup_vocabulary(country),
    }
    return render(request, "mapping/committee_map.html", context)


@require_GET
def live_areas(request, iso3):
    country = _country(iso3)
    denied = _require_registry_reader(request, country)
    if denied:
        return denied
    try:
        filters = MapFilters.parse(country, request.GET)
        measure = _measure(request)
    except FilterError as error:
        return _bad_request(error)
    # The page's lead names the filters; a filter changed on the page is named again from here.
    figures = {**LiveSource(country, filters).summary().as_dict(measure), "filters_described": filters.describe()}
    return JsonResponse(figures, headers=JSON_HEADERS)


def _zoom_and_bbox(request):
    """The layer request's zoom and bbox (BadMapRequest if bad): a bbox is needed beyond the per-area zooms."""
    zoom = parse_zoom(request.GET.get("zoom"))
    return zoom, parse_bbox(request.GET.get("bbox"), required=zoom > AREA_CLUSTER_MAX_ZOOM)


def _layer_response(request, source):
    try:
        zoom, bbox = _zoom_and_bbox(request)
    except BadMapRequest as error:
        return _bad_request(error)
    header, geojson = entity_layer(source, zoom, bbox)
    return _geojson_response(header, geojson)


def _geojson_response(header, geojson):
    return HttpResponse(layer_response_body(header, geojson), content_type="application/geo+json", headers=JSON_HEADERS)


def signed_in_layer(request, country):
    """The live layer of a close view for a signed-in reader, in one statement; None takes the usual path.

    The usual path reads the session, then the user with their roles, then the
    layer: three round trips, which cost more than the layer itself in a small
    view (PERFORMANCE.md B2). Here the three come in one, and the answer is
    given only when the session data signs in that user as
    django.contrib.auth would and the user may read the country's registry;
    anything else (no session, a bad parameter, a refused or doubtful sign-in,
    a low zoom) is left to the usual path, so refusals and errors are the
    usual ones. mapping.fast_lane calls it too, ahead of Django's middleware.
    """
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    try:
        zoom, bbox = _zoom_and_bbox(request)
        filters = MapFilters.parse(country, request.GET)
    except (BadMapRequest, FilterError):
        return None
    if zoom < POINTS_MIN_ZOOM:
        return None
    source = LiveSource(country, filters)
    read = signed_in_points_layer(source, zoom, bbox, session_key)
    if read is None:
        return None
    user = permissions.user_signed_in_by(
        request.session.decode(read.session_data), permissions.user_from_row(connection.alias, read.user_row)
    )
    if user is None or not permissions.can_read_registry(user, country.pk):
        return None
    request.user = user  # whom the lazy request.user would have loaded
    header, geojson = (read.header, read.geojson) if read.header else grid_cluster_layer(source, zoom, bbox)
    response = _geojson_response(header, geojson)
    # The session was read here, not through request.session, so say what SessionMiddleware would have said.
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def live_entities(request, iso3):
    country = _country(iso3)
    served = signed_in_layer(request, country)
    if served is not None:
        return served
    denied = _require_registry_reader(request, country)
    if denied:
        return denied
    try:
        filters = MapFilters.parse(country, request.GET)
    except FilterError as error:
        return _bad_request(error)
    return _layer_response(request, LiveSource(country, filters))


@require_POST
def freeze(request, iso3):
    country = _country(iso3)
    permissions.require(
        permissions.is_committee_member(request.user, country.pk), _("Only committee members freeze editions.")
    )
    try:
        # The map page keeps the filters in force as a query string in this field.
        filters = MapFilters.parse(country, QueryDict(request.POST.get("query", "")))
    except FilterError as error:
        return render(request, "mapping/bad_filter.html", {"country": country, "error": error}, status=400)
    try:
        edition = workflow.freeze_edition(
            workflow.committee_for(country), filters, request.POST.get("title", ""), user=request.user
        )
    except workflow.EditionError as error:
        messages.error(request, str(error))
        # Back to the map under the same filters, the reason shown above it.
        query = QueryDict(request.POST.get("query", "")).urlencode()
        return redirect(f"{reverse('mapping:map', args=[country.iso3])}?{query}")
    messages.success(
        request,
        _("Edition %(number)s frozen with %(total)s entities.")
        % {"number": edition.number, "total": edition.total_entities},
    )
    return redirect(edition)


# --- editions ---------------------------------------------------------------


def _edition(request, iso3, number, related=("definition", "previous")):
    """The edition, if the user may see it; `related` are the relations its page reads (none for the map layer)."""
    country = _country(iso3)
    edition = get_object_or_404(
        MapEdition.objects.select_related("committee", *related), committee__country_id=country.pk, number=number
    )
    edition.committee.country = country  # already in hand, without its outline: not read again
    permissions.require(
        workflow.can_view_edition(request.user, edition),
        _("Edition %(number)s of %(country)s is not published; only its committee members may see it.")
        % {"number": number, "country": country.display_name},
    )
    if "previous" in related:
        # What this reader may compare it with: the page's difference, the sheet and the pack all read it.
        edition.previous = workflow.previous_for(request.user, edition)
    return edition


@require_GET
def edition_list(request, iso3):
    country = _country(iso3)
    editions = workflow.visible_editions(request.user, country)
    return render(
        request,
        "mapping/edition_list.html",
        {
            "country": country,
            "editions": editions,
            "can_review": permissions.is_committee_member(request.user, iso3.upper()),
        },
    )


@require_GET
def edition_detail(request, iso3, number):
    return _edition_page(request, _edition(request, iso3, number))


def _edition_page(request, edition, typed=None, status=200):
    """The edition's page. `typed`: what a refused comment or sign-off held (the form's field names and values),
    shown again in its form so that nothing the member wrote is lost."""
    source = EditionSource(edition)
    diff = workflow.edition_diff(edition)
    can_review = workflow.can_review(request.user, edition)
    context = {
        "edition": edition,
        "country": edition.committee.country,
        "filters": MapFilters.stored(edition.committee.country, edition.filters),
        "summary": source.summary(),
        "diff": diff,
        "diff_limit": 200,
        "comments": workflow.review_comments(edition) if can_review else [],
        "signoffs": edition.signoffs.select_related("member") if can_review else [],
        "can_review": can_review,
        "next_statuses": [MapEdition.Status(s) for s in workflow.TRANSITIONS[edition.status]] if can_review else [],
        "steps": workflow.workflow_steps(edition),
        "next_step": workflow.NEXT_STEP[edition.status],
        "blockers": workflow.signoff_blockers(edition) if edition.status == MapEdition.Status.IN_REVIEW else [],
        "decisions": SignOff.Decision.choices,
        "today": datetime.date.today(),
        "popup_vocabulary": _popup_vocabulary(edition.committee.country),
        "typed": typed or {},
    }
    return render(request, "mapping/edition_detail.html", context, status=status)


@require_GET
def edition_sheet(request, iso3, number):
    """Every entity of the edition, and those removed since the previous, as CSV (whoever may see the edition)."""
    edition = _edition(request, iso3, number, related=("previous",))
    response = StreamingHttpResponse(edition_sheets.csv_lines(edition), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{edition_sheets.filename(edition)}"'
    return response


@require_GET
def edition_entity(request, iso3, number, entity_id):
    """One entity as the edition shows it (its snapshot: public fields only), for whoever may see the edition."""
    edition = _edition(request, iso3, number, related=())
    country = edition.committee.country
    entity = get_object_or_404(
        EditionEntity.objects.select_related("admin_area").defer("admin_area__geom"),
        edition=edition,
        entity_id=entity_id,
    )
    context = {
        "edition": edition,
        "country": country,
        "entity": entity,
        "family": family_label(entity.family_name),
        "legal_form": LegalForm.label_of_stored_name(country.pk, entity.legal_form_name),
        "status": dict(Entity.Status.choices).get(entity.status, entity.status),
        "verification": dict(Entity.Verification.choices).get(entity.verification, entity.verification),
        "outcome": dict(Classification.Outcome.choices).get(entity.outcome, entity.outcome),
        "sectors": [(code, dict(ISIC_SECTIONS).get(code, "")) for code in entity.sectors.split(",") if code],
        # The live record, for those who read the registry; everyone else sees only what the edition froze.
        "registry_url": Entity(pk=entity.entity_id).get_absolute_url()
        if permissions.can_read_registry(request.user, country.pk)
        and Entity.objects.filter(pk=entity.entity_id).exists()
        else None,
    }
    return render(request, "mapping/edition_entity.html", context)


@require_GET
def edition_areas(request, iso3, number):
    edition = _edition(request, iso3, number)
    try:
        measure = request.GET.get("measure") or "entities"
        if measure not in [*MEASURES, "change"]:
            raise FilterError("measure", f"must be one of {', '.join(MEASURES)}, change; got {measure!r}")
    except FilterError as error:
        return _bad_request(error)
    data = EditionSource(edition).summary().as_dict("entities" if measure == "change" else measure)
    diff = workflow.edition_diff(edition)
    if diff is not None:
        changes = diff.area_change_by_code()
        for area in data["areas"]:
            change = changes.get(area["code"])
            area["change"] = change.change if change else 0
        data["previous"] = diff.previous.number
    return JsonResponse(data, headers=JSON_HEADERS)


@require_GET
def edition_entities(request, iso3, number):
    edition = _edition(request, iso3, number, related=())
    return _layer_response(request, EditionSource(edition))


def _review_edition(request, iso3, number):
    edition = _edition(request, iso3, number)
    permissions.require(workflow.can_review(request.user, edition), _("Only the committee's members review editions."))
    return edition


def _run(request, edition, action, typed_fields=()):
    """Run a review action, then back to the edition's page. Refused, the page is shown again (400) with the
    reason, and with what the form held (`typed_fields` of the POST) filled in again."""
    try:
        action()
    except workflow.EditionError as error:
        messages.error(request, str(error))
        if typed_fields:
            typed = {name: request.POST.get(name, "") for name in typed_fields}
            return _edition_page(request, edition, typed=typed, status=400)
    return redirect(edition)


def _comment_target(edition, area, entity_number):
    """(area id, entity id) a comment's form names; EditionError naming what it cannot find."""
    try:
        area_id = int(area) if area else None
    except ValueError:
        raise workflow.EditionError(_("Choose an area from the list.")) from None
    if not entity_number:
        return area_id, None
    match = workflow.entity_numbered(edition, entity_number)
    if match is None:
        raise workflow.EditionError(
            _("No entity numbered “%(number)s” is in this edition.") % {"number": entity_number}
        )
    return area_id, match.entity_id


@require_POST
def add_comment(request, iso3, number):
    edition = _review_edition(request, iso3, number)

    def comment():
        area_id, entity_id = _comment_target(edition, request.POST.get("area"), request.POST.get("entity"))
        workflow.add_comment(edition, request.user, request.POST.get("text"), area_id, entity_id)

    return _run(request, edition, comment, typed_fields=("area", "entity", "text"))


@require_POST
def resolve_comment(request, iso3, number, comment_id):
    edition = _review_edition(request, iso3, number)
    comment = get_object_or_404(ReviewComment, pk=comment_id, edition=edition)
    return _run(request, edition, lambda: workflow.resolve_comment(comment, request.user))


@require_POST
def sign_off(request, iso3, number):
    edition = _review_edition(request, iso3, number)
    return _run(
        request,
        edition,
        lambda: workflow.record_signoff(
            edition, request.user, request.POST.get("decision", ""), request.POST.get("note", "")
        ),
        typed_fields=("decision", "note"),
    )


@require_POST
def change_status(request, iso3, number):
    edition = _review_edition(request, iso3, number)
    return _run(request, edition, lambda: workflow.change_status(edition, request.POST.get("status", "")))


@require_GET
def edition_pack(request, iso3, number, fmt):
    edition = _edition(request, iso3, number)
    filename = f"{edition.country_id}-edition-{edition.number}.{fmt}"
    content_type = "application/pdf" if fmt == "pdf" else "image/png"
    response = HttpResponse(pack_store.pack_bytes(edition, fmt), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
