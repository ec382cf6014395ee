"""The entity service: the one write path of the form, the admin and the API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry.models import AdminArea, Entity
from registry.services import StaleEntityError, create_entity, update_entity
from tests.conftest import AFTER_VN_REORGANIZATION
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

HANOI = "SRID=4326;POINT(105.8542 21.0285)"
PHNOM_PENH = "SRID=4326;POINT(104.9282 11.5564)"


@pytest.fixture
def researcher_vnm():
    return user_with_role("researcher", "VNM")


def vnm_data(**extra):
    return {
        "country": "VNM",
        "name": "Hợp tác xã Nông nghiệp Hội An",
        "legal_form": "cooperative",
        "point": HANOI,
        "members_total": 30,
        "members_women": 18,
        "members_men": 12,
        **extra,
    }


def test_create_numbers_places_and_records_who_created(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    assert entity.registry_number.startswith("VNM-")
    assert entity.version == 1
    assert entity.family.code == "cooperative"  # taken from the legal form
    assert entity.admin_area.name_local in ("Hà Nội", "Thành phố Hà Nội") or "Ha" in entity.admin_area.name
    record = entity.history.get()
    assert record.history_type == "+" and record.history_user == researcher_vnm


def test_derived_area_is_the_one_in_force_today(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    expected = AdminArea.objects.locate(entity.point, country=entity.country, on=datetime.date.today()).place
    assert entity.admin_area == expected
    assert datetime.date.today() >= AFTER_VN_REORGANIZATION
    assert entity.admin_area.valid_from == AFTER_VN_REORGANIZATION


def test_researcher_of_another_country_may_not_create(researcher_vnm):
    with pytest.raises(PermissionDenied):
        create_entity(user_with_role("researcher", "KHM"), vnm_data())
    with pytest.raises(PermissionDenied):
        create_entity(user_with_role("committee", "VNM"), vnm_data())
    assert not Entity.objects.exists()


def test_point_outside_the_country_is_refused_naming_country_and_distance(researcher_vnm):
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(point=PHNOM_PENH))
    message = error.value.message_dict["point"][0]
    assert "km outside Viet Nam" in message
    assert "Cambodia" in message
    assert not Entity.objects.exists()


def test_swapped_coordinates_are_refused_with_the_suggestion(researcher_vnm):
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(point="SRID=4326;POINT(21.0285 105.8542)"))
    assert "swapped" in error.value.message_dict["point"][0]


def test_bad_values_are_reported_per_field(researcher_vnm):
    with pytest.raises(ValidationError) as error:
        create_entity(
            researcher_vnm,
            vnm_data(members_women=25, legal_form="community_enterprise", founded_year="nineteen", status="zzz"),
        )
    errors = error.value.message_dict
    assert "community_enterprise" in errors["legal_form"][0]
    assert "founded_year" in errors
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(members_women=25))
    assert "more than the total (30)" in error.value.message_dict["members_total"][0]
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(status="zzz"))
    assert "status" in error.value.message_dict


def test_update_bumps_version_and_writes_history_with_the_user(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    other = user_with_role("researcher", "VNM", username="second-researcher")
    update_entity(other, entity, {"members_total": 40}, expected_version=1)
    entity.refresh_from_db()
    assert entity.version == 2 and entity.members_total == 40
    latest = entity.history.first()
    assert latest.history_type == "~" and latest.history_user == other
    assert latest.diff_against(latest.prev_record).changed_fields == ["members_total"]
    assert latest.version == 2


def test_second_save_from_a_stale_version_is_refused_and_nothing_is_lost(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    first_view = Entity.objects.get(pk=entity.pk)
    second_view = Entity.objects.get(pk=entity.pk)
    update_entity(researcher_vnm, first_view, {"name": "Name from the first editor"}, expected_version=1)
    with pytest.raises(StaleEntityError) as error:
        update_entity(researcher_vnm, second_view, {"name": "Name from the second editor"}, expected_version=1)
    assert error.value.current_version == 2
    assert error.value.data == {"name": "Name from the second editor"}
    assert "NOT saved" in str(error.value)
    assert Entity.objects.get(pk=entity.pk).name == "Name from the first editor"


def test_researcher_of_another_country_gets_permission_denied_on_update(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    with pytest.raises(PermissionDenied):
        update_entity(user_with_role("researcher", "KHM"), entity, {"name": "x"}, expected_version=1)


def test_moving_the_point_rederives_the_area(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data())
    hanoi_area = entity.admin_area
    update_entity(researcher_vnm, entity, {"point": "SRID=4326;POINT(106.6297 10.8231)"}, expected_version=1)
    entity.refresh_from_db()
    assert entity.admin_area != hanoi_area


def test_derived_fields_cannot_be_set(researcher_vnm):
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(registry_number="VNM-999999", is_demo=True))
    assert set(error.value.message_dict) == {"registry_number", "is_demo"}


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"members_total": 5, "members_women": 10, "members_men": None}, "members_total", "women (10) cannot exceed"),
        ({"members_total": 5, "members_women": None, "members_men": 7}, "members_total", "men (7) cannot exceed"),
        ({"founded_year": datetime.date.today().year + 1}, "founded_year", "from 1800 to"),
        ({"founded_year": 1799}, "founded_year", "from 1800 to"),
        ({"registration_date": "0001-01-01"}, "registration_date", "from 1800-01-01 to today"),
        ({"registration_date": datetime.date.today() + datetime.timedelta(days=1)}, "registration_date", "to today"),
    ],
)
def test_impossible_figures_and_dates_are_refused_naming_the_field(researcher_vnm, extra, field, words):
    with pytest.raises(ValidationError) as error:
        create_entity(researcher_vnm, vnm_data(**extra))
    assert words in error.value.message_dict[field][0]
    assert not Entity.objects.exists()


def test_a_buddhist_era_year_typed_for_thailand_is_refused_with_its_gregorian_year():
    from django.contrib.gis.geos import Point

    researcher = user_with_role("researcher", "THA")
    bangkok = {"country": "THA", "name": "สหกรณ์การเกษตรบ้านนา จำกัด", "family": "cooperative"}
    bangkok["point"] = Point(100.5018, 13.7563, srid=4326)
    with pytest.raises(ValidationError) as error:
        create_entity(researcher, {**bangkok, "founded_year": 2545, "registration_date": datetime.date(2560, 1, 31)})
    errors = error.value.message_dict
    assert (
        "2545 looks like a Buddhist-era year (B.E.); the registry records Gregorian years: 2002."
        in (errors["founded_year"][0])
    )
    assert "Gregorian years: 2017." in errors["registration_date"][0]
    # Only where the country writes B.E. years: in Viet Nam, 2545 is no year at all.
    with pytest.raises(ValidationError) as error:
        create_entity(user_with_role("researcher", "VNM"), vnm_data(founded_year=2545))
    assert "Buddhist" not in error.value.message_dict["founded_year"][0]


def test_a_sector_given_twice_is_stored_once(researcher_vnm):
    entity = create_entity(researcher_vnm, vnm_data(sectors=["A", "C", "A"]))
    entity.refresh_from_db()
    assert entity.sectors == ["A", "C"]
