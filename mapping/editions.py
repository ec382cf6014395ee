"""Committees and map editions: freezing, review, sign-off, publication and differences.

Every multi-model workflow of an edition lives here; views only parse, call
and render. Permissions come from registry.permissions.
"""

import datetime
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import permissions
from registry.models import AdminArea, CountryRole

from . import sql
from .aggregation import AREA_AGGREGATES, LiveSource, reading_order
from .models import Committee, EditionArea, EditionEntity, MapEdition, ReviewComment, SignOff

Status = MapEdition.Status

# The status flow: draft -> in review -> signed off -> published. An edition in
# review may go back to draft (the committee asked for changes before signing).
TRANSITIONS = {
    Status.DRAFT: {Status.IN_REVIEW},
    Status.IN_REVIEW: {Status.DRAFT, Status.SIGNED_OFF},
    Status.SIGNED_OFF: {Status.PUBLISHED},
    Status.PUBLISHED: set(),
}


class EditionError(ValueError):
    """A workflow step that is not allowed now; the message says why in plain words."""


def _typed_text(text):
    """What a member typed, trimmed, without NUL characters (no text holds them; PostgreSQL refuses them)."""
    return (text or "").replace("\x00", "").strip()


# --- committees -------------------------------------------------------------


def committee_for(country):
    """The country's committee, created with a default name the first time."""
    committee, _created = Committee.objects.get_or_create(
        country=country, defaults={"name": f"National advisory committee on the SSE, {country.name}"}
    )
    return committee


def add_member(committee, user):
    """Make `user` a member: listed on the committee and holding the committee role for its country."""
    committee.members.add(user)
    CountryRole.objects.get_or_create(user=user, country_id=committee.country_id, role=CountryRole.Role.COMMITTEE)


# --- who may see and do what ------------------------------------------------


def can_view_edition(user, edition):
    """Published editions: everyone. Unpublished: the country's committee members, COOP and administrators."""
    if edition.status == Status.PUBLISHED:
        return True
    return permissions.is_committee_member(user, edition.country_id) or permissions.is_coop(user)


def can_review(user, edition):
    """Comment, resolve, sign off and move an edition along: the country's committee members."""
    return permissions.is_committee_member(user, edition.country_id)


def previous_for(user, edition):
    """The edition `edition` is compared with for `user`: its previous one if the user may see it, else the
    latest earlier published edition (None if there is none).

    The previous edition may never have been published: its snapshot (the entities removed since, with their
    names and points, and its per-area figures) is the committee's, not the readers' of a published edition.
    """
    previous = edition.previous
    if previous is None or can_view_edition(user, previous):
        return previous
    return (
        MapEdition.objects.filter(committee_id=edition.committee_id, number__lt=edition.number, status=Status.PUBLISHED)
        .order_by("-number")
        .first()
    )


def visible_editions(user, country):
    editions = MapEdition.objects.filter(committee__country=country).select_related("committee")
    if permissions.is_committee_member(user, country.pk) or permissions.is_coop(user):
        return editions
    return editions.filter(status=Status.PUBLISHED)


# --- freezing ---------------------------------------------------------------


@transaction.atomic
def freeze_edition(committee, filters, title, user=None, day=None):
    """Freeze the current map under `filters` as the committee's next numbered edition.

    The snapshot (public fields of every selected entity, and per-area counts
    computed from that snapshot) is written in this transaction and never
    changed afterwards.
    """
    if filters.country_id != committee.country_id:
        raise EditionError("The filters belong to another country's map.")
    day = day or datetime.date.today()
    title = _typed_text(title)
    limit = MapEdition._meta.get_field("title").max_length
    if len(title) > limit:
        too_long = _("%(length)s characters; at most %(limit)s are allowed") % {"length": len(title), "limit": limit}
        field = _("Title")
        raise EditionError(f"{field}: {too_long}")
    # Lock the committee row so that two freezes cannot take the same number.
    Committee.objects.select_for_update().get(pk=committee.pk)
    last = committee.editions.aggregate(last=Max("number"))["last"] or 0
    previous = committee.editions.filter(number=last).first()
    edition = MapEdition.objects.create(
        committee=committee,
        number=last + 1,
        title=title or f"Edition {last + 1}",
        filters=filters.as_query(),
        definition=filters.definition,
        boundary_date=day,
        previous=previous,
        frozen_at=timezone.now(),
        created_by=user,
    )
    source = LiveSource(committee.country, filters, day)
    areas = source.areas()
    sql.insert_snapshot(
        edition.pk, sql.compile_source(source.snapshot_rows()), _placed_on(committee.country, areas, day)
    )
    _store_area_figures(edition, areas)
    return edition


