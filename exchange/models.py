"""Import batches and their rows (the provenance and per-row report of every file import), and export jobs.

Every row of an imported file ends in exactly one outcome, so that
rows in = imported + updated + unchanged + held + rejected, always.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import pgettext_lazy

from registry.models import Country, Entity

# The importer's stages (exchange.importing.Importer.STAGES, and "queued" before it starts), for people.
IMPORT_STAGE_LABELS = {
    "queued": pgettext_lazy("import stage", "waiting to start"),
    "reading": pgettext_lazy("import stage", "reading the file"),
    "validating": pgettext_lazy("import stage", "checking every row"),
    "checking locations": pgettext_lazy("import stage", "checking locations"),
    "checking duplicates": pgettext_lazy("import stage", "looking for duplicates"),
    "writing": pgettext_lazy("import stage", "writing to the registry"),
    "done": pgettext_lazy("import stage", "finished"),
}


class ImportBatch(models.Model):
    """One uploaded file imported (or dry-run) into one country's registry."""

    # Labels are for people and shown translated (contexts keep them apart from the page's column headers);
    # the codes are what is stored, exported and given by the API.
    class Status(models.TextChoices):
        UPLOADED = "uploaded", pgettext_lazy("import status", "Uploaded, columns to confirm")
        QUEUED = "queued", pgettext_lazy("import status", "Queued")
        RUNNING = "running", pgettext_lazy("import status", "Running")
        DONE = "done", pgettext_lazy("import status", "Done")
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="import_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its worker was (last) started; a worker not running it LAUNCH_GRACE later is started again.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    via = models.CharField(max_length=10, default="page", help_text="page, api or command")

    # Provenance of the file.
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=20, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    declared_encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=5, blank=True)
    entity_source = models.CharField(
        max_length=20,
        choices=Entity.Source.choices,
        default=Entity.Source.IMPORT,
        help_text="What the file is (survey, government list...): recorded on every entity it creates.",
    )
    description = models.CharField(max_length=300, blank=True, help_text="Where the file comes from.")

    # How it is read.
    mapping = models.JSONField(default=dict, blank=True, help_text="Field -> column, as overridden by the user.")
    columns = models.JSONField(default=list, blank=True)
    resolved_mapping = models.JSONField(default=dict, blank=True, help_text="Field -> column actually used.")
    duplicate_distance_m = models.PositiveIntegerField(default=500)
    name_similarity = models.FloatField(default=0.6)
    dry_run = models.BooleanField(default=False)
    language = models.CharField(
        max_length=10, blank=True, help_text="The uploader's language: the batch's reasons and warnings are in it."
    )

    # Progress and outcome.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    rows_in = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done")
                | Q(rows_in=F("imported") + F("updated") + F("unchanged") + F("held") + F("rejected")),
                name="importbatch_rows_accounted",
            ),
            models.CheckConstraint(
                condition=Q(name_similarity__gte=0) & Q(name_similarity__lte=1), name="importbatch_similarity_range"
            ),
        ]

    def __str__(self):
        return f"Import {self.pk} {self.original_name} ({self.country_id})"

    def get_absolute_url(self):
        return reverse("exchange:batch", args=[self.pk])

    @property
    def is_finished(self):
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def stage_display(self):
        """The stage in the reader's words (IMPORT_STAGE_LABELS); a stage without a label as stored."""
        return IMPORT_STAGE_LABELS.get(self.stage, self.stage)

    @property
    def accounted(self):
        return self.imported + self.updated + self.unchanged + self.held + self.rejected

    def progress_percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))


class ImportRow(models.Model):
    """The outcome of one row of a batch, with its reason when it was not simply imported."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", pgettext_lazy("import row", "Imported")
        UPDATED = "updated", pgettext_lazy("import row", "Updated an existing entity (same external id)")
        UNCHANGED = "unchanged", pgettext_lazy("import row", "Skipped: already in the registry, identical")
        HELD = "held", pgettext_lazy("import row", "Held: possible duplicate, to confirm")
        REJECTED = "rejected", pgettext_lazy("import row", "Rejected")

    class Resolution(models.TextChoices):
        PENDING = "", pgettext_lazy("import row", "Pending")
        CONFIRMED_NEW = "confirmed_new", pgettext_lazy("import row", "Confirmed as a new entity")
        DUPLICATE = "duplicate", pgettext_lazy("import row", "Confirmed duplicate: not imported")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(help_text="As a spreadsheet shows it: the header is row 1.")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    entity = models.ForeignKey(Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=60, blank=True)
    reason = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_of_row = models.PositiveIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="The row as read from the file.")
    cleaned = models.JSONField(default=dict, blank=True, help_text="Validated values, kept for held rows.")
    resolution = models.CharField(max_length=14, choices=Resolution.choices, default="", blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [models.UniqueConstraint(fields=["batch", "row_number"], name="importrow_unique_row")]
        indexes = [models.Index(fields=["batch", "outcome"], name="importrow_batch_outcome_idx")]

    def __str__(self):
        return f"row {self.row_number}: {self.outcome}"


class ExportJob(models.Model):
    """A download too large to prepare within a request, written in the background for the user who asked.

    The file is private to that user: it is sent only by the job's page (exchange.views.export_job_file),
    never from MEDIA_URL, and it is deleted with the job after EXPORT_KEEP_DAYS.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export status", "Queued")
        RUNNING = "running", pgettext_lazy("export status", "Being prepared")
        DONE = "done", pgettext_lazy("export status", "Ready")
        FAILED = "failed", pgettext_lazy("export status", "Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker was last started for the job (see background.start_export)."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the worker running the job (export_jobs.STALLED_AFTER)."
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: every country the user reads."
    )
    file_format = models.CharField(max_length=20)
    filters = models.JSONField(
        default=dict, blank=True, help_text="The registry list's filters it carries (export_jobs.export_filters)."
    )
    base_url = models.CharField(max_length=200, blank=True, help_text="The site's address, for links in the file.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0, help_text="Entities to export, counted when asked.")
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    filename = models.CharField(max_length=100, help_text="The name the download is given.")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"export {self.pk} {self.file_format} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("exchange:export-job", args=[self.pk])

    @property
    def is_finished(self):
        return self.status in {self.Status.DONE, self.Status.FAILED}

    def progress_percent(self):
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_written / self.rows_total))
