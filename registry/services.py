"""The one way to create and change a registry entity: the form, the admin, the API and importers call this.

Each call checks the user's permission (registry.permissions), refuses a point
outside the entity's country (registry.location), derives the administrative
area, allocates the registry number, bumps the version with optimistic locking
and writes history naming the acting user. Bad input raises a ValidationError
keyed by field, with a message that says what is wrong and what to do; nothing
is written then.
"""

import datetime

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from . import calendars, history
from .calendars import EARLIEST_YEAR
from .location import LocationError, area_for_point, check_point_in_country
from .models import Country, Entity, EntityFamily, LegalForm
from .numbering import allocate_registry_numbers
from .permissions import can_edit_registry, require

# What a caller may set. Derived fields (registry_number, admin_area, version,
# timestamps) and the demo marker are the service's, never the caller's.
EDITABLE_FIELDS = (
    "country",
    "name",
    "name_local",
    "name_romanized",
    "family",
    "legal_form",
    "registration_number",
    "registering_authority",
    "registration_date",
    "founded_year",
    "status",
    "members_total",
    "members_women",
    "members_men",
    "workers_total",
    "workers_women",
    "sectors",
    "point",
    "location_precision",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source",
    "source_reference",
    "external_id",
    "verification",
)


class StaleEntityError(Exception):
    """The entity changed since the caller read it: the save is refused and nothing is written.

    Carries the current version and the current record so the caller can show
    both, and the caller's own data so nothing typed is lost.
    """

    def __init__(self, entity, expected_version, data):
        self.entity = entity
        self.current_version = entity.version
        self.expected_version = expected_version
        self.data = data
        super().__init__(
            gettext(
                "%(number)s was changed by someone else while you were editing it (you started from version "
                "%(expected)s; it is now version %(current)s). Your changes were NOT saved: review the current "
                "record and apply them again."
            )
            % {"number": entity.registry_number, "expected": expected_version, "current": entity.version}
        )


def create_entity(user, data, reason=history.CREATED):
    """Register a new entity from `data` (field -> value) on behalf of `user`; returns it saved."""
    data = dict(data)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: gettext("This field cannot be set.") for field in sorted(unknown)})
    entity = Entity()
    values = _clean_values(data, entity)
    country = values.get("country")
    if country is None:
        raise ValidationError({"country": gettext("Choose the entity's country.")})
    require(
        can_edit_registry(user, country.pk),
        gettext("You may register entities only in the countries where you are a researcher, not in %(country)s.")
        % {"country": country.display_name},
    )
    for field, value in values.items():
        setattr(entity, field, value)
    with transaction.atomic():
        _validate_and_place(entity, changed=set(values))
        entity.registry_number = allocate_registry_numbers(country.pk, 1)[0]
        entity.version = 1
        _save_with_history(entity, user, reason)
    return entity


def update_entity(user, entity, data, expected_version, reason=history.EDITED):
    """Apply `data` to `entity` if it is still at `expected_version`; returns the saved entity.

    Raises StaleEntityError (nothing written) when someone else saved it first.
    """
    data = dict(data)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({field: gettext("This field cannot be set.") for field in sorted(unknown)})
    require(
        can_edit_registry(user, entity.country_id),
        gettext("You may edit entities only in the countries where you are a researcher, not in %(country)s.")
        % {"country": entity.country.display_name},
    )
    with transaction.atomic():
        # The row lock serializes two saves of the same entity: the second one
        # sees the first one's version and is refused.
        current = Entity.objects.select_for_update().get(pk=entity.pk)
        if expected_version is None or int(expected_version) != current.version:
            raise StaleEntityError(current, expected_version, data)
        values = _clean_values(data, current)
        if "country" in values and values["country"].pk != current.country_id:
            require(
                can_edit_registry(user, values["country"].pk),
                gettext("You may move entities only into countries where you are a researcher, not into %(country)s.")
                % {"country": values["country"].display_name},
            )
        changed = {field for field, value in values.items() if getattr(current, field) != value}
        for field in changed:
            setattr(current, field, values[field])
        if not changed:
            return current
        _validate_and_place(current, changed=changed)
        current.version += 1
        _save_with_history(current, user, reason)
    entity.__dict__.update(current.__dict__)
    return current


