"""Comparing two instruments provision by provision: improved, regressed, unchanged, not comparable."""

import pytest

from legislation.comparison import Change, change_between, compare
from legislation.models import Instrument

from .factories import rate


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        ("not_addressed", "aligned", Change.IMPROVED),
        ("not_aligned", "not_addressed", Change.IMPROVED),
        ("aligned", "partly_aligned", Change.REGRESSED),
        ("partly_aligned", "partly_aligned", Change.UNCHANGED),
        ("not_applicable", "aligned", Change.NOT_COMPARABLE),
        ("not_applicable", "not_applicable", Change.NOT_COMPARABLE),
        ("aligned", "not_applicable", Change.NOT_COMPARABLE),
        (None, "aligned", Change.NOT_COMPARABLE),
    ],
)
def test_change_between_two_ratings(before, after, change):
    assert change_between(before, after) == change


def test_viet_nam_2012_against_2023_shows_what_improved_and_regressed(client_as, committee):
    old = Instrument.objects.get(code="vnm-coop-2012")
    new = Instrument.objects.get(code="vnm-coop-2023")
    rate(old, {"P6a": "partly_aligned", "P7_3": "aligned", "P2": "aligned"})
    rate(new, {"P6a": "aligned", "P7_3": "not_addressed", "P2": "aligned"})
    result = compare(old, new)
    changes = {row.provision.key: row.change for row in result.rows}
    assert changes["P6a"] == Change.IMPROVED
    assert changes["P7_3"] == Change.REGRESSED
    assert changes["P2"] == Change.UNCHANGED
    assert result.count(Change.NOT_COMPARABLE) == 22

    page = client_as(committee).get("/legislation/compare/?before=vnm-coop-2012&after=vnm-coop-2023").content.decode()
    assert 'data-provision="P6a" data-change="improved"' in page
    assert 'data-provision="P7_3" data-change="regressed"' in page
    assert "Improved: <strong>1</strong>" in page


def test_comparing_an_unknown_instrument_says_which(client_as, committee):
    response = client_as(committee).get("/legislation/compare/?before=vnm-coop-2012&after=nope")
    assert response.status_code == 400
    assert "No instrument with the code &#x27;nope&#x27;" in response.content.decode()


def test_a_provision_not_applicable_to_both_laws_is_counted_not_comparable_as_the_page_says(client_as, committee):
    old = Instrument.objects.get(code="vnm-coop-2012")
    new = Instrument.objects.get(code="vnm-coop-2023")
    rate(old, {"P12": "not_applicable", "P2": "aligned"})
    rate(new, {"P12": "not_applicable", "P2": "aligned"})
    page = client_as(committee).get("/legislation/compare/?before=vnm-coop-2012&after=vnm-coop-2023").content.decode()
    assert "not comparable when either side is not rated or not applicable" in page
    assert 'data-provision="P12" data-change="not_comparable"' in page
    assert "Unchanged: <strong>1</strong>" in page  # P2 only


def test_the_grid_compares_with_the_older_instrument_as_before_whichever_page_it_is_on(client_as, committee):
    """From the 2012 law's grid, "compare with" the 2023 law put 2023 first: every improvement read as a regression."""
    client = client_as(committee)
    old_grid = client.get("/legislation/instruments/vnm-coop-2012/assessments/").content.decode()
    new_grid = client.get("/legislation/instruments/vnm-coop-2023/assessments/").content.decode()
    link = "/legislation/compare/?before=vnm-coop-2012&amp;after=vnm-coop-2023"
    assert link in old_grid and link in new_grid
    assert "?before=vnm-coop-2023&amp;after=vnm-coop-2012" not in old_grid
