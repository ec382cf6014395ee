"""Exports prepared in the background: too large for a request, written to a private file, sent when ready.

`ask_for_export` decides between sending a download at once and queuing a job
(exporting.fits_in_request); `run_export_job` is what the detached worker
(`manage.py export_entities --job ID`) runs. The job's file is written under
the user's roles as they are when it runs, so a role withdrawn in between
is respected.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapping.filters import FilterError, MapFilters
from registry.forms import EntityFilterForm
from registry.models import AdminArea, Entity

from .background import export_log_name, start_export
from .exporting import FORMATS, export_filename, exported_count, fits_in_request, write_export
from .models import ExportJob

logger = logging.getLogger(__name__)


# The registry list's filters (registry.forms.EntityFilterForm) that an export may carry, besides its country:
# "download these entities" from a filtered list gives the same entities.
EXPORT_FILTERS = ("q", "area", "family", "legal_form", "status", "verification", "outcome")
# Or the committee map's filters (mapping.filters.MapFilters), marked MAP_MARK=1: lists of values, sectors and
# a working-definition version, which the list does not have. The map's "download these entities" sends them,
# so the file holds exactly the entities the map counts. They belong to one country.
MAP_MARK = "map"
MAP_FILTERS = ("family", "legal_form", "sector", "status", "verification", "definition", "outcome")


class ExportFilterError(ValueError):
    """Filters an export cannot use; `errors` are {parameter: [reasons]} (a form's errors, say)."""

    def __init__(self, errors, labels=None):
        # "Status (status): reason; ...": the filter as the page names it, and as the address does.
        labels = labels or {}
        text = "; ".join(
            f"{labels[name]} ({name}): {' '.join(map(str, reasons))}"
            if name in labels
            else f"{name}: {' '.join(map(str, reasons))}"
            for name, reasons in errors.items()
        )
        super().__init__(text)
        self.errors = errors


def is_map_selection(filters):
    return str(filters.get(MAP_MARK) or "") == "1"


def _map_selection(query, country):
    """The committee map's filters of `country` in `query`, as MapFilters; ExportFilterError if bad."""
    if country is None:
        raise ExportFilterError({"country": [_("the committee map's filters belong to one country: choose it")]})
    try:
        return MapFilters.parse(country, query)
    except FilterError as error:
        raise ExportFilterError({error.parameter: [error.reason]}) from None


def export_filters(query, country=None):
    """The filters given in `query` (a QueryDict or dict) as {name: value}; ExportFilterError if bad.

    The registry list's EXPORT_FILTERS, or with MAP_MARK=1 the committee map's
    MAP_FILTERS of `country` (values joined by commas).
    """
    if is_map_selection(query):
        selection = _map_selection(query, country)
        if not selection.is_filtered:
            return {}  # the whole map: the country's every entity
        values = selection.as_query()
        if not selection.outcomes:
            values.pop("definition", None)  # the version matters only to outcomes: not pinned for nothing
        return {MAP_MARK: "1", **{name: ",".join(given) for name, given in values.items()}}
    given = {name: str(query.get(name) or "").strip() for name in EXPORT_FILTERS}
    given = {name: value for name, value in given.items() if value}
    form = EntityFilterForm(given)
    if not form.is_valid():
        raise ExportFilterError(form.errors, {name: field.label for name, field in form.fields.items() if field.label})
    return given


def describe_filters(filters, country=None):
    """[(label, value shown)] of export filters, in the reader's language, as the list or the map names them."""
    if is_map_selection(filters):
        try:
            parsed = _map_selection(filters, country)
        except ExportFilterError:  # a job's stored filters that no longer parse (a definition deleted, say)
            return [(name, value) for name, value in filters.items() if name != MAP_MARK]
        described = parsed.labelled()
        if parsed.outcomes and parsed.definition is not None:
            described.append((_("Working definition"), str(parsed.definition.version)))
        return described
    form = EntityFilterForm(filters)
    if not form.is_valid():
        return [(name, value) for name, value in filters.items()]
    described = []
    for name in EXPORT_FILTERS:
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        field = form.fields[name]
        if name == "area":  # an id in the query (the country page's links): the area's name instead
            area = AdminArea.objects.defer("geom").filter(pk=value).first()
            value = area.display_name if area else value
        elif hasattr(field, "label_from_instance"):  # a family or legal form, as its select names it
            value = field.label_from_instance(value)
        elif hasattr(field, "choices"):
            value = dict(field.choices).get(value, value)
        described.append((field.label, str(value)))
    return described


def export_queryset(country, filters=None):
    """The entities an export of `country` (None: every country) with `filters` (export_filters) covers;
    what the asker may read of them is decided when the rows are written (exporting.visible_entities)."""
    queryset = Entity.objects.all()
    if country:
        queryset = queryset.in_countries([country.pk])
    if filters and is_map_selection(filters):
        return _map_selection(filters, country).apply(queryset)
    if filters:
        form = EntityFilterForm(filters)
        if not form.is_valid():
            raise ExportFilterError(form.errors)
        queryset = form.filter(queryset)
    return queryset


# A job unfinished after this long has lost its worker (a restart, a killed process): the largest export,
# every country as XLSX, takes minutes.
ABANDONED_AFTER = datetime.timedelta(hours=2)

# Each job is a process of its own: one person cannot start more than this many at once.
MAX_UNFINISHED_PER_USER = 2
UNFINISHED = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


class TooManyExports(Exception):
    """The user already has MAX_UNFINISHED_PER_USER exports being prepared."""


def ask_for_export(user, country, file_format, base_url="", filters=None):
    """None when the export fits in the request; otherwise the ExportJob that will prepare it.

    Asking again for an export still being prepared gives that job rather than a second one; more than
    MAX_UNFINISHED_PER_USER different ones at once raise TooManyExports.
    """
    filters = filters or {}
    count = exported_count(user, export_queryset(country, filters))
    if fits_in_request(file_format, count):
        return None
    delete_expired_exports(user)
    fail_abandoned_exports(user)
    unfinished = ExportJob.objects.filter(created_by=user, status__in=UNFINISHED)
    same = unfinished.filter(country=country, file_format=file_format, filters=filters).first()
    if same is not None:
        start_export(same)  # if it is still waiting for a worker
        return same
    if unfinished.count() >= MAX_UNFINISHED_PER_USER:
        raise TooManyExports
    job = ExportJob.objects.create(
        created_by=user,
        country=country,
        file_format=file_format,
        base_url=base_url,
        rows_total=count,
        filters=filters,
        filename=export_filename(file_format),
    )
    start_export(job)
    return job


def run_export_job(job):
    """Write the job's file; the job ends DONE with its file or FAILED with the reason. Returns the job.

    The job is claimed first (queued -> running in one UPDATE): of two workers that reach the same queued
    job, one runs it and the other gets None.
    """
    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return None
    job.status = ExportJob.Status.RUNNING
    folder = settings.MEDIA_ROOT / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    # An unguessable name, although the file is only ever sent through the job's page.
    name = f"exports/{job.pk}-{secrets.token_hex(8)}.{FORMATS[job.file_format][1]}"
    path = settings.MEDIA_ROOT / name

    def progress(rows):
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows, heartbeat_at=timezone.now())

    try:
        with path.open("wb") as file:
            write_export(
                job.created_by,
                export_queryset(job.country, job.filters),
                job.file_format,
                file,
                job.base_url,
                progress=progress,
            )
    except Exception as error:
        logger.exception("Export job %s failed", job.pk)
        path.unlink(missing_ok=True)
        job.status, job.message = ExportJob.Status.FAILED, f"{type(error).__name__}: {error}"
    else:
        job.status, job.file.name = ExportJob.Status.DONE, name
    job.finished_at = timezone.now()
    job.rows_written = ExportJob.objects.values_list("rows_written", flat=True).get(pk=job.pk)
    job.save(update_fields=["status", "message", "file", "finished_at", "rows_written"])
    return job


