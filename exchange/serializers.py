"""API serializers: shape and types only. Business rules stay in registry.services and the importer."""

import re

from django.contrib.gis.geos import Point
from django.core.exceptions import NON_FIELD_ERRORS
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from legislation.models import Assessment, Instrument, ReformProcess, StageEvent
from mapping.aggregation import MEASURES
from mapping.models import MapEdition
from registry.models import AdminArea, Classification, Country, Criterion, Entity, WorkingDefinition

from .columns import FIELDS_BY_NAME
from .models import ImportBatch, ImportRow

_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(data, whole="the body"):
    """(where, code point) of a lone surrogate in parsed JSON (in a key or a string), or None.

    `where` names the key holding it, or `whole` when it is not under a key.
    """
    pending = [(whole, data)]
    while pending:  # not recursive: the JSON may be nested almost as deep as the interpreter's limit
        where, value = pending.pop()
        if isinstance(value, str):
            if match := _SURROGATE.search(value):
                return where, ord(match.group())
        elif isinstance(value, dict):
            for key, item in value.items():
                pending.append((f"the key {key.encode('unicode_escape').decode()!r}", key))
                pending.append((f"'{key.encode('unicode_escape').decode()}'", item))
        elif isinstance(value, list):
            pending.extend((where, item) for item in value)
    return None


class CountrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["iso3", "iso2", "name", "formal_name", "name_local"]


class AdminAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdminArea
        fields = [
            "id",
            "country",
            "level",
            "code",
            "code_system",
            "name",
            "name_local",
            "parent",
            "valid_from",
            "valid_to",
        ]


PUBLIC_ENTITY_FIELDS = [
    "id",
    "registry_number",
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
    "location_precision",
    "admin_area",
    "address",
    "source",
    "source_reference",
    "external_id",
    "verification",
    "is_demo",
    "version",
    "created_at",
    "updated_at",
]
CONTACT_FIELDS = list(Entity.CONTACT_FIELDS)


class EntityReadSerializer(serializers.ModelSerializer):
    """One entity as a GeoJSON-like object; contact fields only when the view says the user may see them."""

    family = serializers.SlugRelatedField(slug_field="code", read_only=True)
    legal_form = serializers.SlugRelatedField(slug_field="code", read_only=True)
    longitude = serializers.SerializerMethodField()
    latitude = serializers.SerializerMethodField()

    class Meta:
        model = Entity
        fields = [*PUBLIC_ENTITY_FIELDS, "longitude", "latitude", *CONTACT_FIELDS]

    def get_longitude(self, entity) -> float:
        return entity.point.x

    def get_latitude(self, entity) -> float:
        return entity.point.y

    def to_representation(self, entity):
        data = super().to_representation(entity)
        if not self.context.get("show_contact"):
            for name in CONTACT_FIELDS:
                data.pop(name, None)
        return data


class RefusesUnknownFields:
    """A serializer mixin: each key of the request that is not a field is refused by name (400).

    DRF drops keys it does not know without a word: a misspelt field ("adress") was "saved" with a 200 and
    a PUT then reset the real one; an upload with "dryrun" was imported for real.
    """

    ignored_keys = frozenset({"csrfmiddlewaretoken"})  # added by the browsable API's forms

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields) - self.ignored_keys) if hasattr(data, "keys") else []
        errors = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = dict(error.detail)
        if unknown:
            reason = f"Not a field this request takes; the fields are {', '.join(self.fields)}."
            errors.update({name: [reason] for name in unknown})
        if errors:
            raise serializers.ValidationError(errors)
        return value