def _placed_on(country, areas, day):
    """insert_snapshot's `placed_on` for an edition on the boundary set `areas` (those in force on `day`).

    Entities store their area in the boundary set in force today; an edition on another set (Viet Nam's 63
    provinces before 2025-07-01, say) places them in its own areas, or they would all be in no area.
    """
    in_force = set(AdminArea.objects.in_country(country).of_level(1).current().values_list("pk", flat=True))
    if {area.pk for area in areas} == in_force:
        return None
    return country.pk, day, settings.COAST_TOLERANCE_METRES


def _store_area_figures(edition, areas):
    rows = {
        row["admin_area"]: row
        for row in edition.snapshot_entities.order_by().values("admin_area").annotate(**AREA_AGGREGATES)
    }
    area_ids = {area.pk for area in areas}
    EditionArea.objects.bulk_create(
        EditionArea(
            edition=edition,
            admin_area=area,
            code=area.code,
            name=area.name,
            name_local=area.name_local,
            entities=rows.get(area.pk, {}).get("n_entities") or 0,
            members_total=rows.get(area.pk, {}).get("sum_members") or 0,
            members_women=rows.get(area.pk, {}).get("sum_women") or 0,
            members_with_gender=rows.get(area.pk, {}).get("sum_members_with_gender") or 0,
        )
        for area in areas
    )
    edition.total_entities = sum(row["n_entities"] for row in rows.values())
    edition.unplaced_entities = sum(row["n_entities"] for key, row in rows.items() if key not in area_ids)
    edition.save(update_fields=["total_entities", "unplaced_entities"])


# --- review -----------------------------------------------------------------


def _require_open_for_review(edition):
    if edition.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise EditionError(
            _("Edition %(number)s is %(status)s: review is closed.")
            % {"number": edition.number, "status": edition.get_status_display().lower()}
        )


def add_comment(edition, author, text, area_id=None, entity_id=None):
    """A comment on the edition, on one of its areas (`area_id`) or on one of its entities (`entity_id`)."""
    _require_open_for_review(edition)
    text = _typed_text(text)
    if not text:
        raise EditionError(_("A comment needs some text."))
    if area_id and entity_id:
        raise EditionError(_("A comment is about the edition, one area or one entity, not several."))
    target = ReviewComment.Target.EDITION
    if area_id:
        if not edition.area_figures.filter(admin_area_id=area_id).exists():
            raise EditionError(_("That area is not part of this edition's map."))
        target = ReviewComment.Target.AREA
    if entity_id:
        if not edition.snapshot_entities.filter(entity_id=entity_id).exists():
            raise EditionError(_("That entity is not part of this edition."))
        target = ReviewComment.Target.ENTITY
    return ReviewComment.objects.create(
        edition=edition, author=author, text=text, target=target, admin_area_id=area_id or None, entity_id=entity_id
    )


def review_comments(edition):
    """The edition's comments, each with `entity`: the snapshot row it is about (None for the edition or an
    area), so that the page names the entity by its number and name rather than its id. Two queries."""
    comments = list(edition.comments.select_related("author", "admin_area", "resolved_by").defer("admin_area__geom"))
    entity_ids = {comment.entity_id for comment in comments if comment.entity_id}
    entities = (
        {
            row.entity_id: row
            for row in edition.snapshot_entities.filter(entity_id__in=entity_ids).only(
                "entity_id", "registry_number", "name"
            )
        }
        if entity_ids
        else {}
    )
    for comment in comments:
        comment.entity = entities.get(comment.entity_id)
    return comments


