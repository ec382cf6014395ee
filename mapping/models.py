"""Committees, numbered map editions with their frozen snapshots, review comments and sign-offs.

An edition's snapshot (EditionEntity, EditionArea) is written once, when the
edition is frozen, and never again: later edits or deletions of registry
entities cannot change it. Snapshot rows hold only public fields (no contact
data), so a published edition can be shown to anyone.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.models import AdminArea, Country, WorkingDefinition


class Committee(models.Model):
    """A country's national advisory committee; its members are platform users."""

    country = models.OneToOneField(Country, on_delete=models.PROTECT, related_name="committee")
    name = models.CharField(max_length=200)
    name_local = models.CharField("name (local script)", max_length=200, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="committees")

    class Meta:
        ordering = ["country"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("mapping:editions", args=[self.country_id])


class MapEdition(models.Model):
    """A numbered, frozen map of a country's registry that the committee reviews and signs off."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        SIGNED_OFF = "signed_off", _("Signed off")
        PUBLISHED = "published", _("Published")

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="editions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    filters = models.JSONField(default=dict, blank=True, help_text="The map filters that define the edition.")
    definition = models.ForeignKey(
        WorkingDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="map_editions"
    )
    boundary_date = models.DateField(help_text="The boundary set: areas in force on this date.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_editions")
    total_entities = models.PositiveIntegerField(default=0)
    unplaced_entities = models.PositiveIntegerField(default=0, help_text="Entities in no area of the boundary set.")
    frozen_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["committee", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="edition_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="edition_number_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "signed_off", "published"]), name="edition_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="edition_published_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.committee.country_id} edition {self.number}: {self.title}"

    def get_absolute_url(self):
        return reverse("mapping:edition", args=[self.committee.country_id, self.number])

    @property
    def country_id(self):
        return self.committee.country_id

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED


class EditionEntity(models.Model):
    """One entity as it was when the edition was frozen: public fields only.

    `entity_id` is deliberately not a foreign key: the entity may later be
    edited or deleted, the snapshot stays. `fingerprint` (md5 of the public
    fields) tells which entities changed between two editions.
    """

    # Indexed by the (edition, ...) indexes in Meta: a single-column index of its own would be a fourth copy.
    edition = models.ForeignKey(MapEdition, on_delete=models.CASCADE, related_name="snapshot_entities", db_index=False)
    entity_id = models.UUIDField()
    registry_number = models.CharField(max_length=12)
    name = models.CharField(max_length=300)
    name_local = models.CharField(max_length=300, blank=True)
    family_name = models.CharField(max_length=100)
    legal_form_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=12)
    verification = models.CharField(max_length=12)
    members_total = models.PositiveIntegerField(null=True, blank=True)
    members_women = models.PositiveIntegerField(null=True, blank=True)
    sectors = models.CharField(max_length=60, blank=True, help_text="ISIC sections, comma-separated.")
    outcome = models.CharField(max_length=20, blank=True, help_text="Classification outcome under the definition.")
    point = models.PointField(srid=4326, spatial_index=False)  # indexed by the named GistIndex in Meta
    admin_area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fingerprint = models.CharField(max_length=32)

    class Meta:
        indexes = [
            GistIndex(fields=["point"], name="editionentity_point_gist"),
            models.Index(fields=["edition", "admin_area"], name="editionentity_area_idx"),
            # Pages of an edition's entities (API, diff tables) in registry-number order, and the
            # look-up of a commented entity by its number, without sorting a whole country's snapshot.
            models.Index(fields=["edition", "registry_number"], name="editionentity_number_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["edition", "entity_id"], name="editionentity_unique")]

    def __str__(self):
        return f"{self.registry_number} {self.name} (edition {self.edition_id})"


class EditionArea(models.Model):
    """Per-area figures of an edition, computed from its own snapshot at freeze time."""

    edition = models.ForeignKey(MapEdition, on_delete=models.CASCADE, related_name="area_figures")
    admin_area = models.ForeignKey(AdminArea, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=150)
    name_local = models.CharField(max_length=150, blank=True)
    entities = models.PositiveIntegerField(default=0)
    members_total = models.PositiveIntegerField(default=0)
    members_women = models.PositiveIntegerField(default=0)
    members_with_gender = models.PositiveIntegerField(
        default=0, help_text="Members of entities that report women members (denominator of the women share)."
    )

    class Meta:
        ordering = ["edition", "name"]
        constraints = [models.UniqueConstraint(fields=["edition", "admin_area"], name="editionarea_unique")]

    def __str__(self):
        return f"{self.name}: {self.entities}"

    @property
    def women_share(self):
        return self.members_women / self.members_with_gender if self.members_with_gender else None


class ReviewComment(models.Model):
    """A committee member's comment on an edition, one of its areas, or one of its entities."""

    class Target(models.TextChoices):
        EDITION = "edition", _("The edition")
        AREA = "area", _("An area")
        ENTITY = "entity", _("An entity")

    edition = models.ForeignKey(MapEdition, on_delete=models.CASCADE, related_name="comments")
    target = models.CharField(max_length=8, choices=Target.choices, default=Target.EDITION)
    admin_area = models.ForeignKey(AdminArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entity_id = models.UUIDField(null=True, blank=True, help_text="An entity of the edition's snapshot.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["edition", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="edition") & Q(admin_area__isnull=True) & Q(entity_id__isnull=True))
                | (Q(target="area") & Q(admin_area__isnull=False) & Q(entity_id__isnull=True))
                | (Q(target="entity") & Q(entity_id__isnull=False) & Q(admin_area__isnull=True)),
                name="comment_target_consistent",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="comment_resolution_complete",
            ),
        ]

    def __str__(self):
        return f"{self.author} on {self.edition}: {self.text[:40]}"

    @property
    def is_resolved(self):
        return self.resolved_at is not None


class SignOff(models.Model):
    """A committee member's decision on an edition in review."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject (changes needed)")

    edition = models.ForeignKey(MapEdition, on_delete=models.CASCADE, related_name="signoffs")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.TextField(blank=True)
    decided_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["edition", "decided_on", "created_at"]
        constraints = [models.UniqueConstraint(fields=["edition", "member"], name="signoff_one_per_member")]

    def __str__(self):
        return f"{self.member} {self.decision} {self.edition} on {self.decided_on}"


class AreaEntityCount(models.Model):
    """Entity counts and member sums per area and attribute combination, kept current by the database.

    Statement-level triggers on registry_entity (migration 0003, mapping/sql
    names them) add and subtract every inserted, updated and deleted row, for
    every write path alike: the entity service, the admin, COPY imports and
    the demo generator. Committee-map figures under attribute filters then sum
    thousands to tens of thousands of rows instead of grouping up to a country's whole registry
    (PERFORMANCE.md B1, B3). Rows whose counts fall to zero are harmless and
    are left in place. `sectors` is the entity's ISIC sections array, so a
    sector filter (array overlap) selects exactly the entities it would select
    in the registry.
    """

    country_id = models.CharField(max_length=3)
    admin_area_id = models.BigIntegerField(null=True)
    family_id = models.BigIntegerField()
    legal_form_id = models.BigIntegerField(null=True)
    status = models.CharField(max_length=12)
    verification = models.CharField(max_length=12)
    sectors = ArrayField(models.CharField(max_length=1), default=list)
    entities = models.BigIntegerField(default=0)
    members_total = models.BigIntegerField(default=0)
    members_women = models.BigIntegerField(default=0)
    members_with_gender = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "country_id",
                    "admin_area_id",
                    "family_id",
                    "legal_form_id",
                    "status",
                    "verification",
                    "sectors",
                ],
                name="areaentitycount_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            # At 1M entities a country has tens of thousands of rows here (sector combinations multiply
            # them): the per-area sums read them from this index alone, already in area order, with the
            # filterable columns at hand (B1/B3: VNM unfiltered 35-41 ms as a parallel scan -> 17-21 ms).
            models.Index(
                fields=["country_id", "admin_area_id"],
                include=[
                    "entities",
                    "members_total",
                    "members_women",
                    "members_with_gender",
                    "family_id",
                    "legal_form_id",
                    "status",
                    "verification",
                ],
                name="areacount_country_area_cover",
            )
        ]

    def __str__(self):
        return f"{self.country_id} area {self.admin_area_id}: {self.entities}"