def run_queued_exports(first):
    """Run `first`, then every job left queued while the workers were busy, oldest first (see start_export).
    Returns the jobs this worker ran."""
    ran = []
    job = first
    while job is not None:
        finished = run_export_job(job)
        if finished is not None:
            ran.append(finished)
        job = (
            ExportJob.objects.filter(status=ExportJob.Status.QUEUED)
            .select_related("created_by", "country")
            .defer("country__geom")
            .order_by("created_at")
            .first()
        )
    return ran


def fail_abandoned_exports(user):
    """Mark the user's jobs unfinished after ABANDONED_AFTER as failed, so they neither wait forever nor block."""
    ExportJob.objects.filter(
        created_by=user, status__in=UNFINISHED, created_at__lt=timezone.now() - ABANDONED_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        finished_at=timezone.now(),
        message="The export stopped before it finished (the server was restarted?). Please ask for it again.",
    )


def delete_expired_exports(user=None):
    """Delete export jobs (and their files) older than EXPORT_KEEP_DAYS: of `user`, or of everyone."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    expired = ExportJob.objects.filter(created_at__lt=cutoff)
    if user is not None:
        expired = expired.filter(created_by=user)
    for job in expired:
        delete_export_job(job)


def delete_export_job(job):
    with transaction.atomic():
        if job.file:
            job.file.delete(save=False)
        (settings.MEDIA_ROOT / export_log_name(job.pk)).unlink(missing_ok=True)
        job.delete()