def _clean_values(data, entity):
    """Turn incoming values (model instances, codes, strings) into model values; errors keyed by field."""
    errors = {}
    values = {}
    country = data.get("country", entity.country if entity.country_id else None)
    if "country" in data:
        country = _country(data["country"], errors)
        if country is not None:
            values["country"] = country
    for field_name, raw in data.items():
        if field_name == "country":
            continue
        try:
            if field_name == "family":
                values[field_name] = _family(raw)
            elif field_name == "legal_form":
                values[field_name] = _legal_form(raw, country)
            elif field_name == "point":
                values[field_name] = _point(raw)
            else:
                values[field_name] = _to_python(field_name, raw)
        except ValidationError as error:
            errors[field_name] = error.messages
    if "legal_form" in values and values["legal_form"] is not None and values.get("family") is None:
        values["family"] = values["legal_form"].family
    if errors:
        raise ValidationError(errors)
    return values


def _to_python(field_name, raw):
    try:
        field = Entity._meta.get_field(field_name)
    except FieldDoesNotExist as error:  # pragma: no cover - EDITABLE_FIELDS names model fields
        raise ValidationError("Unknown field.") from error
    if raw is None and not field.null:
        raw = field.get_default() if field.has_default() else ""
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "" and field.null:
            return None
    value = field.to_python(raw)
    if value in (None, "", []) and not field.blank:
        raise ValidationError(gettext("%(field)s is required.") % {"field": str(field.verbose_name).capitalize()})
    return value


def _country(raw, errors):
    if isinstance(raw, Country):
        return raw
    code = str(raw or "").strip().upper()
    country = Country.objects.filter(iso3=code).first()
    if country is None:
        known = ", ".join(Country.objects.order_by("iso3").values_list("iso3", flat=True))
        errors["country"] = [
            gettext("Unknown country %(value)s: use one of %(known)s.") % {"value": repr(raw), "known": known}
        ]
    return country


def _family(raw):
    if isinstance(raw, EntityFamily):
        return raw
    if raw in (None, ""):
        return None
    family = EntityFamily.objects.filter(code=str(raw).strip()).first()
    if family is None and str(raw).isdigit():
        family = EntityFamily.objects.filter(pk=int(raw)).first()
    if family is None:
        known = ", ".join(EntityFamily.objects.values_list("code", flat=True))
        raise ValidationError(
            gettext("Unknown entity family %(value)s: use one of %(known)s.") % {"value": repr(raw), "known": known}
        )
    return family


def _legal_form(raw, country):
    if raw in (None, ""):
        return None
    if isinstance(raw, LegalForm):
        form = raw
    else:
        forms = LegalForm.objects.filter(country=country) if country else LegalForm.objects.none()
        form = forms.filter(code=str(raw).strip()).first()
        if form is None and str(raw).isdigit():
            form = forms.filter(pk=int(raw)).first()
        if form is None:
            known = ", ".join(forms.values_list("code", flat=True)) or gettext("none")
            where = country.display_name if country else gettext("this country")
            raise ValidationError(
                gettext("Unknown legal form %(value)s for %(country)s: use one of %(known)s.")
                % {"value": repr(raw), "country": where, "known": known}
            )
    if country is not None and form.country_id != country.pk:
        raise ValidationError(
            gettext("The legal form %(form)s belongs to %(its_country)s, not to %(country)s.")
            % {"form": form.name, "its_country": form.country.display_name, "country": country.display_name}
        )
    return form


