"""REST API v1 views: declarative viewsets; permissions from registry.permissions; writes through the services.

Entities are listed as a GeoJSON FeatureCollection built in PostgreSQL
(exchange.sql.entity_features_json), paginated by limit/offset with a hard cap
of MAX_FEATURES features a response.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from legislation.access import can_read_assessments
from legislation.models import Assessment, Instrument
from mapping.models import MapEdition
from registry.models import AdminArea, Classification, Country, Entity, WorkingDefinition
from registry.permissions import can_edit_registry, editable_countries, readable_countries
from registry.services import StaleEntityError, create_entity, update_entity

from . import serializers as s
from . import sql
from .access import contact_countries, readable_entities
from .background import start_import
from .filters import AdminAreaFilter, EntityBBoxFilter, EntityFilter
from .importing import create_batch
from .models import ImportBatch
from .reading import ImportFileError

MAX_FEATURES = 10_000


class FeaturePagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = MAX_FEATURES


def _validation_response(error):
    detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class CountryViewSet(viewsets.ReadOnlyModelViewSet):
    """The five countries (public reference data)."""

    queryset = Country.objects.order_by("iso3")
    serializer_class = s.CountrySerializer
    lookup_value_regex = "[A-Za-z]{3}"


class AdminAreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Administrative areas with their validity dates (public reference data); `?on=` for a date."""

    queryset = AdminArea.objects.order_by("country", "level", "code", "valid_from")
    serializer_class = s.AdminAreaSerializer
    filterset_class = AdminAreaFilter


@extend_schema_view(
    list=extend_schema(
        operation_id="entities_list",
        description="GeoJSON FeatureCollection (RFC 7946) of the entities you may read, in registry-number order, "
        f"paginated by limit/offset (at most {MAX_FEATURES} features). Contact fields only where your role allows.",
        parameters=[
            OpenApiParameter("in_bbox", str, description="min_lon,min_lat,max_lon,max_lat"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses={200: OpenApiTypes.OBJECT},
    ),
    create=extend_schema(request=s.EntityWriteSerializer, responses={201: s.EntityReadSerializer}),
    update=extend_schema(request=s.EntityWriteSerializer, responses={200: s.EntityReadSerializer}),
    partial_update=extend_schema(request=s.EntityWriteSerializer, responses={200: s.EntityReadSerializer}),
)
class EntityViewSet(
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

    def get_queryset(self):
        return readable_entities(self.request.user).select_related("family", "legal_form").order_by("registry_number")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "contact_countries": contact_countries(self.request.user)}

    def _read(self, entity, code=status.HTTP_200_OK):
        show = entity.country_id in contact_countries(self.request.user)
        return Response(s.EntityReadSerializer(entity, context={"show_contact": show}).data, status=code)

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        paginator = self.paginator
        limit = paginator.get_limit(request)
        offset = paginator.get_offset(request)
        paginator.limit, paginator.offset, paginator.request = limit, offset, request
        paginator.count = queryset.count()
        features = sql.entity_features_json(queryset[offset : offset + limit], contact_countries(request.user))
        import orjson

        head = orjson.dumps(
            {
                "type": "FeatureCollection",
                "count": paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
            }
        ).decode()
        body = head[:-1] + ',"features":' + features + "}"
        return HttpResponse(body, content_type="application/geo+json")

    def retrieve(self, request, *args, **kwargs):
        return self._read(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = s.EntityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.service_data()
        if "country" not in data:
            return Response({"country": ["Give the entity's country (ISO3)."]}, status=400)
        try:
            entity = create_entity(request.user, data, reason="created through the API")
        except DjangoValidationError as error:
            return _validation_response(error)
        return self._read(entity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        entity = self.get_object()
        serializer = s.EntityWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "version" not in serializer.validated_data:
            return Response(
                {"version": ["Give the version you read (optimistic locking), e.g. from GET on this entity."]},
                status=400,
            )
        try:
            entity = update_entity(
                request.user,
                entity,
                serializer.service_data(),
                serializer.validated_data["version"],
                reason="edited through the API",
            )
        except StaleEntityError as error:
            return Response({"detail": str(error), "current_version": error.current_version}, status=409)
        except DjangoValidationError as error:
            return _validation_response(error)
        return self._read(entity)


class WorkingDefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    """Working definitions: adopted and superseded ones for everyone; drafts to the country's readers."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = WorkingDefinition.objects.none()
    serializer_class = s.WorkingDefinitionSerializer
    filterset_fields = ["country", "status"]

    def get_queryset(self):
        from django.db.models import Q

        public = Q(status__in=[WorkingDefinition.Status.ADOPTED, WorkingDefinition.Status.SUPERSEDED])
        readable = Q(country_id__in=readable_countries(self.request.user))
        return (
            WorkingDefinition.objects.filter(public | readable)
            .prefetch_related("criteria")
            .order_by("country", "version")
        )


class ClassificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Classifications of entities against definitions: the country's readers only."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = Classification.objects.none()
    serializer_class = s.ClassificationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["definition", "outcome", "entity"]

    def get_queryset(self):
        return (
            Classification.objects.filter(entity__country_id__in=readable_countries(self.request.user))
            .select_related("entity")
            .order_by("entity__registry_number", "definition")
        )


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Legal instruments (public law: everyone reads them)."""

    queryset = Instrument.objects.order_by("country", "code")
    serializer_class = s.InstrumentSerializer
    filterset_fields = ["country", "kind", "subject", "status"]


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
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


class MapEditionViewSet(viewsets.ReadOnlyModelViewSet):
    """Published map editions (public)."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = MapEdition.objects.none()
    serializer_class = s.MapEditionSerializer

    def get_queryset(self):
        return (
            MapEdition.objects.filter(status=MapEdition.Status.PUBLISHED)
            .select_related("committee")
            .order_by("committee__country_id", "number")
        )


class ImportBatchViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """File imports: upload (researchers of the country), then poll the batch for progress and outcome."""

    # The model for the schema; get_queryset() decides what a user gets.
    queryset = ImportBatch.objects.none()
    serializer_class = s.ImportBatchSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return ImportBatch.objects.filter(country_id__in=editable_countries(self.request.user)).order_by("-created_at")

    @extend_schema(request={"multipart/form-data": s.ImportUploadSerializer}, responses={202: s.ImportBatchSerializer})
    def create(self, request, *args, **kwargs):
        upload = s.ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        country = get_object_or_404(Country, pk=data["country"].upper())
        if not can_edit_registry(request.user, country.pk):
            raise PermissionDenied(f"You may import only into countries where you are a researcher, not {country}.")
        try:
            batch = create_batch(
                request.user,
                country,
                data["file"].name,
                data["file"].read(),
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
        parameters=[OpenApiParameter("outcome", str, description="imported, updated, unchanged, held or rejected")],
        responses={200: s.ImportRowSerializer(many=True)},
    )
    @action(detail=True)
    def rows(self, request, pk=None):
        batch = self.get_object()
        rows = batch.rows.order_by("row_number")
        if request.query_params.get("outcome"):
            rows = rows.filter(outcome=request.query_params["outcome"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ImportRowSerializer(page, many=True).data)
