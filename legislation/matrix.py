"""The dashboard matrix: the five countries x the R193 provisions, rating of each country's cooperative law in force."""

from dataclasses import dataclass

from registry.models import Country

from .models import Assessment, Instrument, Provision
from .summary import summaries_for


@dataclass
class CountryColumn:
    country: Country
    instrument: Instrument | None
    summary: object | None


@dataclass
class MatrixRow:
    provision: Provision
    cells: list  # one Assessment or None per column


@dataclass
class Matrix:
    columns: list
    rows: list

    @property
    def has_demo(self):
        return any(cell is not None and cell.is_demo for row in self.rows for cell in row.cells)


def instruments_in_force_by_country():
    """{iso3: Instrument} of the instrument the dashboard rates (Instrument.objects.rated_in_dashboard)."""
    chosen = {}
    for instrument in Instrument.objects.rated_in_dashboard():
        chosen.setdefault(instrument.country_id, instrument)
    return chosen


def build_matrix():
    """Columns per country (in name order) and one row per provision; four queries whatever the data."""
    countries = list(Country.objects.order_by("name"))
    chosen = instruments_in_force_by_country()
    instruments = [chosen[c.iso3] for c in countries if c.iso3 in chosen]
    summaries = summaries_for(instruments)
    columns = [
        CountryColumn(
            country,
            chosen.get(country.iso3),
            summaries.get(chosen[country.iso3].pk) if country.iso3 in chosen else None,
        )
        for country in countries
    ]
    assessments = {
        (assessment.instrument_id, assessment.provision_id): assessment
        for assessment in Assessment.objects.filter(instrument__in=instruments)
    }
    rows = [
        MatrixRow(
            provision,
            [
                assessments.get((column.instrument.pk, provision.pk)) if column.instrument else None
                for column in columns
            ],
        )
        for provision in Provision.objects.all()
    ]
    return Matrix(columns, rows)


def grid_for(instrument):
    """(provision, assessment or None) for every provision: the assessment grid of one instrument."""
    assessments = {
        assessment.provision_id: assessment
        for assessment in Assessment.objects.filter(instrument=instrument).select_related("assessor")
    }
    return [(provision, assessments.get(provision.pk)) for provision in Provision.objects.all()]