def _point(raw):
    if raw in (None, ""):
        raise ValidationError(gettext("Give the entity's location (a point: longitude and latitude)."))
    if isinstance(raw, str):
        try:
            raw = GEOSGeometry(raw)
        except (ValueError, TypeError) as error:
            raise ValidationError(gettext("Not a readable point (%(error)s).") % {"error": error}) from error
    if not isinstance(raw, Point):
        raise ValidationError(gettext("The location must be a single point."))
    if raw.srid is None:
        raw.srid = 4326
    if raw.srid != 4326:
        raw.transform(4326)
    if not (-180 <= raw.x <= 180 and -90 <= raw.y <= 90):
        message = gettext(
            "Longitude must lie between -180 and 180 and latitude between -90 and 90 "
            "(got latitude %(latitude)s, longitude %(longitude)s)."
        ) % {"latitude": f"{raw.y:g}", "longitude": f"{raw.x:g}"}
        if -90 <= raw.x <= 90 and -180 <= raw.y <= 180:
            message += " " + gettext(
                "Latitude and longitude look swapped: did you mean latitude %(latitude)s, longitude %(longitude)s?"
            ) % {"latitude": f"{raw.x:g}", "longitude": f"{raw.y:g}"}
        raise ValidationError(message)
    return raw


def _dates_in_range(entity):
    today = datetime.date.today()
    errors = {}
    founded = entity.founded_year
    if isinstance(founded, int) and not EARLIEST_YEAR <= founded <= today.year:
        errors["founded_year"] = [
            gettext("The year founded must lie from %(earliest)s to %(latest)s.")
            % {"earliest": EARLIEST_YEAR, "latest": today.year}
            + _buddhist_era_hint(founded, entity.country_id)
        ]
    registered = entity.registration_date
    if isinstance(registered, datetime.date) and not datetime.date(EARLIEST_YEAR, 1, 1) <= registered <= today:
        errors["registration_date"] = [
            gettext("The registration date must lie from %(earliest)s-01-01 to today.") % {"earliest": EARLIEST_YEAR}
            + _buddhist_era_hint(registered.year, entity.country_id)
        ]
    return errors


def _buddhist_era_hint(year, country_iso3):
    gregorian = calendars.gregorian_year(year, country_iso3)
    if gregorian is None:
        return ""
    return " " + gettext(
        "%(year)s looks like a Buddhist-era year (B.E.); the registry records Gregorian years: %(gregorian)s."
    ) % {"year": year, "gregorian": gregorian}