def entity_numbered(edition, registry_number):
    """The edition's snapshot row of the entity numbered `registry_number` (any case), or None."""
    return edition.snapshot_entities.filter(registry_number=_typed_text(registry_number).upper()).first()


def resolve_comment(comment, user):
    _require_open_for_review(comment.edition)
    if comment.is_resolved:
        raise EditionError(_("This comment is already resolved."))
    comment.resolved_at = timezone.now()
    comment.resolved_by = user
    comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


def record_signoff(edition, member, decision, note="", on=None):
    """Record (or replace) a member's decision on an edition in review."""
    if edition.status != Status.IN_REVIEW:
        raise EditionError(_("Members sign off an edition while it is in review."))
    if decision not in SignOff.Decision.values:
        raise EditionError(_("Unknown decision %(decision)r.") % {"decision": decision})
    signoff, _created = SignOff.objects.update_or_create(
        edition=edition,
        member=member,
        defaults={"decision": decision, "note": _typed_text(note), "decided_on": on or datetime.date.today()},
    )
    return signoff


def signoff_blockers(edition):
    """What still stops the edition being signed off, in words (empty: it can be): the edition page lists
    them while it is in review, and change_status refuses with the first."""
    blockers = []
    open_comments = edition.comments.filter(resolved_at__isnull=True).count()
    if open_comments:
        blockers.append(_("%(n)s comment(s) are not resolved yet.") % {"n": open_comments})
    decisions = list(edition.signoffs.values_list("decision", flat=True))
    if not decisions:
        blockers.append(_("No member has signed off yet."))
    if SignOff.Decision.REJECT in decisions:
        blockers.append(_("A member asked for changes: the edition cannot be signed off."))
    return blockers


# What each step means for the committee, shown beside the status flow on the edition page.
NEXT_STEP = {
    Status.DRAFT: gettext_lazy(
        "Read the map and the table. When the edition is ready for the committee, move it to review."
    ),
    Status.IN_REVIEW: gettext_lazy(
        "Members comment on areas or entities and record their decision. Once every comment is resolved and "
        "no member asked for changes, the edition can be signed off; or it goes back to draft for changes."
    ),
    Status.SIGNED_OFF: gettext_lazy(
        "The committee has signed the edition off. Publishing it makes it public: anyone can read the map, "
        "its entities and its printed pack."
    ),
    Status.PUBLISHED: gettext_lazy("Published: anyone can read this edition and download its printed pack."),
}


def workflow_steps(edition):
    """The status flow with the edition's place in it: [(status, label, 'done' | 'current' | 'later')]."""
    order = [Status.DRAFT, Status.IN_REVIEW, Status.SIGNED_OFF, Status.PUBLISHED]
    position = order.index(edition.status)
    return [
        (status, status.label, "done" if index < position else "current" if index == position else "later")
        for index, status in enumerate(order)
    ]


@transaction.atomic
def change_status(edition, new_status):
    """Move an edition along the status flow, or raise EditionError saying why not."""
    edition = MapEdition.objects.select_for_update().get(pk=edition.pk)
    if new_status not in TRANSITIONS.get(edition.status, set()):
        allowed = ", ".join(Status(s).label.lower() for s in TRANSITIONS.get(edition.status, ())) or _("nothing")
        raise EditionError(
            _("Edition %(number)s is %(status)s; it can move to %(allowed)s, not to %(asked)s.")
            % {
                "number": edition.number,
                "status": edition.get_status_display().lower(),
                "allowed": allowed,
                "asked": Status(new_status).label.lower() if new_status in Status.values else new_status,
            }
        )
    if new_status == Status.SIGNED_OFF:
        blockers = signoff_blockers(edition)
        if blockers:
            raise EditionError(blockers[0])
        edition.signed_off_at = timezone.now()
    if new_status == Status.PUBLISHED:
        edition.published_at = timezone.now()
    edition.status = new_status
    edition.save()
    return edition


