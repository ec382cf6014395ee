"""Countries and their administrative areas (the reference geography).

Areas are versioned by validity dates because boundaries change: Viet Nam had
63 provinces until 2025-06-30 and has 34 from 2025-07-01. Every question of
"which area" is therefore asked *on a date*.
"""

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .managers import AdminAreaQuerySet, CountryQuerySet, EntityQuerySet, SearchText
from .template_words import template_words

# The five countries' stored (English) names, marked so that the catalogs translate them: pages show
# Country.display_name, the stored name looked up in the active language at run time, so a renamed country
# shows its new name at once (in English until its translation is added).
COUNTRY_NAMES_TO_TRANSLATE = (
    pgettext_lazy("country", "Cambodia"),
    pgettext_lazy("country", "Kyrgyzstan"),
    pgettext_lazy("country", "Mongolia"),
    pgettext_lazy("country", "Thailand"),
    pgettext_lazy("country", "Viet Nam"),
)
COUNTRY_FORMAL_NAMES_TO_TRANSLATE = (
    pgettext_lazy("country formal name", "Kingdom of Cambodia"),
    pgettext_lazy("country formal name", "Kyrgyz Republic"),
    pgettext_lazy("country formal name", "Mongolia"),
    pgettext_lazy("country formal name", "Kingdom of Thailand"),
    pgettext_lazy("country formal name", "Socialist Republic of Viet Nam"),
)
# The ILC 2022 entity families as fixtures/registry/entity_families.json stores them, marked for the
# catalogs in the same way: pages show EntityFamily.display_name (and family_label() for a stored name).
FAMILY_NAMES_TO_TRANSLATE = (
    pgettext_lazy("entity family", "Cooperative"),
    pgettext_lazy("entity family", "Association"),
    pgettext_lazy("entity family", "Mutual society"),
    pgettext_lazy("entity family", "Foundation"),
    pgettext_lazy("entity family", "Social enterprise"),
    pgettext_lazy("entity family", "Self-help group"),
    pgettext_lazy("entity family", "Other"),
)


def family_label(stored_name):
    """A family's stored English name (as an edition snapshot keeps it) in the active language."""
    return pgettext("entity family", stored_name) if stored_name else stored_name


def legal_form_label(country_iso3, name, name_local):
    """A legal form (or an area) as its reader knows it: the law's own term when they read the country's language.

    Legal forms are a country's legal terms, not words of the interface, so they are not in the
    catalogs: a Vietnamese reader sees "Hợp tác xã", everyone else the English name.
    """
    if name_local and get_language() == COUNTRY_LANGUAGES.get(country_iso3):
        return name_local
    return name


# The language of each country's local names (BCP 47, for lang= attributes, fonts and printed packs).
COUNTRY_LANGUAGES = {"KHM": "km", "KGZ": "ky", "MNG": "mn", "THA": "th", "VNM": "vi"}


