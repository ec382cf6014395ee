"""Forms of the COOP unit's pages. Each calls the domain module that owns the rule; errors name their field."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .assessments import check_assessed_on, record_assessment
from .models import Confidence, Instrument, Provision, Rating, ReformProcess, Stage
from .reform import check_stage_date, record_stage, save_process


class AssessmentForm(forms.Form):
    """Rate one instrument against one R193 provision."""

    provision = forms.CharField(label=_("Provision"), max_length=12, help_text=_("R193 checklist key, e.g. P6a."))
    rating = forms.ChoiceField(
        label=_("Rating"),
        choices=Rating.choices,
        error_messages={"invalid_choice": _("'%(value)s' is not on the rating scale (see the scale on this page).")},
    )
    evidence = forms.CharField(
        label=_("Evidence (articles cited)"), max_length=500, required=False, help_text=_("e.g. Art. 4, Art. 7(2)")
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    assessed_on = forms.DateField(
        label=_("Assessed on"), initial=datetime.date.today, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_provision(self):
        key = self.cleaned_data["provision"].strip()
        if not Provision.objects.filter(key=key).exists():
            raise ValidationError(
                gettext("'%(key)s' is not a provision of the R193 checklist (keys such as P1, P6a, P13).")
                % {"key": key}
            )
        return key

    def clean_assessed_on(self):
        assessed_on = self.cleaned_data["assessed_on"]
        try:
            check_assessed_on(assessed_on)
        except ValidationError as error:
            raise ValidationError(error.message_dict["assessed_on"]) from None
        return assessed_on

    def save(self, instrument, assessor):
        """Record the assessment through legislation.assessments; returns it, or None with errors on the form."""
        data = self.cleaned_data
        try:
            return record_assessment(
                instrument,
                data["provision"],
                data["rating"],
                evidence=data["evidence"],
                note=data["note"],
                assessor=assessor,
                assessed_on=data["assessed_on"],
            )
        except ValidationError as error:
            self.add_error(None, error)
            return None


class ReformProcessForm(forms.ModelForm):
    """Start following a reform process of one country."""

    class Meta:
        model = ReformProcess
        fields = ["title", "targets", "started_on", "note"]
        widgets = {"started_on": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 3})}
        # The model's field names and help texts are English; the form shows them in the reader's language.
        labels = {
            "title": _("Title"),
            "targets": _("Instruments being reformed"),
            "started_on": _("Started on"),
            "note": _("Note"),
        }
        help_texts = {
            "targets": _("Instruments being reformed or drafted."),
            "started_on": _("Empty when unknown."),
        }

    def __init__(self, *args, country, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.instance.country = country
        self.fields["targets"].queryset = Instrument.objects.in_country(country)
        self.fields["targets"].required = False

    def save(self, commit=True):
        # The start date is checked against the process's stages by ReformProcess.clean (run by is_valid).
        return save_process(self.instance, self.cleaned_data["targets"])


class StageEventForm(forms.Form):
    """Record that a reform process reached a stage."""

    stage = forms.ChoiceField(
        label=pgettext_lazy("reform", "Stage"),
        choices=Stage.choices,
        error_messages={"invalid_choice": _("'%(value)s' is not a reform stage.")},
    )
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    date_confidence = forms.ChoiceField(
        label=_("Confidence of the date"), choices=Confidence.choices, initial=Confidence.HIGH
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    document_title = forms.CharField(label=_("Document title"), max_length=300, required=False)
    document_url = forms.URLField(label=_("Document link"), max_length=500, required=False, assume_scheme="https")

    def __init__(self, *args, process, **kwargs):
        super().__init__(*args, **kwargs)
        self.process = process

    def clean(self):
        data = super().clean()
        if data.get("occurred_on"):
            try:
                check_stage_date(self.process, data["occurred_on"])
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def save(self, user):
        data = self.cleaned_data
        try:
            return record_stage(
                self.process,
                data["stage"],
                data["occurred_on"],
                note=data["note"],
                document_title=data["document_title"],
                document_url=data["document_url"],
                user=user,
                date_confidence=data["date_confidence"],
            )
        except ValidationError as error:
            self.add_error(None, error)
            return None
