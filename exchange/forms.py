"""Forms of the data exchange pages: upload, column mapping, export."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Country, Entity

from .columns import FIELD_CHOICES, FIELDS_BY_NAME
from .exporting import FORMATS


class UploadForm(forms.Form):
    country = forms.ModelChoiceField(queryset=Country.objects.none(), empty_label=None, label=_("Country"))
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (comma, semicolon or tab), XLSX, GeoJSON, GeoPackage or a zipped Shapefile")
    )
    source = forms.ChoiceField(choices=Entity.Source.choices, initial=Entity.Source.SURVEY, label=_("Source"))
    description = forms.CharField(
        max_length=300, required=False, label=_("Description"), help_text=_("Where the file comes from")
    )
    encoding = forms.CharField(
        max_length=30, required=False, label=_("Encoding"), help_text=_("Leave empty to detect it")
    )
    duplicate_distance_m = forms.IntegerField(
        min_value=0, max_value=50000, initial=500, label=_("Possible duplicates within (metres)")
    )

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(pk__in=countries).order_by("name")


class MappingForm(forms.Form):
    """One choice per column of the file: which field it fills (or none)."""

    dry_run = forms.BooleanField(required=False, label=_("Dry run: check and report, write nothing"))

    def __init__(self, *args, columns, mapping, **kwargs):
        super().__init__(*args, **kwargs)
        by_column = {column: field for field, column in mapping.items()}
        choices = [("", _("— not imported —")), *FIELD_CHOICES]
        self.columns = columns
        for position, column in enumerate(columns):
            self.fields[f"column_{position}"] = forms.ChoiceField(
                choices=choices, required=False, label=column, initial=by_column.get(column, "")
            )

    def clean(self):
        cleaned = super().clean()
        seen = {}
        for position, column in enumerate(self.columns):
            field = cleaned.get(f"column_{position}")
            if field:
                if field in seen:
                    raise forms.ValidationError(
                        _("The field “%(field)s” is chosen for two columns: “%(first)s” and “%(second)s”."),
                        code="field_chosen_twice",
                        # The field by the name the drop-down shows, in the reader's language.
                        params={"field": FIELDS_BY_NAME[field].label, "first": seen[field], "second": column},
                    )
                seen[field] = column
        return cleaned

    def overrides(self, auto):
        """Field -> column for every choice, and '' for automatic guesses the user removed."""
        chosen = {}
        for position, column in enumerate(self.columns):
            field = self.cleaned_data.get(f"column_{position}")
            if field:
                chosen[field] = column
        for field in auto:
            chosen.setdefault(field, "")
        return chosen


# The formats as people know them; the codes (exporting.FORMATS) are what URLs and scripts use.
FORMAT_LABELS = {
    "csv": _("CSV (spreadsheets, UTF-8)"),
    "xlsx": _("Excel workbook (XLSX)"),
    "geojson": _("GeoJSON (web maps)"),
    "gpkg": _("GeoPackage (QGIS, ArcGIS)"),
    "shapefile": _("Shapefile (zip)"),
    "essglobal": _("ESSGlobal CSV (solidarity economy directories)"),
    "murmurations": _("Murmurations profiles (JSON)"),
}


class ExportForm(forms.Form):
    country = forms.ModelChoiceField(
        queryset=Country.objects.none(), required=False, empty_label=_("All my countries"), label=_("Country")
    )
    format = forms.ChoiceField(
        choices=[(key, FORMAT_LABELS.get(key, key)) for key in FORMATS],
        label=_("Format"),
        # The dBase file under a Shapefile holds at most 254 bytes of text per field: GDAL cuts the rest.
        help_text=_(
            "A Shapefile keeps at most 254 bytes of each text, about 85 letters of Khmer or Thai: "
            "longer names and addresses are cut short. GeoPackage keeps every character."
        ),
    )

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(pk__in=countries).order_by("name")
