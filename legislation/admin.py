"""Admin for staff. Only the COOP unit and administrators change legislation data (registry.permissions)."""

from django.contrib import admin
from django.db import models

from registry.admin import HistoryAdmin
from registry.permissions import can_edit_legislation

from .access import can_read_assessments
from .models import Assessment, Instrument, InstrumentLegalForm, Provision, ReformProcess, StageEvent
from .reform import refresh_current_stage


class LegislationAdminMixin:
    """Editing follows can_edit_legislation; reading follows the pages (legislation.access): staff holding a role."""

    # As the pages' forms: a link typed without a scheme is https (and no Django 6 deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and can_read_assessments(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request, *args):
        return can_edit_legislation(request.user)

    def has_change_permission(self, request, obj=None):
        return can_edit_legislation(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_edit_legislation(request.user)


class LegalFormInline(LegislationAdminMixin, admin.TabularInline):
    model = InstrumentLegalForm
    extra = 0
    autocomplete_fields = []


@admin.register(Instrument)
class InstrumentAdmin(LegislationAdminMixin, HistoryAdmin):
    list_display = ["title", "country", "number", "kind", "subject", "status", "adopted_year"]
    list_filter = ["country", "kind", "subject", "status"]
    search_fields = ["title", "title_original", "number", "code"]
    inlines = [LegalFormInline]


@admin.register(Provision)
class ProvisionAdmin(LegislationAdminMixin, HistoryAdmin):
    """The R193 checklist is read here: fixtures/legislation/provisions.json owns it and every load of the
    reference data (each `make run`) writes it back, so an edit made here would be lost without a word."""

    list_display = ["key", "paragraph", "part", "text"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(LegislationAdminMixin, HistoryAdmin):
    list_display = ["instrument", "provision", "rating", "assessor", "assessed_on", "is_demo"]
    list_filter = ["rating", "is_demo", "instrument__country"]


class StageEventInline(LegislationAdminMixin, admin.TabularInline):
    model = StageEvent
    extra = 0


@admin.register(ReformProcess)
class ReformProcessAdmin(LegislationAdminMixin, HistoryAdmin):
    list_display = ["title", "country", "started_on", "current_stage", "is_demo"]
    list_filter = ["country", "current_stage"]
    readonly_fields = ["current_stage"]
    inlines = [StageEventInline]

    def save_related(self, request, form, formsets, change):
        # Stages added, redated or deleted in the inline move the current stage, as record_stage does on the pages.
        super().save_related(request, form, formsets, change)
        refresh_current_stage(form.instance)
