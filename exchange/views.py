"""Data exchange pages: upload and column mapping, batch progress and report, held rows, downloads.

Thin views: parse, ask registry.permissions, call exchange.importing / exchange.exporting, render.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from registry.models import Country
from registry.permissions import can_edit_registry, editable_countries, readable_countries, require

from .background import keep_import_going, start_export, start_import
from .columns import MappingError, resolve_mapping
from .export_jobs import (
    MAX_UNFINISHED_PER_USER,
    ExportFilterError,
    TooManyExports,
    ask_for_export,
    describe_filters,
    export_filters,
    export_queryset,
    is_map_selection,
)
from .exporting import FORMATS, prepare_export
from .forms import ExportForm, MappingForm, UploadForm
from .held_rows import compare_held_rows
from .importing import create_batch, missing_from_mapping, preview, read_upload, rejected_rows_csv, resolve_held_row
from .models import ExportJob, ImportBatch, ImportRow
from .reading import ImportFileError


def _batch_for(request, pk):
    batch = get_object_or_404(ImportBatch.objects.select_related("country").defer("country__geom"), pk=pk)
    require(can_edit_registry(request.user, batch.country_id), _("Only researchers of the country see its imports."))
    return batch


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    countries = editable_countries(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, countries=countries)
    if request.method == "POST":
        require(bool(countries), _("Only researchers import entities."))
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                batch = create_batch(
                    request.user,
                    data["country"],
                    upload.name,
                    read_upload(upload, via="page"),
                    via="page",
                    entity_source=data["source"],
                    description=data["description"],
                    declared_encoding=data["encoding"],
                    duplicate_distance_m=data["duplicate_distance_m"],
                    status=ImportBatch.Status.UPLOADED,
                )
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                return redirect("exchange:mapping", batch.pk)
    return _data_page(request, form)


def _data_page(request, upload_form, export_form=None, status=200):
    """The data page: the upload form, recent imports, the download form (a refused one with its errors) and
    the user's prepared downloads."""
    countries = editable_countries(request.user)
    batches = ImportBatch.objects.filter(country_id__in=countries).select_related("country").defer("country__geom")[:30]
    # Arriving from a filtered registry list ("download these entities"): the download keeps its filters.
    readable = readable_countries(request.user)
    country = request.GET.get("country") if request.GET.get("country") in readable else None
    if export_form is None:
        export_form = ExportForm(countries=readable, initial={"country": country})
    country = Country.objects.defer("geom").filter(pk=country).first() if country else None
    try:
        filters = export_filters(request.GET, country)
    except ExportFilterError as error:
        messages.error(request, _("These filters cannot be used for a download: %(errors)s") % {"errors": error})
        filters = {}
    export_jobs = ExportJob.objects.filter(created_by=request.user).select_related("country").defer("country__geom")
    return render(
        request,
        "exchange/index.html",
        {
            "form": upload_form,
            "batches": batches,
            "export_form": export_form,
            "export_filters": filters,
            "export_filters_described": describe_filters(filters, country),
            "export_filters_from_map": is_map_selection(filters),
            "export_jobs": export_jobs[:10],
            "can_import": bool(countries),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request, pk):
    batch = _batch_for(request, pk)
    if batch.status != ImportBatch.Status.UPLOADED:
        return redirect(batch)
    try:
        info = preview(batch)
    except (ImportFileError, MappingError) as error:
        batch.status, batch.message = ImportBatch.Status.FAILED, str(error)
        batch.save(update_fields=["status", "message"])
        return redirect(batch)  # whose page shows the reason (once: no flash message besides)
    form = MappingForm(request.POST or None, columns=info["columns"], mapping=info["mapping"])
    if request.method == "POST" and form.is_valid():
        overrides = form.overrides(info["mapping"])
        try:
            resolved = resolve_mapping(info["columns"], overrides)
            problem = missing_from_mapping(resolved, info["columns"], info["geometry"])
        except MappingError as error:
            problem = str(error)
        if problem:  # said here, while the columns can still be chosen, not after the import has started
            form.add_error(None, problem)
        else:
            batch.mapping = overrides
            batch.dry_run = form.cleaned_data["dry_run"]
            batch.save(update_fields=["mapping", "dry_run"])
            start_import(batch)
            return redirect(batch)
    read_as = f"{info['format']} ({info['encoding']})" if info.get("encoding") else info["format"]
    return render(request, "exchange/mapping.html", {"batch": batch, "info": info, "form": form, "read_as": read_as})


@login_required
@require_GET
def batch_detail(request, pk):
    batch = _batch_for(request, pk)
    problems = (
        batch.rows.filter(outcome__in=[ImportRow.Outcome.HELD, ImportRow.Outcome.REJECTED])
        .select_related("duplicate_of", "entity")
        .defer("duplicate_of__search_text")
    )
    shown = 1000  # the page lists at most this many; the rejected-rows CSV has them all
    listed = list(problems[:shown])
    comparisons = compare_held_rows(listed)
    for row in listed:
        row.comparison = comparisons.get(row.pk, [])
    return render(
        request,
        "exchange/batch.html",
        {
            "batch": batch,
            "problems": listed,
            "problems_total": problems.count(),
            "shown": shown,
            # Held rows stay "held" after a decision (the decision is their resolution): say what is left.
            "held_undecided": problems.filter(outcome=ImportRow.Outcome.HELD, resolution="").count(),
        },
    )


@login_required
@require_GET
def batch_progress(request, pk):
    batch = _batch_for(request, pk)
    keep_import_going(batch)
    return _progress_response(batch, str(batch.stage_display), rows_in=batch.rows_in)


def _progress_response(work, stage, **extra):
    """What static/js/exchange-progress.js polls, for an import batch or an export job."""
    return JsonResponse(
        {
            "status": work.status,  # the code, for scripts' logic
            "status_label": work.get_status_display(),  # in the request's language, for people
            "stage": stage,
            "percent": work.progress_percent(),
            "finished": work.is_finished,
            "message": work.message,
            **extra,
        }
    )


@login_required
@require_GET
def rejected_csv(request, pk):
    batch = _batch_for(request, pk)
    text = io.StringIO()
    rejected_rows_csv(batch, text)
    response = HttpResponse(("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rejected.csv"'
    return response


@login_required
@require_POST
def resolve_row(request, pk, row_number):
    batch = _batch_for(request, pk)
    row = get_object_or_404(ImportRow, batch=batch, row_number=row_number)
    try:
        resolve_held_row(request.user, row, request.POST.get("decision", ""))
    except PermissionDenied:
        raise
    except Exception as error:  # a ValidationError from the entity service or a bad decision: show it
        text = (
            "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            if hasattr(error, "message_dict")
            else str(error)
        )
        messages.error(request, _("Row %(row)s: %(error)s") % {"row": row.row_number, "error": text})
    else:
        if row.resolution == ImportRow.Resolution.CONFIRMED_NEW:
            text = _("Row %(row)s: confirmed as a new entity.")
        else:
            text = _("Row %(row)s: confirmed duplicate, not imported.")
        messages.success(request, text % {"row": row.row_number})
    return redirect(batch)


@login_required
@require_GET
def download(request):
    countries = readable_countries(request.user)
    if not request.GET:  # the address alone (a bookmark, a language switch): the page with the form
        return redirect("exchange:index")
    form = ExportForm(request.GET, countries=countries)
    if not form.is_valid():  # the data page again, the refusal beside the field it is about
        return _refused_download(request, form)
    country, file_format = form.cleaned_data["country"], form.cleaned_data["format"]
    try:
        filters = export_filters(request.GET, country)
    except ExportFilterError:  # the data page says which filter and why, and offers the download without them
        return _refused_download(request, form)
    base_url = request.build_absolute_uri("/").rstrip("/")
    try:
        job = ask_for_export(request.user, country, file_format, base_url, filters)
    except TooManyExports:
        messages.error(
            request,
            _("%(count)s of your downloads are still being prepared; please wait until one is ready (listed below).")
            % {"count": MAX_UNFINISHED_PER_USER},
        )
        return redirect("exchange:index")
    if job is not None:
        messages.info(
            request,
            _("%(count)s entities: the file is being prepared; this page shows when it is ready.")
            % {"count": f"{job.rows_total:,}"},
        )
        return redirect(job)
    prepared = prepare_export(request.user, export_queryset(country, filters), file_format, base_url)
    if not prepared.streamed:
        return FileResponse(
            prepared.content, as_attachment=True, filename=prepared.filename, content_type=prepared.content_type
        )
    # Sent while the rows are read: the first bytes leave at once and memory stays flat for a whole country.
    response = StreamingHttpResponse(prepared.content, content_type=prepared.content_type)
    response["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    return response


def _refused_download(request, export_form):
    return _data_page(request, UploadForm(countries=editable_countries(request.user)), export_form, status=400)


def _export_job_for(request, pk):
    job = get_object_or_404(ExportJob.objects.select_related("country").defer("country__geom"), pk=pk)
    # The file holds what its asker may read (contacts included): nobody else gets it, administrators neither.
    require(job.created_by_id == request.user.pk, _("Only the person who asked for this export can download it."))
    return job


@login_required
@require_GET
def export_job(request, pk):
    job = _export_job_for(request, pk)
    return render(
        request, "exchange/export_job.html", {"job": job, "filters": describe_filters(job.filters, job.country)}
    )


@login_required
@require_GET
def export_job_progress(request, pk):
    job = _export_job_for(request, pk)
    # A job still waiting gets a worker as soon as one is free, or a new one if its own never started.
    start_export(job)
    return _progress_response(job, f"{job.rows_written:,} / {job.rows_total:,}")


@login_required
@require_GET
def export_job_file(request, pk):
    job = _export_job_for(request, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404(_("This export is not ready."))
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=FORMATS[job.file_format][0],
    )
