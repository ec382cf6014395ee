"""Legal instruments, the R193 checklist, assessments against it, and reform processes.

Facts about laws come with a confidence mark (DOMAIN.md: H confirmed in a
source, M known text or a secondary source, L unconfirmed). The interface shows
an M or L fact as such, never as certain. Ratings are the platform's own scale
(documented in legislation.rating): a design choice, not an ILO scoring tool.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models import Country, LegalForm

from .managers import InstrumentQuerySet, ProvisionQuerySet


def today_anywhere():
    """The date it is now where it is latest (UTC+14): what a user anywhere may call "today".

    The server keeps UTC; at 06:00 in Hà Nội (UTC+7) it is still yesterday there, so refusing a date after the
    server's today would refuse the users' own today every morning.
    """
    return (timezone.now() + datetime.timedelta(hours=14)).date()


class Confidence(models.TextChoices):
    HIGH = "H", pgettext_lazy("confidence", "Confirmed in a source")
    MEDIUM = "M", pgettext_lazy("confidence", "Secondary source")
    LOW = "L", pgettext_lazy("confidence", "Unverified")


CONFIDENCE_VALUES = [value for value, _ in Confidence.choices]


def confidence_field(help_text=""):
    return models.CharField(max_length=1, choices=Confidence.choices, default=Confidence.LOW, help_text=help_text)


class Rating(models.TextChoices):
    """How far an instrument meets one R193 provision (the platform's own scale; see legislation.rating)."""

    ALIGNED = "aligned", _("Aligned")
    PARTLY_ALIGNED = "partly_aligned", _("Partly aligned")
    NOT_ALIGNED = "not_aligned", _("Not aligned")
    NOT_ADDRESSED = "not_addressed", _("Not addressed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Stage(models.TextChoices):
    """Stages of a law reform (DESIGN.md), in their usual order, then the two ways a reform stops."""

    IDENTIFIED = "identified", pgettext_lazy("reform stage", "Reform need identified")
    LEGAL_REVIEW = "legal_review", pgettext_lazy("reform stage", "Legal review")
    DRAFTING = "drafting", pgettext_lazy("reform stage", "Drafting")
    STAKEHOLDER_CONSULTATION = (
        "stakeholder_consultation",
        pgettext_lazy("reform stage", "Stakeholder consultation (R193 para. 10(2))"),
    )
    SUBMITTED = "submitted", pgettext_lazy("reform stage", "Submitted to the legislature")
    ADOPTED = "adopted", pgettext_lazy("reform stage", "Adopted")
    IMPLEMENTING_REGULATIONS = "implementing_regulations", pgettext_lazy("reform stage", "Implementing regulations")
    IN_FORCE = "in_force", pgettext_lazy("reform stage", "In force")
    STALLED = "stalled", pgettext_lazy("reform stage", "Stalled")
    WITHDRAWN = "withdrawn", pgettext_lazy("reform stage", "Withdrawn")


LANGUAGES_OF_ORIGINAL_TITLES = [
    ("vi", _("Vietnamese")),
    ("th", _("Thai")),
    ("km", _("Khmer")),
    ("mn", _("Mongolian")),
    ("ky", _("Kyrgyz")),
    ("ru", _("Russian")),
]


class Instrument(models.Model):
    """A law, decree, regulation, bill or policy of one country."""

    class Kind(models.TextChoices):
        LAW = "law", pgettext_lazy("instrument kind", "Law")
        DECREE = "decree", pgettext_lazy("instrument kind", "Decree")
        REGULATION = "regulation", pgettext_lazy("instrument kind", "Regulation")
        BILL = "bill", pgettext_lazy("instrument kind", "Bill")
        POLICY = "policy", pgettext_lazy("instrument kind", "Policy")

    class Subject(models.TextChoices):
        COOPERATIVES = "cooperatives", _("Cooperatives")
        SSE = "sse", _("Social and solidarity economy")
        SOCIAL_ENTERPRISE = "social_enterprise", _("Social enterprise")
        ASSOCIATIONS = "associations", _("Associations and NGOs")
        CREDIT_COOPERATIVES = "credit_cooperatives", _("Credit cooperatives")
        OTHER = "other", pgettext_lazy("instrument subject", "Other")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("instrument status", "Draft / bill")
        ADOPTED = "adopted", pgettext_lazy("instrument status", "Adopted, not yet in force")
        IN_FORCE = "in_force", pgettext_lazy("instrument status", "In force")
        REPEALED = "repealed", pgettext_lazy("instrument status", "Repealed or replaced")
        UNKNOWN = "unknown", pgettext_lazy("instrument status", "Unknown")

    code = models.SlugField(
        max_length=40, unique=True, help_text="Stable reference code, e.g. vnm-coop-2023 (fixtures refer to it)."
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="instruments")
    title = models.CharField("title (English)", max_length=300)
    title_confidence = confidence_field()
    title_original = models.CharField("title (original language)", max_length=300, blank=True)
    title_original_language = models.CharField(max_length=5, choices=LANGUAGES_OF_ORIGINAL_TITLES, blank=True)
    title_original_confidence = confidence_field()
    number = models.CharField(max_length=60, blank=True, help_text="Official number, e.g. 17/2023/QH15.")
    number_confidence = confidence_field()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=20, choices=Subject.choices)
    adopted_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="When only the year is known.")
    adopted_on = models.DateField(null=True, blank=True)
    adopted_confidence = confidence_field()
    in_force_on = models.DateField(null=True, blank=True)
    in_force_confidence = confidence_field()
    repealed_on = models.DateField(null=True, blank=True)
    repealed_confidence = confidence_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNKNOWN)
    status_confidence = confidence_field()
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="amendments",
        help_text="The instrument this one amends.",
    )
    implements = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="implementing_instruments",
        help_text="The law this decree or regulation implements.",
    )
    source_url = models.URLField("source link", max_length=500, blank=True)
    sources = models.TextField(blank=True, help_text="Where each fact comes from, in words.")
    note = models.TextField(blank=True)
    legal_forms = models.ManyToManyField(
        LegalForm, through="InstrumentLegalForm", related_name="instruments", blank=True
    )

    objects = InstrumentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "adopted_year", "adopted_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(title_confidence__in=CONFIDENCE_VALUES)
                & Q(title_original_confidence__in=CONFIDENCE_VALUES)
                & Q(number_confidence__in=CONFIDENCE_VALUES)
                & Q(adopted_confidence__in=CONFIDENCE_VALUES)
                & Q(in_force_confidence__in=CONFIDENCE_VALUES)
                & Q(repealed_confidence__in=CONFIDENCE_VALUES)
                & Q(status_confidence__in=CONFIDENCE_VALUES),
                name="instrument_confidence_marks",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "adopted", "in_force", "repealed", "unknown"]),
                name="instrument_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(adopted_on__isnull=True)
                | Q(adopted_year__isnull=True)
                | Q(adopted_on__year=F("adopted_year")),
                name="instrument_adopted_year_matches_date",
            ),
            models.CheckConstraint(
                condition=Q(in_force_on__isnull=True)
                | Q(adopted_on__isnull=True)
                | Q(in_force_on__gte=F("adopted_on")),
                name="instrument_in_force_after_adoption",
            ),
            models.CheckConstraint(
                condition=Q(repealed_on__isnull=True)
                | Q(in_force_on__isnull=True)
                | Q(repealed_on__gte=F("in_force_on")),
                name="instrument_repealed_after_in_force",
            ),
            models.CheckConstraint(condition=~Q(supersedes=F("id")), name="instrument_not_superseding_itself"),
        ]

    def __str__(self):
        return f"{self.title} ({self.country_id})"

    def save(self, *args, **kwargs):
        # The year is what lists sort and display by; a full date, when known, decides it.
        if self.adopted_on:
            self.adopted_year = self.adopted_on.year
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("legislation:instrument", args=[self.code])

    @property
    def year(self):
        return self.adopted_on.year if self.adopted_on else self.adopted_year

    def clean(self):
        """Dates in their order (adopted, in force, repealed), links to other instruments of the same country,
        each refusal on its field.

        The CHECK constraints say the same for full dates, but as "Constraint ... is violated" and not when only
        the year of adoption is known; a field with an error here is not checked again by its constraint.
        """
        errors = {}
        if self.adopted_on:
            # As save() does, before the constraint compares them: the full date decides the year.
            self.adopted_year = self.adopted_on.year
        adopted_year = self.adopted_year
        adopted = date_format(self.adopted_on, "DATE_FORMAT") if self.adopted_on else str(adopted_year)

        def before_adoption(day):
            if self.adopted_on:
                return day < self.adopted_on
            return adopted_year is not None and day.year < adopted_year

        if self.in_force_on and before_adoption(self.in_force_on):
            errors["in_force_on"] = gettext("In force from %(in_force)s, before its adoption (%(adopted)s).") % {
                "in_force": date_format(self.in_force_on, "DATE_FORMAT"),
                "adopted": adopted,
            }
        if self.repealed_on and self.in_force_on and self.repealed_on < self.in_force_on:
            errors["repealed_on"] = gettext("Repealed on %(repealed)s, before it came into force (%(in_force)s).") % {
                "repealed": date_format(self.repealed_on, "DATE_FORMAT"),
                "in_force": date_format(self.in_force_on, "DATE_FORMAT"),
            }
        elif self.repealed_on and before_adoption(self.repealed_on):
            errors["repealed_on"] = gettext("Repealed on %(repealed)s, before its adoption (%(adopted)s).") % {
                "repealed": date_format(self.repealed_on, "DATE_FORMAT"),
                "adopted": adopted,
            }
        if self.status == self.Status.IN_FORCE and self.repealed_on and self.repealed_on <= today_anywhere():
            # The dashboard rates the law marked in force: a repealed one would be rated as the law in force.
            errors["status"] = gettext("Marked in force, but repealed or replaced on %(repealed)s.") % {
                "repealed": date_format(self.repealed_on, "DATE_FORMAT")
            }
        for name in ("supersedes", "amends", "implements"):
            # An instrument amending itself, or another country's law, would drop the country's law from the
            # dashboard (rated_in_dashboard leaves amendments and implementing texts out).
            linked = getattr(self, name)
            if linked is None:
                continue
            if self.pk is not None and linked.pk == self.pk:
                errors[name] = gettext("Choose another instrument: this is the instrument itself.")
            elif self.country_id and linked.country_id != self.country_id:
                errors[name] = gettext("Choose an instrument of the same country; %(title)s is of %(country)s.") % {
                    "title": linked.title,
                    "country": linked.country_id,
                }
        if errors:
            raise ValidationError(errors)

    def facts(self):
        """(label, value, confidence) of each fact shown on the instrument page, with its mark (labels translated)."""
        adopted = self.adopted_on or self.adopted_year
        return [
            (gettext("Title"), self.title, self.title_confidence),
            (gettext("Original title"), self.title_original, self.title_original_confidence),
            (pgettext("instrument fact", "Number"), self.number, self.number_confidence),
            (pgettext("instrument date", "Adopted"), adopted, self.adopted_confidence),
            (gettext("In force from"), self.in_force_on, self.in_force_confidence),
            (gettext("Repealed or replaced on"), self.repealed_on, self.repealed_confidence),
            (gettext("Status"), self.get_status_display(), self.status_confidence),
        ]


