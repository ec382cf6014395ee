"""Forms of the data exchange pages: upload, column mapping, export."""

from django import forms

from registry.models import Country, Entity

from .columns import FIELD_CHOICES
from .exporting import FORMATS


class UploadForm(forms.Form):
    country = forms.ModelChoiceField(queryset=Country.objects.none(), empty_label=None)
    file = forms.FileField(help_text="CSV (comma, semicolon or tab), XLSX, GeoJSON, GeoPackage or a zipped Shapefile")
    source = forms.ChoiceField(choices=Entity.Source.choices, initial=Entity.Source.SURVEY)
    description = forms.CharField(max_length=300, required=False, help_text="Where the file comes from")
    encoding = forms.CharField(max_length=30, required=False, help_text="Leave empty to detect it")
    duplicate_distance_m = forms.IntegerField(
        min_value=0, max_value=50000, initial=500, label="Possible duplicates within (metres)"
    )

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(pk__in=countries).order_by("name")


class MappingForm(forms.Form):
    """One choice per column of the file: which field it fills (or none)."""

    dry_run = forms.BooleanField(required=False, label="Dry run: check and report, write nothing")

    def __init__(self, *args, columns, mapping, **kwargs):
        super().__init__(*args, **kwargs)
        by_column = {column: field for field, column in mapping.items()}
        choices = [("", "— not imported —"), *FIELD_CHOICES]
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
                        f"The field '{field}' is chosen for two columns: {seen[field]!r} and {column!r}."
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


class ExportForm(forms.Form):
    country = forms.ModelChoiceField(queryset=Country.objects.none(), required=False, empty_label="All my countries")
    format = forms.ChoiceField(choices=[(key, key) for key in FORMATS])

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = Country.objects.filter(pk__in=countries).order_by("name")
