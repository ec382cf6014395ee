"""Admin for staff. Only the COOP unit and administrators change legislation data (registry.permissions)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from registry.permissions import can_edit_legislation

from .access import can_read_assessments
from .models import Assessment, Instrument, InstrumentLegalForm, Provision, ReformProcess, StageEvent


class LegislationAdminMixin:
    """Editing follows can_edit_legislation; reading follows the pages (legislation.access): staff holding a role."""

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
class InstrumentAdmin(LegislationAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "country", "number", "kind", "subject", "status", "adopted_year"]
    list_filter = ["country", "kind", "subject", "status"]
    search_fields = ["title", "title_original", "number", "code"]
    inlines = [LegalFormInline]


@admin.register(Provision)
class ProvisionAdmin(LegislationAdminMixin, SimpleHistoryAdmin):
    list_display = ["key", "paragraph", "part", "text"]


@admin.register(Assessment)
class AssessmentAdmin(LegislationAdminMixin, SimpleHistoryAdmin):
    list_display = ["instrument", "provision", "rating", "assessor", "assessed_on", "is_demo"]
    list_filter = ["rating", "is_demo", "instrument__country"]


class StageEventInline(LegislationAdminMixin, admin.TabularInline):
    model = StageEvent
    extra = 0


@admin.register(ReformProcess)
class ReformProcessAdmin(LegislationAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "country", "started_on", "current_stage", "is_demo"]
    list_filter = ["country", "current_stage"]
    readonly_fields = ["current_stage"]
    inlines = [StageEventInline]