class Country(models.Model):
    """One of the five countries, with its ADM0 outline."""

    iso3 = models.CharField("ISO 3166-1 alpha-3", max_length=3, primary_key=True)
    iso2 = models.CharField("ISO 3166-1 alpha-2", max_length=2, unique=True)
    name = models.CharField("name (English)", max_length=100)
    formal_name = models.CharField("formal name (English)", max_length=200, blank=True)
    name_local = models.CharField("name (local script)", max_length=100, blank=True)
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)  # indexed by the named GistIndex in Meta

    objects = CountryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "countries"
        ordering = ["name"]
        indexes = [GistIndex(fields=["geom"], name="country_geom_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="country_geom_valid"),
            models.CheckConstraint(condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_format"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the active language (see COUNTRY_NAMES_TO_TRANSLATE)."""
        return pgettext("country", self.name)

    @property
    def display_formal_name(self):
        """The formal name in the active language (see COUNTRY_FORMAL_NAMES_TO_TRANSLATE)."""
        return pgettext("country formal name", self.formal_name) if self.formal_name else ""

    @property
    def language(self):
        """The language code of `name_local` and of the local names of its areas and entities ("km" for Khmer)."""
        return COUNTRY_LANGUAGES.get(self.iso3, "")

    def get_absolute_url(self):
        return reverse("registry:country", args=[self.iso3])


class AdminArea(models.Model):
    """An administrative unit (level 1: province, oblast, aimag) valid over a period.

    `valid_from` empty means "since before our data begins"; `valid_to` empty
    means "still in force". Both dates are inclusive.
    """

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="areas")
    level = models.PositiveSmallIntegerField(default=1)
    code = models.CharField(
        max_length=20, help_text="ISO 3166-2 code where one exists, otherwise the national statistics code."
    )
    code_system = models.CharField(max_length=20, default="ISO 3166-2")
    name = models.CharField("name (English / romanized)", max_length=150)
    name_local = models.CharField("name (local script)", max_length=150, blank=True)
    subdivision_type = models.CharField(max_length=60, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="The area this one was merged into when it ceased to exist.",
    )
    source = models.CharField(max_length=300, blank=True)
    geom = models.MultiPolygonField(srid=4326, spatial_index=False)  # indexed by the named GistIndex in Meta

    objects = AdminAreaQuerySet.as_manager()

    class Meta:
        ordering = ["country", "level", "name"]
        indexes = [
            GistIndex(fields=["geom"], name="adminarea_geom_gist"),
            models.Index(fields=["country", "level", "valid_from", "valid_to"], name="adminarea_validity_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="adminarea_geom_valid"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="adminarea_valid_period",
            ),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=3), name="adminarea_level_range"),
            models.UniqueConstraint(
                fields=["country", "level", "code", "valid_from"],
                name="adminarea_unique_code_per_period",
                nulls_distinct=False,
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def get_absolute_url(self):
        return reverse("registry:country", args=[self.country_id]) + f"#area-{self.pk}"

    @property
    def reader_name(self):
        """One name, for a list's narrow column: the local one to a reader of the country's language
        (កណ្ដាល in Khmer), the romanized one to everyone else (Kandaal)."""
        return legal_form_label(self.country_id, self.name, self.name_local)

    @property
    def display_name(self):
        """English and local name together, as committee members read them."""
        if self.name_local and self.name_local != self.name:
            return f"{self.name} · {self.name_local}"
        return self.name

    def is_valid_on(self, day):
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class EntityFamily(models.Model):
    """The ILC 2022 families of SSE entities (cooperative, association, mutual society, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "entity families"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the active language (see FAMILY_NAMES_TO_TRANSLATE)."""
        return family_label(self.name)


class LegalForm(models.Model):
    """A legal form a country's law creates (e.g. Viet Nam: cooperative group, cooperative)."""

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="legal_forms")
    code = models.SlugField(max_length=60)
    name = models.CharField("name (English)", max_length=150)
    name_local = models.CharField("name (local script)", max_length=150, blank=True)
    family = models.ForeignKey(EntityFamily, on_delete=models.PROTECT, related_name="legal_forms")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["country", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "code"], name="legalform_unique_code_per_country")]

    def __str__(self):
        return f"{self.name} ({self.country_id})"

    @property
    def display_name(self):
        """The name for the active language: the local term for readers of the country's language."""
        return legal_form_label(self.country_id, self.name, self.name_local)

    @classmethod
    def label_of_stored_name(cls, country_iso3, name):
        """legal_form_label() of a legal form known by its English name (as edition snapshots keep it).

        The local term is today's, found by that name; a form renamed since shows its stored English name.
        """
        if not name:
            return name
        name_local = cls.objects.filter(country_id=country_iso3, name=name).values_list("name_local", flat=True).first()
        return legal_form_label(country_iso3, name, name_local)


