"""Django admin for staff: Leaflet widgets, the same permission rules and the same entity service.

Entities are saved only through registry.services (the form's errors come from
there); querysets are limited to the countries the user may read, and changes
to the countries the user may edit.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from leaflet.admin import LeafletGeoAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import history
from .models import Classification, Criterion, Entity, EntityFamily, LegalForm, WorkingDefinition
from .permissions import (
    can_edit_registry,
    can_read_registry,
    editable_countries,
    is_administrator,
    readable_countries,
)
from .services import EDITABLE_FIELDS, StaleEntityError, create_entity, update_entity


class EntityAdminBaseForm(forms.ModelForm):
    """Carries the version the user started from (optimistic locking) as a hidden field."""

    version_seen = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version_seen"].initial = self.instance.version if self.instance.pk else None


def _service_form(base, user):
    """The admin's form class, saving through the entity service so its errors land on the form fields."""

    class EntityServiceAdminForm(base):
        def _post_clean(self):
            if self.errors:
                return
            data = {field: self.cleaned_data[field] for field in EDITABLE_FIELDS if field in self.cleaned_data}
            try:
                if self.instance.pk and not self.instance._state.adding:
                    stored = Entity.objects.get(pk=self.instance.pk)
                    version = self.cleaned_data.get("version_seen") or self.instance.version
                    self.saved = update_entity(user, stored, data, version, reason=history.ADMIN)
                else:
                    self.saved = create_entity(user, data, reason=history.ADMIN)
            except StaleEntityError as error:
                self.add_error(None, str(error))
            except ValidationError as error:
                for field, messages_ in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages_)

    return EntityServiceAdminForm


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose revert needs the right to change the row.

    Its history page hides the Revert button from a reader, yet saves whatever is posted to it by anyone who
    may view the history: a committee member or researcher could change (revert) a working definition, a
    classification or a rating by posting to /admin/.../history/<id>/. Every history admin of the platform
    (registry's and legislation's) is built on this one.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
            record = history.filter(**{self.model._meta.pk.attname: object_id, "history_id": version_id}).first()
            if not self.has_change_permission(request, record.instance if record else None):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Entity)
class EntityAdmin(HistoryAdmin, LeafletGeoAdmin):
    """Entities in the admin: read where the user may read, change only through the entity service."""

    list_display = ["registry_number", "name", "country", "admin_area", "status", "is_demo"]
    list_filter = ["country", "status", "verification", "is_demo"]
    search_fields = ["registry_number", "name", "name_local", "name_romanized"]
    readonly_fields = ["registry_number", "admin_area", "version", "is_demo"]
    form = EntityAdminBaseForm
    fields = ["registry_number", "version", "admin_area", *EDITABLE_FIELDS, "is_demo", "version_seen"]
    list_select_related = ["country", "admin_area"]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_view_permission(self, request, obj=None):
        return bool(readable_countries(request.user)) and (
            obj is None or obj.country_id in readable_countries(request.user)
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return bool(editable_countries(request.user))
        return can_edit_registry(request.user, obj.country_id)

    def has_add_permission(self, request):
        return bool(editable_countries(request.user))

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_module_permission(self, request):
        return bool(readable_countries(request.user))

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _service_form(super().get_form(request, obj, change=change, **kwargs), request.user)

    def save_model(self, request, obj, form, change):
        # The entity service saved it while validating the form (EntityServiceAdminForm).
        obj.__dict__.update(form.saved.__dict__)

    def save_related(self, request, form, formsets, change):
        pass


class ReadableByCountryAdmin(HistoryAdmin):
    """Reference and definition rows: staff read them; only administrators change them here.

    A row of one country (country_of() says which) is read only by those who may read that country's
    registry: get_queryset() keeps the lists and change pages to them, and has_view_permission() the
    history pages, which django-simple-history builds from the historical rows, outside get_queryset().
    """

    def country_of(self, obj):
        """The ISO3 code of the country `obj` belongs to, or None for rows shared by every country (families,
        legal forms); "" when the country can no longer be told, which only COOP and administrators read."""
        return None

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        country = None if obj is None else self.country_of(obj)
        return bool(readable_countries(request.user)) and (country is None or can_read_registry(request.user, country))

    def has_module_permission(self, request):
        return bool(readable_countries(request.user))


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(WorkingDefinition)
class WorkingDefinitionAdmin(ReadableByCountryAdmin):
    list_display = ["country", "version", "title", "status", "is_template", "adopted_on"]
    list_filter = ["country", "status"]
    inlines = [CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(country__in=readable_countries(request.user))

    def country_of(self, obj):
        return obj.country_id


@admin.register(Classification)
class ClassificationAdmin(ReadableByCountryAdmin):
    list_display = ["entity", "definition", "outcome", "needs_review", "assessed_by", "assessed_at"]
    list_filter = ["outcome", "needs_review"]
    raw_id_fields = ["entity"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(entity__country__in=readable_countries(request.user))

    def country_of(self, obj):
        # A historical row may name an entity deleted since.
        return Entity.objects.filter(pk=obj.entity_id).values_list("country_id", flat=True).first() or ""


@admin.register(EntityFamily)
class EntityFamilyAdmin(ReadableByCountryAdmin):
    list_display = ["code", "name", "sort_order"]


@admin.register(LegalForm)
class LegalFormAdmin(ReadableByCountryAdmin):
    list_display = ["country", "code", "name", "name_local", "family"]
    list_filter = ["country"]