# --- differences ------------------------------------------------------------


@dataclass
class AreaChange:
    code: str
    name: str
    name_local: str
    before: int
    after: int

    @property
    def change(self):
        return self.after - self.before


@dataclass
class EditionDiff:
    """What changed from `previous` to `edition`: entity ids added, removed, changed, and per-area counts."""

    edition: MapEdition
    previous: MapEdition | None
    added: object
    removed: object
    changed: object
    areas: list

    @cached_property  # three COUNTs: the page asks for them more than once
    def counts(self):
        return {"added": self.added.count(), "removed": self.removed.count(), "changed": self.changed.count()}

    @property
    def changed_areas(self):
        return [change for change in self.areas if change.change]

    @property
    def is_empty(self):
        """Nothing added, removed or changed, and no area's count moved."""
        return not self.changed_areas and not any(self.counts.values())

    def area_change_by_code(self):
        return {change.code: change for change in self.areas}


def edition_diff(edition, previous=None):
    """The exact difference between an edition's snapshot and the previous edition's (None if there is none)."""
    previous = previous or edition.previous
    if previous is None:
        return None
    new = EditionEntity.objects.filter(edition=edition)
    old = EditionEntity.objects.filter(edition=previous)
    same_entity_old = old.filter(entity_id=OuterRef("entity_id"))
    added = new.filter(~Exists(same_entity_old)).order_by("registry_number")
    removed = old.filter(~Exists(new.filter(entity_id=OuterRef("entity_id")))).order_by("registry_number")
    # The fingerprint hashes the fields joined by concat_ws, which skips NULLs: members (12, none) and
    # (none, 12) hash alike, so the two member counts are compared too (mapping.sql's sheet does the same).
    differs = same_entity_old.alias(total=Coalesce("members_total", -1), women=Coalesce("members_women", -1)).exclude(
        fingerprint=OuterRef("fingerprint"),
        total=Coalesce(OuterRef("members_total"), -1),
        women=Coalesce(OuterRef("members_women"), -1),
    )
    changed = new.filter(Exists(differs)).order_by("registry_number")
    # Areas are matched by code so that editions on different boundary sets still compare.
    before = {figure.code: figure for figure in previous.area_figures.all()}
    after = {figure.code: figure for figure in edition.area_figures.all()}
    areas = []
    for code in sorted(set(before) | set(after), key=lambda c: reading_order((after.get(c) or before.get(c)).name)):
        figure = after.get(code) or before.get(code)
        areas.append(
            AreaChange(
                code=code,
                name=figure.name,
                name_local=figure.name_local,
                before=before[code].entities if code in before else 0,
                after=after[code].entities if code in after else 0,
            )
        )
    return EditionDiff(edition, previous, added, removed, changed, areas)


def published_entity_page(entity):
    """The entity's page in the latest published edition of its country that holds it, or None."""
    return published_entity_pages([entity.pk]).get(entity.pk)


def latest_published_snapshot(entity_id):
    """The entity as the latest published edition that holds it froze it (its EditionEntity), or None."""
    return (
        EditionEntity.objects.filter(edition__status=MapEdition.Status.PUBLISHED, entity_id=entity_id)
        .select_related("edition__committee__country")
        .defer("edition__committee__country__geom")
        .order_by("-edition__number")
        .first()
    )


def published_entity_pages(entity_ids):
    """{entity id: its page in the latest published edition that holds it} for those of `entity_ids` published.

    One query for the lot (exports ask for a few thousand at a time). An entity is snapshotted only in its own
    country's editions, so the edition's country is the entity's.
    """
    latest = (
        EditionEntity.objects.filter(edition__status=MapEdition.Status.PUBLISHED, entity_id__in=list(entity_ids))
        .values("entity_id", "edition__committee__country_id")
        .annotate(number=Max("edition__number"))
        .values_list("entity_id", "edition__committee__country_id", "number")
    )
    return {
        entity_id: reverse("mapping:edition-entity", args=[country, number, entity_id])
        for entity_id, country, number in latest
    }