# ISIC Rev.4 sections, the level at which SSE mapping studies report sectors; the titles in the reader's language.
ISIC_SECTIONS = [
    ("A", pgettext_lazy("ISIC section", "Agriculture, forestry and fishing")),
    ("B", pgettext_lazy("ISIC section", "Mining and quarrying")),
    ("C", pgettext_lazy("ISIC section", "Manufacturing")),
    ("D", pgettext_lazy("ISIC section", "Electricity, gas, steam and air conditioning supply")),
    ("E", pgettext_lazy("ISIC section", "Water supply; sewerage, waste management and remediation")),
    ("F", pgettext_lazy("ISIC section", "Construction")),
    ("G", pgettext_lazy("ISIC section", "Wholesale and retail trade; repair of motor vehicles")),
    ("H", pgettext_lazy("ISIC section", "Transportation and storage")),
    ("I", pgettext_lazy("ISIC section", "Accommodation and food service activities")),
    ("J", pgettext_lazy("ISIC section", "Information and communication")),
    ("K", pgettext_lazy("ISIC section", "Financial and insurance activities")),
    ("L", pgettext_lazy("ISIC section", "Real estate activities")),
    ("M", pgettext_lazy("ISIC section", "Professional, scientific and technical activities")),
    ("N", pgettext_lazy("ISIC section", "Administrative and support service activities")),
    ("O", pgettext_lazy("ISIC section", "Public administration and defence; compulsory social security")),
    ("P", pgettext_lazy("ISIC section", "Education")),
    ("Q", pgettext_lazy("ISIC section", "Human health and social work activities")),
    ("R", pgettext_lazy("ISIC section", "Arts, entertainment and recreation")),
    ("S", pgettext_lazy("ISIC section", "Other service activities")),
    ("T", pgettext_lazy("ISIC section", "Activities of households as employers")),
    ("U", pgettext_lazy("ISIC section", "Activities of extraterritorial organizations and bodies")),
]