class InstrumentLegalForm(models.Model):
    """A legal form an instrument creates, with the confidence of that link."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="legal_form_links")
    legal_form = models.ForeignKey(LegalForm, on_delete=models.CASCADE, related_name="instrument_links")
    confidence = confidence_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument", "legal_form__name"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "legal_form"], name="instrument_legal_form_unique"),
            models.CheckConstraint(condition=Q(confidence__in=CONFIDENCE_VALUES), name="instrument_legal_form_conf"),
        ]

    def __str__(self):
        return f"{self.instrument} creates {self.legal_form}"


class Provision(models.Model):
    """One row of the R193 checklist (DOMAIN.md): what a cooperative law is rated against."""

    class Part(models.TextChoices):
        I = "I", _("I. Scope, definition and objectives")  # noqa: E741 (the Roman numeral of R193's part)
        II = "II", _("II. Policy framework and role of governments")
        III = "III", _("III. Implementation of public policies for the promotion of cooperatives")
        IV = "IV", _("IV. Role of employers' and workers' organizations and cooperative organizations")
        V = "V", _("V. International cooperation")
        VI = "VI", _("VI. Final provision")

    key = models.CharField(max_length=12, unique=True, help_text="Checklist key, e.g. P6a.")
    paragraph = models.CharField(max_length=40, help_text="R193 paragraph reference, e.g. 6(a).")
    part = models.CharField(max_length=3, choices=Part.choices)
    text = models.TextField(help_text="What the law or policy does when it meets this provision.")
    confidence = confidence_field("H where the wording follows R193 closely (DOMAIN.md), else M.")
    sort_order = models.PositiveSmallIntegerField(unique=True)

    objects = ProvisionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order"]
        constraints = [
            models.CheckConstraint(condition=Q(part__in=["I", "II", "III", "IV", "V", "VI"]), name="provision_part"),
        ]

    def __str__(self):
        return f"{self.key} (para. {self.paragraph})"


class Assessment(models.Model):
    """An instrument rated against one R193 provision, with the articles cited as evidence."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="assessments")
    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="assessments")
    rating = models.CharField(max_length=16, choices=Rating.choices)
    evidence = models.CharField(
        "evidence (articles cited)", max_length=500, blank=True, help_text="e.g. Art. 4, Art. 7(2)"
    )
    note = models.TextField(blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_on = models.DateField()
    is_demo = models.BooleanField(default=False, help_text="Synthetic demo rating, not a real assessment.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["instrument", "provision__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "provision"], name="assessment_one_per_provision"),
            models.CheckConstraint(
                condition=Q(rating__in=[value for value, _ in Rating.choices]), name="assessment_rating_in_scale"
            ),
        ]

    def __str__(self):
        return f"{self.instrument} / {self.provision.key}: {self.get_rating_display()}"

    def clean(self):
        # The rating form's rule (legislation.assessments), here for the admin too.
        from .assessments import check_assessed_on

        if self.assessed_on:
            check_assessed_on(self.assessed_on)