def _validate_and_place(entity, changed):
    """Cross-field rules, the model's own validation, then the point check and the derived area."""
    errors = {}
    if entity.family_id is None:
        errors["family"] = [gettext("Choose the entity family (cooperative, association, ...).")]
    if entity.legal_form is not None and entity.legal_form.country_id != entity.country_id:
        errors["legal_form"] = [
            gettext("The legal form %(form)s belongs to %(its_country)s, not to %(country)s.")
            % {
                "form": entity.legal_form.name,
                "its_country": entity.legal_form.country.display_name,
                "country": entity.country.display_name,
            }
        ]
    if entity.legal_form is not None and entity.family_id and entity.legal_form.family_id != entity.family_id:
        errors["family"] = [
            gettext("A %(form)s is in the family %(form_family)s, not %(family)s.")
            % {
                "form": entity.legal_form.name,
                "form_family": entity.legal_form.family.display_name,
                "family": entity.family.display_name,
            }
        ]
    total, women, men = entity.members_total, entity.members_women, entity.members_men
    if total is not None and women is not None and men is not None and women + men > total:
        errors["members_total"] = [
            gettext("Members: women (%(women)s) and men (%(men)s) add up to %(sum)s, more than the total (%(total)s).")
            % {"women": women, "men": men, "sum": women + men, "total": total}
        ]
    elif total is not None and (women or 0) > total:
        errors["members_total"] = [
            gettext("Members: women (%(count)s) cannot exceed the total (%(total)s).")
            % {"count": women, "total": total}
        ]
    elif total is not None and (men or 0) > total:
        errors["members_total"] = [
            gettext("Members: men (%(count)s) cannot exceed the total (%(total)s).") % {"count": men, "total": total}
        ]
    if entity.sectors:
        entity.sectors = list(dict.fromkeys(entity.sectors))  # ["A", "A"] says no more than ["A"]
    workers, workers_women = entity.workers_total, entity.workers_women
    if workers is not None and workers_women is not None and workers_women > workers:
        errors["workers_women"] = [
            gettext("Women workers (%(women)s) cannot exceed the total workers (%(total)s).")
            % {"women": workers_women, "total": workers}
        ]
    if entity.external_id:
        clash = Entity.objects.filter(country_id=entity.country_id, external_id=entity.external_id)
        clash = clash.exclude(pk=entity.pk).first()
        if clash is not None:
            errors["external_id"] = [
                gettext("The external id %(value)s is already used by %(number)s %(name)s.")
                % {"value": repr(entity.external_id), "number": clash.registry_number, "name": clash.name}
            ]
    try:
        entity.full_clean(
            exclude=["registry_number", "admin_area", "version", "point"] + list(errors), validate_constraints=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    for field, messages in _dates_in_range(entity).items():  # on the values full_clean has converted
        errors.setdefault(field, messages)
    if entity.point is None:
        errors.setdefault("point", []).append(gettext("Give the entity's location (a point: longitude and latitude)."))
    elif "point" not in errors and ({"point", "country"} & changed or entity.admin_area_id is None):
        try:
            check_point_in_country(entity.point, entity.country)
        except LocationError as error:
            errors["point"] = [str(error)]
        else:
            entity.admin_area = area_for_point(entity.point, entity.country)
    if errors:
        raise ValidationError(errors)


def _save_with_history(entity, user, reason):
    # simple_history reads these two attributes when it writes the history row.
    entity._history_user = user if getattr(user, "is_authenticated", False) else None
    entity._change_reason = reason
    entity.save()


def duplicates_to_confirm(data, entity=None):
    """likely_duplicates() of what the form is about to save, when they are worth asking about again.

    A new entity is checked; an edit only when it changes the name, the point or the country: editing the
    members of a cooperative whose similarly named neighbour was confirmed as a different entity when it
    was registered must not ask again on every save.
    """
    if entity is not None and not any(
        field in data and data[field] != getattr(entity, field) for field in ("name", "point", "country")
    ):
        return []
    return likely_duplicates(data.get("name"), data.get("point"), data.get("country"), exclude=entity)


def likely_duplicates(name, point, country, exclude=None, distance_m=None, threshold=None):
    """Entities of `country` with a similar name (any script, diacritics ignored) within `distance_m` of `point`.

    Returns [(entity, similarity 0-1, metres)], most similar first. The form shows
    them before saving; nothing is refused on this ground (two real cooperatives
    may share a name). Only the entity's own country is searched: a duplicate is
    registered in the same registry, and the form asks before it checks the point,
    so a search across borders would show anyone who may register somewhere the
    names of another country's records near any point they typed.
    """
    from django.conf import settings
    from django.db import connection

    from . import sql

    if not name or point is None:
        return []
    distance_m = distance_m if distance_m is not None else settings.REGISTRY_DUPLICATE_DISTANCE_METRES
    threshold = threshold if threshold is not None else settings.REGISTRY_DUPLICATE_SIMILARITY
    with connection.cursor() as cursor:
        cursor.execute(
            sql.LIKELY_DUPLICATES,
            {
                "name": name,
                "lon": point.x,
                "lat": point.y,
                # Degrees that surely cover distance_m at any latitude of the five countries (below 55 N).
                "degrees": distance_m / 111_320 / 0.55,
                "metres": distance_m,
                "country": getattr(country, "pk", country),
                "exclude": str(exclude.pk) if exclude is not None and exclude.pk else None,
                "threshold": threshold,
            },
        )
        rows = cursor.fetchall()
    entities = Entity.objects.in_bulk([row[0] for row in rows])
    return [(entities[pk], score, metres) for pk, score, metres in rows if pk in entities]
