"""Forms of the researchers' pages. They parse input; registry.services validates and saves."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.gis.gdal import GDALException
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from .digits import ascii_digits
from .models import (
    ISIC_SECTIONS,
    AdminArea,
    Classification,
    Country,
    Entity,
    EntityFamily,
    LegalForm,
    WorkingDefinition,
)
from .permissions import editable_countries, readable_countries
from .services import EDITABLE_FIELDS
from .signin import SignInCounter, minutes_until


class LocalDigitsDateField(forms.DateField):
    """A date typed in Thai or Khmer digits (๒๐๐๒-๐๓-๑๕) reads as one in 0-9; Django's own does not."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value.strip()) if isinstance(value, str) else value)


class LegalFormChoiceField(forms.ModelChoiceField):
    """Legal forms named for the reader (the law's own term in its language) with their country."""

    def label_from_instance(self, legal_form):
        return f"{legal_form.display_name} ({legal_form.country_id})"


class PointPickerWidget(LeafletWidget):
    """django-leaflet's point picker, showing an empty map when the submitted GeoJSON cannot be read.

    Django's geometry widget catches GEOS errors when it re-reads a refused value, but not GDAL's, which
    GeoJSON such as {"type": "Point"} raises: the page that should name the error was a 500 instead.
    """

    def deserialize(self, value):
        try:
            return super().deserialize(value)
        except GDALException:
            return None


# The form's words for the entity's fields, in the reader's language (the model keeps English names for
# the admin, the API and the exports).
ENTITY_FIELD_LABELS = {
    "country": _("Country"),
    "name": _("Name"),
    "name_local": _("Name in the local script"),
    "name_romanized": _("Name romanized"),
    "family": _("Family"),
    "legal_form": _("Legal form"),
    "registration_number": _("Registration number"),
    "registering_authority": _("Registering authority"),
    "registration_date": _("Registration date"),
    "founded_year": _("Year founded"),
    "status": _("Status"),
    "members_total": _("Members"),
    "members_women": _("Women members"),
    "members_men": _("Men members"),
    "workers_total": _("Workers"),
    "workers_women": _("Women workers"),
    "sectors": _("Sectors (ISIC)"),
    "point": _("Location"),
    "location_precision": _("Location precision"),
    "address": _("Address"),
    "contact_name": _("Contact person"),
    "contact_phone": _("Contact phone"),
    "contact_email": _("Contact email"),
    "source": _("Source"),
    "source_reference": _("Source reference"),
    "external_id": _("External id"),
    "verification": _("Verification"),
}
ENTITY_FIELD_HELP = {
    "name": _("As registered, in the script it was registered in."),
    "legal_form": _("The form the country's law gives it, if any; it must be one of the entity's country."),
    "registration_date": _("YYYY-MM-DD"),
    "sectors": _("Every ISIC section the entity works in."),
    "contact_name": _("Personal data: shown only to those who read this country's registry, never published."),
    "external_id": _("Its identifier in the source, e.g. a KoboToolbox _uuid: a later import updates it."),
}


# The latitude and longitude boxes' examples: each country's capital, so that a researcher sees figures of
# the size their own country's points have (a Mongolian latitude near 48, not Ha Noi's 21).
EXAMPLE_POINTS = {
    "KHM": (11.556400, 104.928200),
    "KGZ": (42.874600, 74.569800),
    "MNG": (47.886400, 106.905700),
    "THA": (13.756300, 100.501800),
    "VNM": (21.028500, 105.854200),
}


class EntityForm(forms.ModelForm):
    """The entity form: a Leaflet point picker and a hidden version for optimistic locking."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_not_duplicate = forms.BooleanField(
        required=False, label=_("I checked the entities listed above: this is a different entity. Save it anyway.")
    )
    sectors = forms.MultipleChoiceField(
        choices=[(code, format_lazy("{} · {}", code, title)) for code, title in ISIC_SECTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "sector-choices"}),
        label=ENTITY_FIELD_LABELS["sectors"],  # a declared field: Meta's labels and help texts do not reach it
        help_text=ENTITY_FIELD_HELP["sectors"],
    )

    class Meta:
        model = Entity
        fields = list(EDITABLE_FIELDS)
        # The map's GeoJSON text stays hidden: the latitude and longitude boxes beside it
        # (static/js/point-coordinates.js) are how a researcher types a point.
        widgets = {
            "point": PointPickerWidget(attrs={"map_height": "360px"}),
            "address": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"legal_form": LegalFormChoiceField, "registration_date": LocalDigitsDateField}
        labels = ENTITY_FIELD_LABELS
        help_texts = ENTITY_FIELD_HELP

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(iso3__in=editable_countries(user))
        countries = list(self.fields["country"].queryset.values_list("pk", flat=True))
        if len(countries) == 1 and self.instance._state.adding:
            self.fields["country"].initial = countries[0]  # a researcher of one country need not choose it
        self.fields["legal_form"].queryset = LegalForm.objects.filter(country__in=self.fields["country"].queryset)
        self.fields["family"].queryset = EntityFamily.objects.all()
        # Words instead of Django's "---------": what the empty choice means for each field.
        self.fields["country"].empty_label = _("Choose the country")
        self.fields["family"].empty_label = _("Choose the family")
        self.fields["legal_form"].empty_label = _("None, or not known")
        if not self.instance._state.adding:  # an unsaved entity has its UUID already: pk tells nothing
            self.fields["version"].initial = self.instance.version
        self.example_points = {iso3: EXAMPLE_POINTS[iso3] for iso3 in countries if iso3 in EXAMPLE_POINTS}

    # The form's fields in the groups a researcher fills them in, copying from a survey sheet or a
    # government list. Each group is a fieldset; "counts" lays its number boxes side by side.
    SECTIONS = (
        ("identity", _("Name and kind"), ("country", "name", "name_local", "name_romanized", "family", "legal_form")),
        (
            "registration",
            _("Registration"),
            ("registration_number", "registering_authority", "registration_date", "founded_year", "status"),
        ),
        (
            "counts",
            _("Members and workers"),
            ("members_total", "members_women", "members_men", "workers_total", "workers_women"),
        ),
        ("activity", _("Economic activity"), ("sectors",)),
        ("contact", _("Address and contact"), ("address", "contact_name", "contact_phone", "contact_email")),
        ("source", _("Source and verification"), ("source", "source_reference", "external_id", "verification")),
    )
    # Shown beside the map, with the point they qualify.
    LOCATION_FIELDS = ("location_precision",)
    NOT_IN_SECTIONS = ("point", "version", "confirm_not_duplicate")

    def sections(self):
        """[(css class, legend, [bound fields])]; a field no group names comes last, under "Other", so that
        a field added to the model is never left out of the form."""
        named = {name for _key, _legend, names in self.SECTIONS for name in names}
        named.update(self.LOCATION_FIELDS, self.NOT_IN_SECTIONS)
        groups = [
            (key, legend, [self[name] for name in names if name in self.fields]) for key, legend, names in self.SECTIONS
        ]
        others = [self[name] for name in self.fields if name not in named]
        if others:
            groups.append(("other", _("Other"), others))
        return [group for group in groups if group[2]]

    def location_fields(self):
        return [self[name] for name in self.LOCATION_FIELDS if name in self.fields]

    def example_point(self):
        """The capital of the chosen country (else of the first country offered): the boxes' placeholders."""
        chosen = self["country"].value()
        fallback = next(iter(self.example_points.values()), EXAMPLE_POINTS["VNM"])
        return self.example_points.get(chosen, fallback)

    def _post_clean(self):
        # Model validation, the point check and the derived area are the entity
        # service's job (one rule for form, admin and API); the form only parses.
        pass

    def service_data(self):
        return {field: self.cleaned_data[field] for field in EDITABLE_FIELDS if field in self.cleaned_data}