class EntityWriteSerializer(RefusesUnknownFields, serializers.Serializer):
    """What a client sends to create or change an entity; registry.services validates the meaning."""

    country = serializers.CharField(max_length=3, required=False)
    name = serializers.CharField(max_length=300, required=False)
    name_local = serializers.CharField(max_length=300, required=False, allow_blank=True)
    name_romanized = serializers.CharField(max_length=300, required=False, allow_blank=True)
    family = serializers.CharField(required=False, help_text="Entity family code, e.g. cooperative")
    legal_form = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Legal form code of the country; null for none"
    )
    registration_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    registering_authority = serializers.CharField(max_length=200, required=False, allow_blank=True)
    registration_date = serializers.DateField(required=False, allow_null=True)
    founded_year = serializers.IntegerField(required=False, allow_null=True, min_value=1800)
    status = serializers.ChoiceField(Entity.Status.choices, required=False)
    members_total = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    members_women = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    members_men = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    workers_total = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    workers_women = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    sectors = serializers.ListField(child=serializers.CharField(max_length=1), required=False)
    longitude = serializers.FloatField(required=False)
    latitude = serializers.FloatField(required=False)
    location_precision = serializers.ChoiceField(Entity.Precision.choices, required=False)
    address = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    source = serializers.ChoiceField(Entity.Source.choices, required=False)
    source_reference = serializers.CharField(max_length=300, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    verification = serializers.ChoiceField(Entity.Verification.choices, required=False)
    version = serializers.IntegerField(
        required=False, help_text="The version you read; required when changing an entity (optimistic locking)."
    )

    # What a GET gives that the registry derives: sent back (a GET-change-PUT round trip), it is ignored.
    ignored_keys = RefusesUnknownFields.ignored_keys | set(EntityReadSerializer.Meta.fields)

    def validate(self, attrs):
        if ("longitude" in attrs) != ("latitude" in attrs):
            raise serializers.ValidationError({"latitude": "Give both latitude and longitude, or neither."})
        return attrs

    # What PUT, which replaces the whole entity, must be given; everything else it leaves out is reset.
    REQUIRED_TO_REPLACE = ("country", "name", "family", "latitude", "longitude", "version")

    def missing_to_replace(self):
        """{field: reason} for each field a PUT must give and did not (checked after is_valid())."""
        reason = (
            "Required when replacing the entity with PUT (fields left out are reset); "
            "send PATCH to change only some fields."
        )
        return {field: [reason] for field in self.REQUIRED_TO_REPLACE if field not in self.validated_data}

    def replacement_data(self):
        """service_data() with every field left out set back to the registry's default (blank, empty or
        the model's default choice), as PUT replaces the entity's whole writable representation."""
        data = self.service_data()
        for name in self.fields:
            if name in ("version", "latitude", "longitude") or name in data:
                continue
            data[name] = Entity._meta.get_field(name).get_default()
        return data

    @staticmethod
    def errors_from_service(error):
        """A registry.services ValidationError as {field: messages} in this API's field names.

        The service speaks of the model's `point`; the client sent `latitude` and `longitude`, and a
        refusal of the point (outside the country, swapped, out of range) names both.
        """
        if not hasattr(error, "error_dict"):
            return {"non_field_errors": error.messages}
        errors = {}
        for field, messages in error.message_dict.items():
            for name in {"point": ("latitude", "longitude"), NON_FIELD_ERRORS: ("non_field_errors",)}.get(
                field, (field,)
            ):
                errors.setdefault(name, []).extend(messages)
        return errors

    def service_data(self):
        """The validated data as registry.services expects it (point built here, lon/lat order explicit)."""
        data = dict(self.validated_data)
        data.pop("version", None)
        if "longitude" in data:
            data["point"] = Point(data.pop("longitude"), data.pop("latitude"), srid=4326)
        return data


class EntityCreateSerializer(EntityWriteSerializer):
    """What POST must give: the fields without which there is no entity; registry.services checks the rest."""

    REQUIRED_TO_CREATE = ("country", "name", "family", "latitude", "longitude")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_TO_CREATE:
            self.fields[name].required = True


class EntityReplaceSerializer(EntityWriteSerializer):
    """PUT's body in the schema: the fields a replacement must give (the view names those missing)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_TO_REPLACE:
            self.fields[name].required = True


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["code", "statement", "principle", "required", "sort_order"]


class WorkingDefinitionSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = WorkingDefinition
        fields = [
            "id",
            "country",
            "version",
            "title",
            "text",
            "status",
            "adopted_on",
            "adopted_by",
            "is_template",
            "created_at",
            "criteria",
        ]


class ClassificationSerializer(serializers.ModelSerializer):
    registry_number = serializers.CharField(source="entity.registry_number", read_only=True)

    class Meta:
        model = Classification
        fields = [
            "id",
            "entity",
            "registry_number",
            "definition",
            "outcome",
            "criteria_results",
            "needs_review",
            "note",
            "assessed_at",
        ]


class InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = [
            "id",
            "code",
            "country",
            "title",
            "title_original",
            "number",
            "kind",
            "subject",
            "adopted_year",
            "adopted_on",
            "in_force_on",
            "repealed_on",
            "status",
            "supersedes",
            "source_url",
        ]


class AssessmentSerializer(serializers.ModelSerializer):
    provision = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "instrument", "provision", "rating", "evidence", "note", "assessed_on", "is_demo"]


class MapEditionSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="committee.country_id", read_only=True)

    class Meta:
        model = MapEdition
        fields = [
            "id",
            "country",
            "number",
            "title",
            "filters",
            "boundary_date",
            "status",
            "total_entities",
            "unplaced_entities",
            "frozen_at",
            "published_at",
        ]


# One collection a response, also from list endpoints: the schema must not wrap it in a paginated array.
@extend_schema_serializer(many=False)
class FeatureCollectionSerializer(serializers.Serializer):
    """The shape of a paginated GeoJSON FeatureCollection response (the body is built in PostgreSQL)."""

    type = serializers.CharField(help_text='Always "FeatureCollection".')
    count = serializers.IntegerField(
        help_text="How many features match: exact when count_capped is false; otherwise more than this many match."
    )
    count_capped = serializers.BooleanField(
        help_text="True when counting stopped early: `count` is then a lower bound. `next` is exact either way."
    )
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    features = serializers.ListField(child=serializers.DictField(), help_text="GeoJSON Features (RFC 7946, lon/lat).")


class EditionAreaFigureSerializer(serializers.Serializer):
    """One area's figures in a map edition, as frozen with it."""

    id = serializers.IntegerField(help_text="Administrative area id")
    code = serializers.CharField()
    name = serializers.CharField()
    name_local = serializers.CharField()
    entities = serializers.IntegerField()
    members = serializers.IntegerField()
    women = serializers.IntegerField()
    women_share = serializers.FloatField(
        allow_null=True, help_text="Women members / members of entities that report women members"
    )


class EditionAreasSerializer(serializers.Serializer):
    """A map edition's per-area figures, the totals they add up to, and the choropleth's class breaks."""

    areas = EditionAreaFigureSerializer(many=True)
    unplaced = serializers.IntegerField(help_text="Entities in no area of the edition's boundary set")
    total = serializers.IntegerField()
    measure = serializers.CharField()
    breaks = serializers.ListField(child=serializers.FloatField(), help_text="Upper bounds of the classes")


class EditionAreasQuerySerializer(serializers.Serializer):
    """Query parameters of a map edition's areas."""

    measure = serializers.ChoiceField(
        list(MEASURES), required=False, default="entities", help_text="What the class breaks divide"
    )


class StageEventSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = StageEvent
        fields = [
            "id",
            "stage",
            "stage_label",
            "occurred_on",
            "date_confidence",
            "note",
            "document_title",
            "document_url",
        ]


class ReformProcessSerializer(serializers.ModelSerializer):
    """A reform process with its timeline (stage events in date order), as the public reform pages show it."""

    # A plain string in the schema: its values are the events' StageEnum (one enum, named once).
    current_stage = serializers.CharField(
        read_only=True, help_text="The stage of the latest event (a `stage` value); empty when none is recorded."
    )
    current_stage_label = serializers.CharField(source="get_current_stage_display", read_only=True)
    events = StageEventSerializer(many=True, read_only=True)

    class Meta:
        model = ReformProcess
        fields = [
            "id",
            "country",
            "title",
            "targets",
            "started_on",
            "current_stage",
            "current_stage_label",
            "note",
            "is_demo",
            "events",
        ]


class ImportRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportRow
        fields = [
            "row_number",
            "outcome",
            "entity",
            "field",
            "reason",
            "duplicate_of",
            "duplicate_of_row",
            "resolution",
        ]


class ImportBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "country",
            "original_name",
            "sha256",
            "size_bytes",
            "file_format",
            "encoding",
            "dry_run",
            "status",
            "stage",
            "progress_done",
            "progress_total",
            "message",
            "warnings",
            "resolved_mapping",
            "rows_in",
            "imported",
            "updated",
            "unchanged",
            "held",
            "rejected",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class NestingSafeJSONField(serializers.JSONField):
    """DRF's JSONField, refusing with a 400 text nested too deep to read (a RecursionError in json.loads, a 500)
    or holding a lone surrogate (which PostgreSQL and the response quoting it back cannot carry, a 500)."""

    default_error_messages = {
        "too_deep": "The JSON is nested too deeply to read.",
        "surrogate": "{where} holds a lone surrogate (U+{code_point:04X}), half of a UTF-16 pair and no character.",
    }

    def to_internal_value(self, data):
        try:
            value = super().to_internal_value(data)
        except RecursionError:
            self.fail("too_deep")
        if (found := lone_surrogate(value, whole=f"the {self.field_name}")) is not None:
            where, code_point = found
            self.fail("surrogate", where=where[:1].upper() + where[1:], code_point=code_point)
        return value


class ImportUploadSerializer(RefusesUnknownFields, serializers.Serializer):
    file = serializers.FileField()
    country = serializers.CharField(max_length=3)
    mapping = NestingSafeJSONField(required=False, help_text='{"field": "column"} overriding the automatic mapping')
    dry_run = serializers.BooleanField(required=False, default=False)
    # As long as the batch keeps it: a longer name was a 500 (varchar overflow) instead of a refusal.
    encoding = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ImportBatch._meta.get_field("declared_encoding").max_length,
    )
    source = serializers.ChoiceField(Entity.Source.choices, required=False, default=Entity.Source.IMPORT)
    duplicate_distance_m = serializers.IntegerField(required=False, default=500, min_value=0, max_value=50000)

    def validate_country(self, value):
        code = value.strip().upper()
        if not Country.objects.filter(pk=code).exists():
            known = ", ".join(Country.objects.order_by("iso3").values_list("iso3", flat=True))
            raise serializers.ValidationError(f"Unknown country {value!r}: give its ISO3 code ({known}).")
        return code

    def validate_mapping(self, value):
        if value in (None, ""):
            return {}
        shape = 'Give the mapping as a JSON object {"field": "column"}'
        if not isinstance(value, dict):
            raise serializers.ValidationError(f"{shape}, not a {type(value).__name__}.")
        odd = sorted(field for field, column in value.items() if not isinstance(column, str | type(None)))
        if odd:
            raise serializers.ValidationError(f'{shape}: each column a name, or "" for none ({", ".join(odd)}).')
        unknown = sorted(set(value) - set(FIELDS_BY_NAME))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown field(s): {', '.join(unknown)}. Known fields: {', '.join(FIELDS_BY_NAME)}."
            )
        # PostgreSQL keeps the mapping as jsonb, which cannot hold a NUL character (saving it was a 500); no
        # column of a file the importer reads is named with one.
        with_nul = sorted(field for field, column in value.items() if column and "\x00" in column)
        if with_nul:
            raise serializers.ValidationError(
                f"A column name cannot contain a NUL character (\\x00); given for: {', '.join(with_nul)}."
            )
        return {field: column or "" for field, column in value.items()}
