"""The instrument page counts registry entities per legal form; demo ratings are marked and never replace real ones."""

from legislation.demo import generate_demo_assessments
from legislation.models import Assessment, Instrument
from registry.models import LegalForm
from tests.factories import EntityFactory

from .factories import rate


def test_instrument_page_counts_registry_entities_holding_each_legal_form_it_creates(client):
    cooperative = LegalForm.objects.get(country_id="VNM", code="cooperative")
    group = LegalForm.objects.get(country_id="VNM", code="cooperative_group")
    before = {form.code: form.entities.count() for form in (cooperative, group)}
    for _ in range(3):
        EntityFactory(legal_form=cooperative, family=cooperative.family)
    EntityFactory(legal_form=group, family=group.family)
    page = client.get("/legislation/instruments/vnm-coop-2023/").content.decode()
    for form, added in ((cooperative, 3), (group, 1)):
        row = page[page.index(f'data-legal-form="{form.code}"') :]
        row = row[: row.index("</tr>")]
        assert f'<td class="num entity-count">{before[form.code] + added}</td>' in row


def test_demo_ratings_are_marked_demo_and_leave_real_ratings_alone(client_as, committee):
    law = Instrument.objects.get(code="vnm-coop-2023")
    rate(law, {"P6a": "aligned"})
    created = generate_demo_assessments()
    assert created == 6 * 25 - 1
    assert Assessment.objects.get(instrument=law, provision__key="P6a").is_demo is False
    assert Assessment.objects.filter(is_demo=True).count() == created
    assert generate_demo_assessments() == 0
    page = client_as(committee).get("/legislation/").content.decode()
    assert "Ratings marked demo are synthetic" in page
    grid = client_as(committee).get("/legislation/instruments/vnm-coop-2023/assessments.csv")
    assert "(demo)" in grid.content.decode("utf-8-sig")
