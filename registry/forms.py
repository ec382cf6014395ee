"""Forms of the researchers' pages. They parse input; registry.services validates and saves."""

from django import forms
from leaflet.forms.widgets import LeafletWidget

from .models import Country, Entity, EntityFamily, LegalForm, WorkingDefinition
from .permissions import editable_countries
from .services import EDITABLE_FIELDS


class EntityForm(forms.ModelForm):
    """The entity form: a Leaflet point picker and a hidden version for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_not_duplicate = forms.BooleanField(
        required=False, label="I checked the entities listed above: this is a different entity. Save it anyway."
    )

    class Meta:
        model = Entity
        fields = list(EDITABLE_FIELDS)
        widgets = {"point": LeafletWidget(attrs={"map_height": "360px", "display_raw": True})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(iso3__in=editable_countries(user))
        self.fields["legal_form"].queryset = LegalForm.objects.filter(country__in=self.fields["country"].queryset)
        self.fields["family"].queryset = EntityFamily.objects.all()
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _post_clean(self):
        # Model validation, the point check and the derived area are the entity
        # service's job (one rule for form, admin and API); the form only parses.
        pass

    def service_data(self):
        return {field: self.cleaned_data[field] for field in EDITABLE_FIELDS if field in self.cleaned_data}


class EntityFilterForm(forms.Form):
    """The registry list's search box and filters (all optional)."""

    q = forms.CharField(required=False, label="Search names (any script) or registry number")
    country = forms.ModelChoiceField(Country.objects.all(), required=False, to_field_name="iso3")
    area = forms.IntegerField(required=False, widget=forms.HiddenInput)
    family = forms.ModelChoiceField(EntityFamily.objects.all(), required=False, to_field_name="code")
    legal_form = forms.ModelChoiceField(LegalForm.objects.all(), required=False)
    status = forms.ChoiceField(choices=[("", "any")] + list(Entity.Status.choices), required=False)
    verification = forms.ChoiceField(choices=[("", "any")] + list(Entity.Verification.choices), required=False)
    outcome = forms.ChoiceField(
        choices=[("", "any")]
        + [
            ("qualifies", "Qualifies"),
            ("does_not_qualify", "Does not qualify"),
            ("undetermined", "Undetermined"),
        ],  # fmt: skip
        required=False,
        label="Classification (adopted definition)",
    )

    def filter(self, queryset, one_country=False):
        """Apply the valid filters through the named queryset methods.

        `one_country`: the queryset already holds a single country's entities
        (a researcher's own registry), which suits a search the way a country
        filter does (EntityQuerySet.search_ordered).
        """
        data = self.cleaned_data
        if data.get("country"):
            queryset = queryset.in_country_by_number(data["country"])
        if data.get("area"):
            queryset = queryset.in_area(data["area"])
        if data.get("family"):
            queryset = queryset.of_family(data["family"])
        if data.get("legal_form"):
            queryset = queryset.of_legal_form(data["legal_form"])
        if data.get("status"):
            queryset = queryset.with_status(data["status"])
        if data.get("verification"):
            queryset = queryset.with_verification(data["verification"])
        if data.get("outcome"):
            queryset = queryset.with_outcome(data["outcome"])
        if data.get("q"):
            return queryset.search_ordered(data["q"], within_one_country=one_country or bool(data.get("country")))
        return queryset.by_number()


class DefinitionForm(forms.ModelForm):
    class Meta:
        model = WorkingDefinition
        fields = ["title", "text"]


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    adopted_by = forms.CharField(max_length=300, initial="National advisory committee")