class EntityFilterForm(forms.Form):
    """The registry list's search box and filters (all optional)."""

    q = forms.CharField(required=False, label=_("Search names (any script) or registry number"))
    country = forms.ModelChoiceField(
        Country.objects.all(), required=False, to_field_name="iso3", label=_("Country"), empty_label=_("any")
    )
    area = forms.IntegerField(required=False, widget=forms.HiddenInput, label=_("Area"))
    family = forms.ModelChoiceField(
        EntityFamily.objects.all(), required=False, to_field_name="code", label=_("Family"), empty_label=_("any")
    )
    legal_form = LegalFormChoiceField(
        LegalForm.objects.all(), required=False, label=_("Legal form"), empty_label=_("any")
    )
    status = forms.ChoiceField(choices=[("", _("any")), *Entity.Status.choices], required=False, label=_("Status"))
    verification = forms.ChoiceField(
        choices=[("", _("any")), *Entity.Verification.choices], required=False, label=_("Verification")
    )
    outcome = forms.ChoiceField(
        choices=[("", _("any")), *Classification.Outcome.choices],
        required=False,
        label=_("Classification (adopted definition)"),
    )

    def __init__(self, *args, user=None, **kwargs):
        """With `user`, the countries and legal forms offered are those whose records the user may read:
        choosing another country would only list none of its entities, as if it had none."""
        super().__init__(*args, **kwargs)
        if user is not None:
            readable = readable_countries(user)
            self.fields["country"].queryset = Country.objects.filter(iso3__in=readable)
            self.fields["legal_form"].queryset = LegalForm.objects.filter(country__in=readable)

    def clean_area(self):
        area = self.cleaned_data.get("area")
        if area is not None and not AdminArea.objects.filter(pk=area).exists():
            raise ValidationError(_("No area has the number %(value)s."), params={"value": area})
        return area

    def refused(self):
        """[(label, messages)] of the filters refused: the list leaves them out and applies the others."""
        return [(self.fields[name].label, errors) for name, errors in self.errors.items() if name in self.fields]

    def filter(self, queryset, one_country=False):
        """Apply the valid filters through the named queryset methods (after is_valid(): a refused
        filter is left out, the others still apply).

        `one_country`: the queryset already holds a single country's entities
        (a researcher's own registry), which suits a search the way a country
        filter does (EntityQuerySet.search_ordered).
        """
        data = self.cleaned_data
        if data.get("country"):
            queryset = queryset.in_country_by_number(data["country"])
        if data.get("area"):
            # An area by its id (the country page links to its areas' lists); in_area() takes the area itself.
            area = AdminArea.objects.defer("geom").filter(pk=data["area"]).first()
            queryset = queryset.in_area(area) if area is not None else queryset.none()
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
        labels = {"title": _("Title"), "text": _("Text")}


class AdoptionForm(forms.Form):
    adopted_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Adopted on"))
    adopted_by = forms.CharField(max_length=300, initial="National advisory committee", label=_("Adopted by"))


class SignInForm(AuthenticationForm):
    """Django's sign-in form, saying so when a user name is refused for too many failed sign-ins
    (registry.signin) instead of calling the right password wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "too_many_failures": _("Too many failed sign-ins with this user name: wait %(minutes)s min and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and self.request is not None:
            until = SignInCounter(self.request, username).locked_until()
            if until is not None:
                raise ValidationError(
                    self.error_messages["too_many_failures"],
                    code="too_many_failures",
                    params={"minutes": minutes_until(until)},
                )
        return super().clean()