class Entity(models.Model):
    """An SSE entity in the registry: a cooperative, association, mutual, social enterprise...

    Contact fields hold personal data: never shown to anonymous users or
    exported without the role that allows it. `admin_area` is derived from
    `point` for the boundaries in force and never typed by hand. `version`
    increases on every save and is used for optimistic locking.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        DISSOLVED = "dissolved", _("Dissolved")
        UNKNOWN = "unknown", _("Unknown")

    class Precision(models.TextChoices):
        EXACT = "exact", pgettext_lazy("location precision", "Exact location")
        VILLAGE = "village", pgettext_lazy("location precision", "Village")
        DISTRICT = "district", pgettext_lazy("location precision", "District centroid")
        PROVINCE = "province", pgettext_lazy("location precision", "Province centroid")

    class Source(models.TextChoices):
        SURVEY = "survey", _("Survey")
        GOVERNMENT_LIST = "government_list", _("Government list")
        FIELD_VISIT = "field_visit", _("Field visit")
        IMPORT = "import", _("File import")
        DEMO = "demo", _("Synthetic demo data")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")
        DISPUTED = "disputed", _("Disputed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column index: the (country, ...) indexes in Meta serve every lookup by country.
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="entities", db_index=False)
    # Unique through Meta.constraints, not unique=True: on PostgreSQL a unique CharField also gets a
    # second (varchar_pattern_ops) index for LIKE queries, which nothing here makes and every write pays.
    registry_number = models.CharField(max_length=12, editable=False)
    name = models.CharField(max_length=300)
    name_local = models.CharField("name (local script)", max_length=300, blank=True)
    name_romanized = models.CharField("name (romanized)", max_length=300, blank=True)
    # Indexed with the status (Meta.indexes), which serves the family filter and the foreign key alike.
    family = models.ForeignKey(EntityFamily, on_delete=models.PROTECT, related_name="entities", db_index=False)
    legal_form = models.ForeignKey(LegalForm, null=True, blank=True, on_delete=models.PROTECT, related_name="entities")
    registration_number = models.CharField(max_length=100, blank=True)
    registering_authority = models.CharField(max_length=200, blank=True)
    registration_date = models.DateField(null=True, blank=True)
    founded_year = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    members_total = models.PositiveIntegerField(null=True, blank=True)
    members_women = models.PositiveIntegerField(null=True, blank=True)
    members_men = models.PositiveIntegerField(null=True, blank=True)
    workers_total = models.PositiveIntegerField(null=True, blank=True)
    workers_women = models.PositiveIntegerField(null=True, blank=True)
    sectors = ArrayField(models.CharField(max_length=1, choices=ISIC_SECTIONS), default=list, blank=True)
    point = models.PointField(srid=4326, spatial_index=False)  # indexed by the named GistIndex in Meta
    location_precision = models.CharField(max_length=10, choices=Precision.choices, default=Precision.EXACT)
    admin_area = models.ForeignKey(
        AdminArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="entities", editable=False
    )
    address = models.TextField(blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=60, blank=True)
    contact_email = models.EmailField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.FIELD_VISIT)
    source_reference = models.CharField(max_length=300, blank=True)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="Identifier in the source system, e.g. a KoboToolbox _uuid."
    )
    verification = models.CharField(max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demo data, not a real entity.")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Names and registry number, lowercased and without diacritics (migration 0003's
    # registry_fold), stored so a trigram search rechecks plain text, not unaccent().
    search_text = models.GeneratedField(expression=SearchText(), output_field=models.TextField(), db_persist=True)

    objects = EntityQuerySet.as_manager()
    # The history is read by entity (its `id` index) and by date; nobody looks history rows up by
    # number, country, area, family or legal form, and those six indexes cost every entity write
    # (an import of 100k rows writes 100k history rows).
    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_text"],
        no_db_index=["registry_number", "country", "admin_area", "family", "legal_form"],
    )

    # Personal data: shown and exported only where registry.permissions.can_see_contact_data allows.
    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email")

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["registry_number"]
        indexes = [
            GistIndex(fields=["point"], name="entity_point_gist"),
            # A country's entities by area, covering what the committee map aggregates (family, legal form,
            # status, verification, members) so that B1/B3 read the index alone. It also serves the registry
            # list's area filter, so no plain (country, area) index is kept beside it.
            models.Index(
                fields=["country", "admin_area"],
                include=["family", "legal_form", "status", "verification", "members_total", "members_women"],
                name="entity_map_aggregate_idx",
            ),
            models.Index(fields=["country", "status"], name="entity_country_status_idx"),
            # In place of the family foreign key's own index: the list's capped count of a family and
            # status across countries reads it alone (B7: 80 ms -> 3 ms at 1M).
            models.Index(fields=["family", "status"], name="entity_family_status_idx"),
            # The registry list pages a country in registry-number order.
            models.Index(fields=["country", "registry_number"], name="entity_country_number_idx"),
            GinIndex(fields=["search_text"], name="entity_search_text_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["registry_number"], name="entity_unique_registry_number"),
            models.CheckConstraint(condition=Q(point__isvalid=True), name="entity_point_valid"),
            models.CheckConstraint(
                condition=Q(registry_number__regex=r"^[A-Z]{3}-[0-9]{6,}$"), name="entity_registry_number_format"
            ),
            models.CheckConstraint(
                condition=Q(members_total__isnull=True)
                | Q(members_women__isnull=True)
                | Q(members_men__isnull=True)
                | Q(members_total__gte=models.F("members_women") + models.F("members_men")),
                name="entity_members_add_up",
            ),
            models.CheckConstraint(
                condition=Q(workers_total__isnull=True)
                | Q(workers_women__isnull=True)
                | Q(workers_total__gte=models.F("workers_women")),
                name="entity_workers_women_within_total",
            ),
            models.UniqueConstraint(
                fields=["country", "external_id"],
                condition=~Q(external_id=""),
                name="entity_unique_external_id_per_country",
            ),
        ]

    def __str__(self):
        return f"{self.registry_number} {self.name}"

    def get_absolute_url(self):
        return reverse("registry:entity", args=[self.pk])

    def sector_choices(self):
        """(code, title in the reader's language) of each ISIC section the entity works in, as pages show them."""
        titles = dict(ISIC_SECTIONS)
        return [(code, titles.get(code, "")) for code in self.sectors]


class WorkingDefinition(models.Model):
    """One version of a country's national working definition of the SSE."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        UNDER_REVIEW = "under_review", _("Under committee review")
        ADOPTED = "adopted", _("Adopted")
        SUPERSEDED = "superseded", _("Superseded")

    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="definitions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.DRAFT)
    adopted_on = models.DateField(null=True, blank=True)
    adopted_by = models.CharField(max_length=300, blank=True, help_text="The body that adopted it.")
    is_template = models.BooleanField(
        default=False, help_text="Built from the ILC 2022 definition as a starting point: not a national text."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["country", "version"], name="definition_unique_version"),
            models.UniqueConstraint(
                fields=["country"], condition=Q(status="adopted"), name="definition_one_adopted_per_country"
            ),
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_on__isnull=False), name="definition_adopted_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.country_id} v{self.version}: {self.title}"

    @property
    def display_title(self):
        """The title in the reader's language while it is the ILC 2022 template's (registry.template_words)."""
        return template_words(self.title)

    @property
    def display_text(self):
        return template_words(self.text)


class Criterion(models.Model):
    """A criterion of a working definition, expressing one of the ILC 2022 principles."""

    class Principle(models.TextChoices):
        VOLUNTARY_COOPERATION = "voluntary_cooperation", _("Voluntary cooperation and mutual aid")
        DEMOCRATIC_GOVERNANCE = "democratic_governance", _("Democratic and/or participatory governance")
        AUTONOMY = "autonomy", _("Autonomy and independence")
        PRIMACY_OF_PEOPLE = "primacy_of_people", _("Primacy of people and social purpose over capital")
        OTHER = "other", _("Other (national criterion)")

    definition = models.ForeignKey(WorkingDefinition, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40)
    statement = models.TextField()
    principle = models.CharField(max_length=30, choices=Principle.choices)
    required = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["definition", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["definition", "code"], name="criterion_unique_code")]

    def __str__(self):
        return f"{self.code}: {self.statement[:60]}"

    @property
    def display_statement(self):
        """The statement in the reader's language while it is the ILC 2022 template's."""
        return template_words(self.statement)


class Classification(models.Model):
    """An entity assessed against one working-definition version.

    `criteria_results` maps criterion code -> {"result": met|not_met|unknown,
    "evidence": text}. The outcome follows registry.classification's rule.
    """

    class Outcome(models.TextChoices):
        QUALIFIES = "qualifies", _("Qualifies")
        DOES_NOT_QUALIFY = "does_not_qualify", _("Does not qualify")
        UNDETERMINED = "undetermined", _("Undetermined")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="classifications")
    definition = models.ForeignKey(WorkingDefinition, on_delete=models.CASCADE, related_name="classifications")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.UNDETERMINED)
    criteria_results = models.JSONField(default=dict, blank=True)
    needs_review = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "definition"], name="classification_unique_per_definition")
        ]
        indexes = [models.Index(fields=["definition", "outcome"], name="classification_outcome_idx")]

    def __str__(self):
        return f"{self.entity_id} / {self.definition}: {self.outcome}"


class CountryRole(models.Model):
    """What a user may do in a country. COOP unit and administrator roles span all countries (country empty)."""

    class Role(models.TextChoices):
        RESEARCHER = "researcher", pgettext_lazy("role", "Researcher")
        COMMITTEE = "committee", pgettext_lazy("role", "Committee member")
        COOP = "coop", pgettext_lazy("role", "ILO Cooperatives Unit")
        ADMINISTRATOR = "administrator", pgettext_lazy("role", "Administrator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="country_roles")
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=14, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "country", "role"], name="role_unique", nulls_distinct=False),
            models.CheckConstraint(
                condition=Q(role__in=["coop", "administrator"]) | Q(country__isnull=False),
                name="role_country_required_for_country_roles",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.country_id or 'all countries'})"


class RegistryCounter(models.Model):
    """The last registry number handed out per country (see registry.numbering)."""

    country = models.OneToOneField(Country, on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.country_id}: {self.last_number}"


class UserSession(AbstractBaseSession):
    """A session (the SESSION_ENGINE's table), with the signed-in user as a column of its own.

    Django's own session table keeps the user only inside the signed session
    data, so reading a session and its user takes two statements. With the
    user here, the live map's data endpoint reads the session, the user with
    their roles and the map layer in one statement (mapping.sql.signed_in_points,
    PERFORMANCE.md B2). The signed data stays the authority: the column is only
    used to join, and a request is signed in only when the data agrees with it.
    Deleting a user deletes their sessions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
