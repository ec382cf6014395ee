"""REST API v1 views: declarative viewsets; permissions from registry.permissions; writes through the services.

Entities, live and as frozen in a map edition, are listed as GeoJSON
FeatureCollections built in PostgreSQL (exchange.sql), paginated by
limit/offset with a hard cap of MAX_FEATURES features a response
(FeaturePagination).
"""

import uuid

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound, ParseError, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import exception_handler

from legislation.access import can_read_assessments
from legislation.models import Assessment, Instrument, ReformProcess
from mapping.aggregation import EditionSource
from mapping.editions import published_entity_page
from mapping.models import MapEdition
from registry import history
from registry.managers import country_is_any_of
from registry.models import AdminArea, Classification, Country, Entity, WorkingDefinition
from registry.pagination import COUNT_CAP, CappedPaginator
from registry.permissions import can_edit_registry, editable_countries, readable_countries
from registry.services import StaleEntityError, create_entity, update_entity

from . import serializers as s
from . import sql
from .access import contact_countries, readable_entities, visible_editions
from .background import start_import
from .exporting import entity_rows, murmurations_profile, published_murmurations_profile
from .filters import (
    AdminAreaFilter,
    EntityBBoxFilter,
    EntityFilter,
    InstrumentFilter,
    ReformProcessFilter,
    WorkingDefinitionFilter,
    known_code,
)
from .importing import create_batch, read_upload
from .models import ImportBatch, ImportRow
from .pagination import PAGE_PARAMETER_BOUNDS, CheckedLimitOffsetPagination
from .reading import ImportFileError

MAX_FEATURES = 10_000
GEOJSON = "application/geo+json"


class FeaturePagination(CheckedLimitOffsetPagination):
    """limit/offset pages of features, at most MAX_FEATURES a response, counted up to a cap.

    Counting every match of a large bbox costs a sixth of a 10k-feature
    response (PERFORMANCE.md B4), so the count stops as the registry list's
    does (registry.pagination): at `count_cap`, or at the end of the requested
    page when that lies further. Past it the response says `count_capped` and
    `count` is a lower bound; `next` is exact either way.
    """

    default_limit = 100
    max_limit = MAX_FEATURES
    count_cap = COUNT_CAP

    def paginate_rows(self, queryset, request, count=None):
        """The requested slice of `queryset` (ordered). Give `count` when the exact total is known already."""
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        if count is None:
            counter = CappedPaginator(queryset, self.limit, cap=max(self.count_cap, self.offset + self.limit))
            # At most cap + 1: enough for get_next_link() to know that rows lie beyond the page.
            self.count, self.count_capped = counter.count, counter.capped
            self.reported_count = counter.cap if counter.capped else counter.count
        else:
            self.count = self.reported_count = count
            self.count_capped = False
        return queryset[self.offset : self.offset + self.limit]

    def feature_collection_response(self, features_json):
        """The page as one GeoJSON FeatureCollection; the database-built features are spliced in, not re-parsed."""
        head = orjson.dumps(
            {
                "type": "FeatureCollection",
                "count": self.reported_count,
                "count_capped": self.count_capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
            }
        )
        body = head[:-1] + b',"features":' + features_json.encode() + b"}"
        return HttpResponse(body, content_type=GEOJSON)


class CappedCountPagination(CheckedLimitOffsetPagination):
    """limit/offset pages of a list that may hold a row per entity, counted up to a cap as FeaturePagination's.

    Counting every classification of 1M entities took most of a second (a join
    of 450,000 rows) for a page of 100. Past the cap the response says
    `count_capped` and `count` is a lower bound; `next` is exact either way.
    """

    count_cap = COUNT_CAP

    def get_count(self, queryset):
        offset = self.get_offset(self.request)  # DRF reads the offset only after counting
        counter = CappedPaginator(queryset, self.limit, cap=max(self.count_cap, offset + self.limit))
        self.count_capped = counter.capped
        self.reported_count = counter.cap if counter.capped else counter.count
        return counter.count  # at most cap + 1: enough for get_next_link() to know that rows lie beyond the page

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count"] = self.reported_count
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {"type": "boolean", "description": "count is a lower bound"}
        return paginated


FEATURE_PAGE_PARAMETERS = [
    OpenApiParameter("in_bbox", str, description="min_lon,min_lat,max_lon,max_lat (EPSG:4326)"),
    OpenApiParameter(
        "limit",
        {"type": "integer", **PAGE_PARAMETER_BOUNDS["limit"]},
        description=f"Features a page (default 100, at most {MAX_FEATURES})",
    ),
    OpenApiParameter("offset", {"type": "integer", **PAGE_PARAMETER_BOUNDS["offset"]}),
]


class NestingSafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing with a 400 instead of a 500 a body nested too deep to read, or holding a
    lone surrogate.

    Python's json module gives up past the interpreter's recursion limit (about 1,000 levels of arrays or
    objects) with a RecursionError, which DRF's parser does not catch: a 200 kB body of brackets was a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply to read.") from None
        if (found := s.lone_surrogate(data)) is not None:
            # JSON may write half of a UTF-16 pair ("\ud800"): no character, and neither UTF-8, PostgreSQL nor
            # the response that quotes a refused value back can carry one (that response was a 500).
            where, code_point = found
            raise ParseError(
                f"JSON parse error - {where} holds a lone surrogate (U+{code_point:04X}), half of a UTF-16 pair "
                "and no character."
            )
        return data


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


def api_exception_handler(exc, context):
    """DRF's exception handler, with Django's refusals of an oversized request answered in JSON as well.

    Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE, or more than DATA_UPLOAD_MAX_NUMBER_FIELDS
    fields or parameters, with a SuspiciousOperation that DRF passes on: the client got the site's HTML
    400 page, not a reason it could read.
    """
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20:g} MB the API "
            "reads (a file uploaded to imports/ does not count)."
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = RequestTooLarge(f"The request has too many fields or parameters ({exc}).")
    return exception_handler(exc, context)


class RequestLimitsMixin:
    """Every viewset of the API: an oversized request is refused in JSON (api_exception_handler)."""

    def get_exception_handler(self):
        return api_exception_handler


@csrf_exempt  # it changes nothing: a POST is answered with the same 404, not with the CSRF page
def unknown_path(request, *args, **kwargs):
    """A path under /api/v1/ that names no resource (or an id of the wrong shape): 404 as JSON, as documented."""
    return JsonResponse(
        {"detail": "Not found: no resource has this path (the paths are in /api/v1/schema/)."}, status=404
    )


def _is_uuid(text):
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def _validation_response(error):
    return Response(s.EntityWriteSerializer.errors_from_service(error), status=status.HTTP_400_BAD_REQUEST)


class CountryViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """The five countries (public reference data)."""

    queryset = Country.objects.order_by("iso3")
    serializer_class = s.CountrySerializer
    lookup_value_regex = "[A-Za-z]{3}"

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()  # vnm is VNM, as in filters
        return super().get_object()


class AdminAreaViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Administrative areas with their validity dates (public reference data); `?on=` for a date."""

    queryset = AdminArea.objects.order_by("country", "level", "code", "valid_from")
    serializer_class = s.AdminAreaSerializer
    filterset_class = AdminAreaFilter


@extend_schema_view(
    list=extend_schema(
        operation_id="entities_list",
        description="GeoJSON FeatureCollection (RFC 7946) of the entities you may read, in registry-number order, "
        f"paginated by limit/offset (at most {MAX_FEATURES} features). Contact fields only where your role allows. "
        f"Matches are counted up to {COUNT_CAP:,} (or the end of the page): beyond that `count_capped` is true.",
        parameters=FEATURE_PAGE_PARAMETERS,
        responses={(200, GEOJSON): s.FeatureCollectionSerializer},
    ),
    create=extend_schema(request=s.EntityCreateSerializer, responses={201: s.EntityReadSerializer}),
    update=extend_schema(
        request=s.EntityReplaceSerializer,
        responses={200: s.EntityReadSerializer},
        description="Replaces the entity: give country, name, family, latitude, longitude and the version you "
        "read; every other field left out is reset to its default (blank, or the registry's default choice). "
        "PATCH changes only the fields given.",
    ),
    partial_update=extend_schema(
        request=s.EntityWriteSerializer,
        responses={200: s.EntityReadSerializer},
        description="Changes the fields given, with the version you read (optimistic locking); the rest stay.",
    ),
)
class EntityViewSet(
    RequestLimitsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """SSE entities. Create and change go through registry.services (permission, point check, area, history)."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = Entity.objects.none()
    serializer_class = s.EntityReadSerializer
    filterset_class = EntityFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, EntityBBoxFilter]
    bbox_filter_field = "point"
    bbox_filter_include_overlapping = True
    pagination_class = FeaturePagination
    parser_classes = [NestingSafeJSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return readable_entities(self.request.user).select_related("family", "legal_form").by_number()

    def check_permissions(self, request):
        # Live records need a role in their country (exchange.access); say so instead of an empty list.
        # A Murmurations profile is made to be fetched anonymously: the published one then (murmurations()).
        if not request.user.is_authenticated and self.action != "murmurations":
            raise NotAuthenticated(
                "Sign in (session or token) to read the live registry. Published map editions are public, "
                "entities as frozen in them: /api/v1/map-editions/{id}/entities/."
            )
        super().check_permissions(request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "contact_countries": contact_countries(self.request.user)}

    def _read(self, entity, code=status.HTTP_200_OK):
        show = entity.country_id in contact_countries(self.request.user)
        return Response(s.EntityReadSerializer(entity, context={"show_contact": show}).data, status=code)

    def list(self, request, *args, **kwargs):
        page = self.paginator.paginate_rows(self.filter_queryset(self.get_queryset()), request)
        return self.paginator.feature_collection_response(
            sql.entity_features_json(page, contact_countries(request.user))
        )

    def retrieve(self, request, *args, **kwargs):
        return self._read(self.get_object())

    @extend_schema(
        summary="The entity's Murmurations profile",
        description="A profile of `organizations_schema-v1.0.0` (https://murmurations.network), for a "
        "Murmurations index to fetch. Readers with a role in the entity's country get the live record's "
        "profile; everyone else (an index fetches anonymously) the entity as the latest published edition froze "
        "it, or 404 if none holds it. A profile is made to be published, so it never holds personal contact "
        "data. `primary_url` is the entity's page in the latest published edition that holds it, else its "
        "registry page.",
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="murmurations")
    def murmurations(self, request, pk=None):
        not_found = NotFound("No entity with this id that you may read.")
        if not _is_uuid(pk):
            raise not_found
        base_url = request.build_absolute_uri("/").rstrip("/")
        entity = self.get_queryset().filter(pk=pk).first()
        if entity is None:  # not a live record this reader may read: the entity as published, if it is
            published = published_murmurations_profile(pk, base_url)
            if published is None:
                raise not_found
            return Response(published)
        rows = entity_rows(Entity.objects.filter(pk=entity.pk), contact_countries=set())
        iso2 = Country.objects.values_list("iso2", flat=True).get(pk=entity.country_id)
        return Response(murmurations_profile(next(rows), iso2, base_url, published_entity_page(entity)))

    def create(self, request, *args, **kwargs):
        serializer = s.EntityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.service_data()
        try:
            entity = create_entity(request.user, data, reason=history.CREATED_THROUGH_API)
        except DjangoValidationError as error:
            return _validation_response(error)
        return self._read(entity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        # PATCH (partial) changes the fields given; PUT replaces the entity: it must give the required fields,
        # and those it leaves out are reset, so that a PUT of the same body always gives the same entity.
        partial = kwargs.get("partial", False)
        entity = self.get_object()
        serializer = s.EntityWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "version" not in serializer.validated_data:
            return Response(
                {"version": ["Give the version you read (optimistic locking), e.g. from GET on this entity."]},
                status=400,
            )
        if not partial and (missing := serializer.missing_to_replace()):
            return Response(missing, status=400)
        try:
            entity = update_entity(
                request.user,
                entity,
                serializer.replacement_data() if not partial else serializer.service_data(),
                serializer.validated_data["version"],
                reason=history.EDITED_THROUGH_API,
            )
        except StaleEntityError as error:
            return Response({"detail": str(error), "current_version": error.current_version}, status=409)
        except DjangoValidationError as error:
            return _validation_response(error)
        return self._read(entity)


class WorkingDefinitionViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Working definitions: adopted and superseded ones for everyone; drafts to the country's readers."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = WorkingDefinition.objects.none()
    serializer_class = s.WorkingDefinitionSerializer
    filterset_class = WorkingDefinitionFilter

    def get_queryset(self):
        from django.db.models import Q

        public = Q(status__in=[WorkingDefinition.Status.ADOPTED, WorkingDefinition.Status.SUPERSEDED])
        readable = Q(country_id__in=readable_countries(self.request.user))
        return (
            WorkingDefinition.objects.filter(public | readable)
            .prefetch_related("criteria")
            .order_by("country", "version")
        )


class ClassificationViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Classifications of entities against definitions: the country's readers only."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = Classification.objects.none()
    serializer_class = s.ClassificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["definition", "outcome", "entity"]
    pagination_class = CappedCountPagination

    def get_queryset(self):
        # In registry-number order along the entities' (country, number) index (EntityQuerySet.in_countries).
        readable = country_is_any_of(readable_countries(self.request.user), "entity__country_id")
        return (
            Classification.objects.filter(readable)
            .select_related("entity")
            .order_by("entity__country_id", "entity__registry_number", "definition")
        )


class InstrumentViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Legal instruments (public law: everyone reads them)."""

    queryset = Instrument.objects.order_by("country", "code")
    serializer_class = s.InstrumentSerializer
    filterset_class = InstrumentFilter


class AssessmentViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """R193 assessments: any user holding a role (legislation.access.can_read_assessments)."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = Assessment.objects.none()
    serializer_class = s.AssessmentSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["instrument", "rating"]

    def get_queryset(self):
        if not can_read_assessments(self.request.user):
            raise PermissionDenied("Assessments are for users holding a role in the platform.")
        return Assessment.objects.select_related("provision").order_by("instrument", "provision__sort_order")


@extend_schema_view(
    list=extend_schema(
        description="Map editions you may see: published ones for everyone; unpublished ones for "
        "the country's committee members, the ILO COOP unit and administrators (as on the edition pages)."
    ),
    retrieve=extend_schema(description="One map edition; 404 when it is not published and you may not see it."),
)
class MapEditionViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Map editions as the edition pages show them (mapping.editions decides who sees which), with their snapshots."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = MapEdition.objects.none()
    serializer_class = s.MapEditionSerializer

    def get_queryset(self):
        return (
            visible_editions(self.request.user)
            .select_related("committee__country")
            .defer("committee__country__geom")
            .order_by("committee__country_id", "number")
        )

    @extend_schema(
        operation_id="map_editions_entities",
        description="The edition's entities as frozen in its snapshot: a GeoJSON FeatureCollection (RFC 7946) in "
        f"registry-number order, paginated by limit/offset (at most {MAX_FEATURES} features). Public fields only: "
        "the snapshot holds no contact data. Without in_bbox `count` is the edition's exact total.",
        parameters=FEATURE_PAGE_PARAMETERS,
        responses={(200, GEOJSON): s.FeatureCollectionSerializer},
    )
    @action(detail=True)
    def entities(self, request, pk=None):
        source = EditionSource(self.get_object())
        bbox = EntityBBoxFilter().get_filter_bbox(request)
        rows = source.rows(bbox).order_by("registry_number")
        known_total = source.edition.total_entities if bbox is None else None
        paginator = FeaturePagination()
        page = paginator.paginate_rows(rows, request, count=known_total)
        return paginator.feature_collection_response(sql.edition_features_json(page))

    @extend_schema(
        operation_id="map_editions_areas",
        description="The edition's per-area figures as frozen with it (the edition page's table and choropleth), "
        "the totals they add up to, and quantile class breaks of the chosen measure.",
        parameters=[s.EditionAreasQuerySerializer],
        responses={200: s.EditionAreasSerializer},
    )
    @action(detail=True)
    def areas(self, request, pk=None):
        edition = self.get_object()
        query = s.EditionAreasQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(EditionSource(edition).summary().as_dict(query.validated_data["measure"]))


class ReformProcessViewSet(RequestLimitsMixin, viewsets.ReadOnlyModelViewSet):
    """Cooperative-law reform processes with their timelines (public, as the reform pages)."""

    queryset = ReformProcess.objects.prefetch_related("events", "targets").order_by("country", "started_on", "title")
    serializer_class = s.ReformProcessSerializer
    filterset_class = ReformProcessFilter


class ImportBatchViewSet(
    RequestLimitsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """File imports: upload (researchers of the country), then poll the batch for progress and outcome."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = ImportBatch.objects.none()
    serializer_class = s.ImportBatchSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, NestingSafeJSONParser]

    def get_queryset(self):
        return ImportBatch.objects.filter(country_id__in=editable_countries(self.request.user)).order_by("-created_at")

    @extend_schema(request={"multipart/form-data": s.ImportUploadSerializer}, responses={202: s.ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        upload = s.ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        country = Country.objects.get(pk=data["country"])  # validate_country: it exists
        if not can_edit_registry(request.user, country.pk):
            raise PermissionDenied(f"You may import only into countries where you are a researcher, not {country}.")
        try:
            batch = create_batch(
                request.user,
                country,
                data["file"].name,
                read_upload(data["file"], via="api"),
                via="api",
                mapping=data.get("mapping") or {},
                dry_run=data["dry_run"],
                declared_encoding=data["encoding"],
                entity_source=data["source"],
                duplicate_distance_m=data["duplicate_distance_m"],
            )
        except ImportFileError as error:
            return Response({"file": [str(error)]}, status=400)
        start_import(batch)
        return Response(s.ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str, enum=ImportRow.Outcome.values, description="The rows of this outcome")
        ],
        responses={200: s.ImportRowSerializer(many=True)},
    )
    @action(detail=True)
    def rows(self, request, pk=None):
        batch = self.get_object()
        rows = batch.rows.order_by("row_number")
        if request.query_params.get("outcome"):
            rows = rows.filter(outcome=known_code("outcome", request.query_params["outcome"], ImportRow.Outcome.values))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ImportRowSerializer(page, many=True).data)
