"""The researchers' registry pages: list, entity page, entity form, classification, working definitions.

Every view checks registry.permissions on the server and calls the domain
(querysets, registry.services, registry.classification); none re-derives a rule.
Anonymous users are sent to log in: no registry record is public here.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import classification as classifying
from .digits import ascii_digits
from .forms import AdoptionForm, DefinitionForm, EntityFilterForm, EntityForm
from .history import entity_history
from .models import Classification, Country, Criterion, Entity, WorkingDefinition
from .pagination import CappedPaginator
from .permissions import (
    can_edit_registry,
    can_read_registry,
    can_see_contact_data,
    editable_countries,
    readable_countries,
    require,
)
from .reference import create_definition_from_template
from .services import StaleEntityError, create_entity, duplicates_to_confirm, update_entity


def _readable_entity(request, pk):
    entity = get_object_or_404(Entity.objects.with_labels(), pk=pk)
    require(can_read_registry(request.user, entity.country_id), _("You may not read registry records of this country."))
    return entity


@login_required
def entity_list(request):
    filters = EntityFilterForm(request.GET or None, user=request.user)
    entities = Entity.objects.visible_to(request.user).with_labels()
    one_country = len(readable_countries(request.user)) == 1
    if filters.is_bound:
        filters.is_valid()  # a refused filter (?status=xyz) is named on the page; the valid ones still apply
        entities = filters.filter(entities, one_country)
    else:
        entities = entities.by_number()
    paginator = CappedPaginator(entities, settings.REGISTRY_PAGE_SIZE, rows_by_key=Entity.objects.with_labels().in_bulk)
    asked = request.GET.get("page", "").strip()
    page = paginator.get_page(asked)
    query = request.GET.copy()
    query.pop("page", None)
    # ?page=99999 or ?page=abc shows the last or the first page: said so, not silently.
    page_notice = (
        _("There is no page %(asked)s: this is page %(page)s of %(total)s.")
        % {"asked": asked[:20], "page": page.number, "total": paginator.num_pages}
        if asked and asked != str(page.number)
        else ""
    )
    return render(
        request,
        "registry/entity_list.html",
        {
            "filters": filters,
            "page": page,
            "page_notice": page_notice,
            "query": query.urlencode(),
            "can_create": bool(editable_countries(request.user)),
        },
    )


@login_required
def entity_detail(request, pk):
    entity = _readable_entity(request, pk)
    return render(
        request,
        "registry/entity_detail.html",
        {
            "entity": entity,
            "show_contact": can_see_contact_data(request.user, entity.country_id),
            "can_edit": can_edit_registry(request.user, entity.country_id),
            "classifications": entity.classifications.select_related("definition", "assessed_by").order_by(
                "-definition__version"
            ),
            "changes": entity_history(entity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entity_edit(request, pk=None):
    entity = _readable_entity(request, pk) if pk else None
    if entity is not None:
        require(can_edit_registry(request.user, entity.country_id), _("You may edit only entities of your countries."))
    elif not editable_countries(request.user):
        raise PermissionDenied(_("Only researchers register entities."))
    form = EntityForm(request.POST or None, instance=entity, user=request.user)
    duplicates, stale = [], None
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        duplicates = duplicates_to_confirm(data, entity)
        if duplicates and not form.cleaned_data["confirm_not_duplicate"]:
            form.add_error(None, _("Possible duplicates nearby: check them before saving."))
        else:
            try:
                if entity is None:
                    saved = create_entity(request.user, data)
                    messages.success(request, _("Registered %(number)s.") % {"number": saved.registry_number})
                else:
                    saved = update_entity(request.user, entity, data, form.cleaned_data.get("version"))
                    messages.success(
                        request,
                        _("Saved %(number)s (version %(version)s).")
                        % {"number": saved.registry_number, "version": saved.version},
                    )
                return redirect(saved)
            except StaleEntityError as error:
                stale = error  # said once, above the form: no field of the form is wrong
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "registry/entity_form.html",
        {"form": form, "entity": entity, "duplicates": duplicates, "stale": stale},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entity_classify(request, pk, definition_pk):
    entity = _readable_entity(request, pk)
    definition = get_object_or_404(WorkingDefinition, pk=definition_pk, country_id=entity.country_id)
    require(can_edit_registry(request.user, entity.country_id), _("You may classify only entities of your countries."))
    criteria = list(definition.criteria.all())
    existing = Classification.objects.filter(entity=entity, definition=definition).first()
    current = existing.criteria_results if existing else {}
    if request.method == "POST":
        results = {
            criterion.code: {
                "result": request.POST.get(f"result-{criterion.code}", classifying.UNKNOWN),
                "evidence": request.POST.get(f"evidence-{criterion.code}", ""),
            }
            for criterion in criteria
        }
        try:
            record = classifying.classify(request.user, entity, definition, results, request.POST.get("note", ""))
        except ValidationError as error:
            codes = {criterion.code for criterion in criteria}  # a refusal about one criterion is named by its code
            messages.error(
                request,
                "; ".join(f"{k}: {' '.join(v)}" if k in codes else " ".join(v) for k, v in error.message_dict.items()),
            )
            current = results
        else:
            messages.success(request, _("Classified: %(outcome)s.") % {"outcome": record.get_outcome_display()})
            return redirect(entity)
    rows = [(criterion, current.get(criterion.code, {})) for criterion in criteria]
    return render(
        request,
        "registry/entity_classify.html",
        {
            "entity": entity,
            "definition": definition,
            "rows": rows,
            "existing": existing,
            "results": classifying.RESULT_CHOICES,
        },
    )


@login_required
def definition_list(request):
    readable = Country.objects.filter(iso3__in=readable_countries(request.user)).prefetch_related("definitions")
    return render(
        request,
        "registry/definition_list.html",
        {"countries": readable, "editable": editable_countries(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def definition_detail(request, pk):
    definition = get_object_or_404(WorkingDefinition.objects.select_related("country").defer("country__geom"), pk=pk)
    require(can_read_registry(request.user, definition.country_id), _("You may not read this country's definitions."))
    can_edit = can_edit_registry(request.user, definition.country_id)
    form = DefinitionForm(request.POST or None, instance=definition)
    adoption_form = AdoptionForm(request.POST if request.POST.get("action") == "adopt" else None)
    typed_criteria = None
    if request.method == "POST":
        require(can_edit, _("You may edit only the definitions of your countries."))
        if request.POST.get("action") == "save":
            typed_criteria = _typed_criteria(request.POST)
        try:
            # One transaction: a refused criterion leaves the title and text as they were too.
            with transaction.atomic():
                _definition_action(request, definition, form, adoption_form, typed_criteria)
        except ValidationError as error:
            messages.error(request, _refusal_text(error, form, adoption_form))
        else:
            return redirect("registry:definition", pk=definition.pk)
    if typed_criteria is not None:  # refused: the rows as typed, nothing lost
        criteria = [Criterion(definition=definition, **row) for row in typed_criteria]
    else:
        criteria = definition.criteria.all()
    previous, changes = None, []
    if definition.status in (WorkingDefinition.Status.ADOPTED, WorkingDefinition.Status.SUPERSEDED):
        # A draft's or a reviewed version's trial assessments are not what adoption changed.
        previous, changes = classifying.outcome_changes(definition)
    label = classifying.outcome_label
    changes = [(label(before), label(after), review, count) for before, after, review, count in changes]
    return render(
        request,
        "registry/definition_detail.html",
        {
            "definition": definition,
            "form": form,
            "adoption_form": adoption_form,
            "can_edit": can_edit,
            "editable": classifying.editable(definition),
            "criteria": criteria,
            "principles": Criterion.Principle.choices,
            "previous": previous,
            "changes": changes,
        },
    )


def _typed_criteria(post):
    """The criteria editor's rows as typed, in the order of their positions (a row whose code box is empty
    is left out: that removes it). Of two rows given one position, the row moved there comes first: typing
    1 beside the last criterion puts it before the one that was first."""
    statements = post.getlist("criterion-statement")
    principles = post.getlist("criterion-principle")
    orders = post.getlist("criterion-order")
    required = set(post.getlist("criterion-required"))
    rows, moved = [], {}
    for i, code in enumerate(post.getlist("criterion-code")):
        if not code.strip():
            continue
        order = ascii_digits(orders[i].strip()) if i < len(orders) else ""
        rows.append(
            {
                "code": code.strip(),
                "statement": statements[i].strip() if i < len(statements) else "",
                "principle": principles[i] if i < len(principles) else "",
                "required": str(i) in required,
                # A position left empty or not a whole number keeps the row where it is shown.
                "sort_order": int(order) if order.isdigit() else i + 1,
            }
        )
        moved[id(rows[-1])] = rows[-1]["sort_order"] != i + 1
    rows.sort(key=lambda row: (row["sort_order"], not moved[id(row)]))
    return rows


def _refusal_text(error, *forms):
    """A refusal's messages, each after the label of the field it is about (a form's field, else none)."""
    labels = {name: field.label for form in forms for name, field in form.fields.items()}
    parts = []
    for field, field_messages in error.message_dict.items():
        label = labels.get(field)
        text = " ".join(field_messages)
        parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _definition_action(request, definition, form, adoption_form, typed_criteria):
    action = request.POST.get("action")
    user = request.user
    if action == "save":
        if not classifying.editable(definition):
            raise ValidationError({"status": _("Only a draft can be edited: make a new version instead.")})
        errors = {} if form.is_valid() else dict(form.errors)
        try:
            classifying.clean_criteria(typed_criteria)
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        definition._history_user = user
        form.save()
        classifying.save_criteria(user, definition, typed_criteria)
        messages.success(request, _("Definition saved."))
    elif action == "submit":
        classifying.submit_for_review(user, definition)
        messages.success(request, _("Sent to committee review."))
    elif action == "return":
        classifying.return_to_draft(user, definition)
    elif action == "adopt":
        if not adoption_form.is_valid():
            raise ValidationError(adoption_form.errors)
        report = classifying.adopt(
            user, definition, adoption_form.cleaned_data["adopted_on"], adoption_form.cleaned_data["adopted_by"]
        )
        messages.success(request, str(report))
    elif action == "new_version":
        new = classifying.new_version(user, definition.country, copy_from=definition)
        messages.success(
            request, _("Draft v%(new)s created from v%(old)s.") % {"new": new.version, "old": definition.version}
        )
        definition.pk = new.pk
    else:
        raise ValidationError({"action": _("Unknown action %(action)s.") % {"action": repr(action)}})


@login_required
@require_POST
def definition_from_template(request, iso3):
    country = get_object_or_404(Country.objects.without_outline(), iso3=iso3.upper())
    require(can_edit_registry(request.user, country.pk), _("You may edit only the definitions of your countries."))
    definition = create_definition_from_template(country)
    messages.success(
        request, _("Draft v%(version)s created from the ILC 2022 template.") % {"version": definition.version}
    )
    return redirect("registry:definition", pk=definition.pk)