class ReformProcess(models.Model):
    """A country's reform of its cooperative (or SSE) legislation, followed stage by stage.

    `current_stage` is the stage of the latest StageEvent, kept by
    legislation.reform.record_stage in the same transaction as the event.
    """

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="reform_processes")
    title = models.CharField(max_length=300)
    targets = models.ManyToManyField(
        Instrument, blank=True, related_name="reform_processes", help_text="Instruments being reformed or drafted."
    )
    started_on = models.DateField(null=True, blank=True, help_text="Empty when unknown.")
    current_stage = models.CharField(max_length=30, choices=Stage.choices, blank=True)
    note = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demo process, not a real reform.")

    history = HistoricalRecords(m2m_fields=[targets])

    class Meta:
        verbose_name_plural = "reform processes"
        ordering = ["country", "started_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(current_stage="") | Q(current_stage__in=[value for value, _ in Stage.choices]),
                name="reform_current_stage_valid",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.country_id})"

    def get_absolute_url(self):
        return reverse("legislation:country-reform", args=[self.country_id]) + f"#process-{self.pk}"

    def clean(self):
        # The rule lives in legislation.reform (the pages' forms call it); here so that the admin and every
        # ModelForm say it on the field instead of failing on the database trigger (migration 0002).
        from .reform import check_start_date

        check_start_date(self, self.started_on)


class StageEvent(models.Model):
    """A reform process reached a stage on a date. Never dated before the process started (DB trigger too)."""

    process = models.ForeignKey(ReformProcess, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(max_length=30, choices=Stage.choices)
    occurred_on = models.DateField()
    date_confidence = confidence_field()
    note = models.TextField(blank=True)
    document_title = models.CharField(max_length=300, blank=True)
    document_url = models.URLField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["process", "occurred_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=[value for value, _ in Stage.choices]), name="stage_event_stage_valid"
            ),
            models.CheckConstraint(condition=Q(date_confidence__in=CONFIDENCE_VALUES), name="stage_event_conf"),
        ]

    def __str__(self):
        return f"{self.process}: {self.get_stage_display()} on {self.occurred_on}"

    def clean(self):
        # As ReformProcess.clean: the admin's stage inline gets the same message as the stage form.
        from .reform import check_stage_date

        process = self.process if self.process_id or "process" in self._state.fields_cache else None
        if process is not None and self.occurred_on is not None:
            check_stage_date(process, self.occurred_on)
