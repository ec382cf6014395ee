"""Summary arithmetic: counts per rating and the share aligned of applicable provisions."""

from legislation.models import Instrument
from legislation.summary import summary_for

from .factories import InstrumentFactory, rate

RATINGS = {
    "P1": "aligned",
    "P2": "aligned",
    "P3a": "aligned",
    "P3b": "partly_aligned",
    "P4": "not_aligned",
    "P5": "not_applicable",
    "P6a": "not_applicable",
    "P6b": "not_addressed",
}


def test_share_aligned_leaves_out_not_applicable_and_unrated_provisions():
    instrument = InstrumentFactory()
    rate(instrument, RATINGS)
    summary = summary_for(instrument)
    assert summary.counts == {
        "aligned": 3,
        "partly_aligned": 1,
        "not_aligned": 1,
        "not_applicable": 2,
        "not_addressed": 1,
    }
    assert summary.rated == 8 and summary.unrated == 17
    assert summary.applicable == 6
    assert summary.share_aligned == 0.5 and summary.share_aligned_percent == 50


def test_share_aligned_is_not_a_number_when_nothing_applicable_is_rated():
    instrument = InstrumentFactory()
    rate(instrument, {"P1": "not_applicable"})
    summary = summary_for(instrument)
    assert summary.applicable == 0 and summary.share_aligned is None


def test_dashboard_shows_each_countrys_counts_and_share(client_as, committee):
    kyrgyz_law = Instrument.objects.get(code="kgz-coop-2004")
    rate(kyrgyz_law, RATINGS)
    page = client_as(committee).get("/legislation/").content.decode()
    row = page[page.index('data-country="KGZ"') :]
    row = row[: row.index("</tr>")]
    assert "50%" in row and "(3 of 6)" in row
    assert "Law &quot;On Cooperatives&quot;" in page or 'Law "On Cooperatives"' in page


def test_dashboard_rates_each_countrys_cooperative_law_in_force():
    from legislation.matrix import instruments_in_force_by_country

    chosen = {iso3: instrument.code for iso3, instrument in instruments_in_force_by_country().items()}
    assert chosen == {
        "VNM": "vnm-coop-2023",
        "THA": "tha-coop-1999",
        "KHM": "khm-ag-coop-2013",
        "MNG": "mng-coop-2021",
        "KGZ": "kgz-coop-2004",
    }
