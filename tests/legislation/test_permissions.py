"""Only the COOP unit (and administrators) change assessments and reform stages; others read per legislation.access."""

import pytest

from legislation.models import Assessment, ReformProcess, StageEvent
from registry.models import CountryRole
from tests.factories import UserFactory, user_with_role

GRID_EDIT = "/legislation/instruments/vnm-coop-2023/assessments/edit/"
RATING = {"provision": "P6a", "rating": "aligned", "evidence": "Art. 23", "note": "", "assessed_on": "2025-01-15"}
STAGE = {"stage": "drafting", "occurred_on": "2025-02-01", "date_confidence": "H"}


def stage_url():
    return f"/legislation/processes/{ReformProcess.objects.get(country_id='VNM').pk}/stages/"


def test_anonymous_user_is_sent_to_log_in_and_nothing_is_saved(client):
    response = client.post(GRID_EDIT, RATING)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(stage_url(), STAGE).status_code == 302
    assert not Assessment.objects.exists()
    assert not StageEvent.objects.filter(stage="drafting").exists()


@pytest.mark.parametrize("role", ["committee", "researcher"])
def test_committee_members_and_researchers_may_not_change_legislation(client_as, role, request):
    client = client_as(request.getfixturevalue(role))
    assert client.post(GRID_EDIT, RATING).status_code == 403
    assert client.get(GRID_EDIT + "?provision=P6a").status_code == 403
    assert client.post(stage_url(), STAGE).status_code == 403
    assert client.post("/legislation/countries/KGZ/processes/", {"title": "New law"}).status_code == 403
    assert not Assessment.objects.exists()
    assert not StageEvent.objects.filter(stage="drafting").exists()
    assert not ReformProcess.objects.filter(country_id="KGZ").exists()


def test_coop_unit_rates_a_provision_and_records_a_stage(client_as, coop):
    client = client_as(coop)
    response = client.post(GRID_EDIT, RATING)
    assert response.status_code == 302
    assessment = Assessment.objects.get(instrument__code="vnm-coop-2023", provision__key="P6a")
    assert (assessment.rating, assessment.evidence, assessment.assessor) == ("aligned", "Art. 23", coop)
    assert client.post(stage_url(), STAGE).status_code == 302
    assert StageEvent.objects.filter(stage="drafting", recorded_by=coop).exists()
    grid = client.get("/legislation/instruments/vnm-coop-2023/assessments/").content.decode()
    assert "Art. 23" in grid and "?provision=P6a" in grid


def test_administrator_may_change_legislation(client_as):
    admin = user_with_role(CountryRole.Role.ADMINISTRATOR)
    assert client_as(admin).post(GRID_EDIT, RATING).status_code == 302


def test_readers_see_ratings_without_edit_links(client_as, committee):
    page = client_as(committee).get("/legislation/instruments/vnm-coop-2023/assessments/")
    assert page.status_code == 200
    assert "?provision=" not in page.content.decode()


def test_laws_and_timelines_are_public_but_ratings_need_a_log_in(client):
    assert client.get("/legislation/instruments/").status_code == 200
    assert client.get("/legislation/instruments/vnm-coop-2023/").status_code == 200
    assert client.get("/legislation/countries/VNM/").status_code == 200
    dashboard = client.get("/legislation/")
    assert dashboard.status_code == 200 and "Countries × R193 provisions" not in dashboard.content.decode()
    for url in [
        "/legislation/instruments/vnm-coop-2023/assessments/",
        "/legislation/matrix.csv",
        "/legislation/countries/VNM/brief.pdf",
        "/legislation/compare/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_a_user_without_any_role_gets_403_on_ratings(client_as):
    from tests.factories import UserFactory

    client = client_as(UserFactory(username="nobody"))
    assert client.get("/legislation/instruments/vnm-coop-2023/assessments/").status_code == 403


def test_staff_without_a_role_cannot_read_assessments_in_the_admin_either(client):
    """The pages refuse ratings to users without a role (legislation.access); the admin says the same."""
    client.force_login(UserFactory(username="staff-no-role", is_staff=True))
    for url in ["/admin/legislation/assessment/", "/admin/legislation/instrument/", "/legislation/compare/"]:
        assert client.get(url).status_code == 403, url
