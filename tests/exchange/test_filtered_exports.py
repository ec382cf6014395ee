"""Downloading a filtered registry list: the export carries the list's filters, in the request or in a job."""

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from exchange import exporting
from exchange.models import ExportJob
from registry.models import EntityFamily
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def csv_names(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(row["name"] for row in csv.DictReader(io.StringIO(text)))


@pytest.fixture
def mixed_registry():
    association = EntityFamily.objects.get(code="association")
    EntityFactory(name="Hợp tác xã Hội An", status="active")
    EntityFactory(name="Hợp tác xã Hội An 2", status="dormant")
    EntityFactory(name="Hợp tác xã Huế", status="dormant")
    EntityFactory(name="Hội Phụ nữ Hội An", family=association, status="dormant")


def test_the_registry_list_offers_to_download_what_it_shows(researcher, mixed_registry):
    client = logged_in(researcher)
    listing = client.get("/registry/?q=hoi+an&status=dormant").content.decode()
    link = re.search(r'href="([^"]*)" data-download-these', listing).group(1).replace("&amp;", "&")
    assert link.startswith("/data/?") and "q=hoi+an" in link and "status=dormant" in link
    page = client.get(link).content.decode()
    # The download form says which filters it keeps, in words, and carries them.
    with translation.override("en"):
        assert "<strong>Status</strong>: Dormant" in page
    assert '<input type="hidden" name="q" value="hoi an">' in page
    assert '<input type="hidden" name="status" value="dormant">' in page


def test_a_filtered_download_holds_only_the_matching_entities(researcher, mixed_registry):
    response = logged_in(researcher).get("/data/export/?format=csv&country=VNM&q=hoi+an&status=dormant")
    assert response.status_code == 200
    assert csv_names(response) == ["Hội Phụ nữ Hội An", "Hợp tác xã Hội An 2"]
    family = logged_in(researcher).get("/data/export/?format=csv&family=association")
    assert csv_names(family) == ["Hội Phụ nữ Hội An"]


@pytest.mark.parametrize(
    ("query", "parameter"), [("status=asleep", "status"), ("family=guild", "family"), ("area=abc", "area")]
)
def test_a_bad_filter_is_refused_naming_it(researcher, mixed_registry, query, parameter):
    response = logged_in(researcher).get(f"/data/export/?format=csv&{query}")
    assert response.status_code == 400
    assert parameter in response.content.decode()


def test_a_large_filtered_export_becomes_a_job_that_keeps_its_filters(
    researcher, mixed_registry, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exporting, "DIRECT_LIMIT_STREAMED", 1)
    client = logged_in(researcher)
    with django_capture_on_commit_callbacks():
        response = client.get("/data/export/?format=csv&country=VNM&status=dormant")
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.filters == {"status": "dormant"} and job.rows_total == 3
    with translation.override("en"):
        assert "<strong>Status</strong>: Dormant" in client.get(job.get_absolute_url()).content.decode()
    # The same export with other filters is another job; with the same ones, the same job.
    with django_capture_on_commit_callbacks():
        client.get("/data/export/?format=csv&country=VNM&status=dormant")
        client.get("/data/export/?format=csv&country=VNM&status=dormant&family=cooperative")
    assert ExportJob.objects.count() == 2
    call_command("export_entities", job=job.pk, verbosity=0)  # what the detached worker runs
    download = client.get(f"/data/exports/{job.pk}/file/")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(text)))
    assert names == ["Hội Phụ nữ Hội An", "Hợp tác xã Huế", "Hợp tác xã Hội An 2"]


def test_the_export_command_takes_the_same_filters(researcher, mixed_registry, tmp_path):
    output = tmp_path / "dormant.csv"
    call_command(
        "export_entities", str(output), user=researcher.username, filter=["status=dormant", "q=hoi an"], verbosity=0
    )
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert names == ["Hội Phụ nữ Hội An", "Hợp tác xã Hội An 2"]
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="status"):
        call_command("export_entities", str(output), user=researcher.username, filter=["status=asleep"])
    with pytest.raises(CommandError, match="NAME=VALUE"):
        call_command("export_entities", str(output), user=researcher.username, filter=["colour=red"])


def test_an_area_filter_is_described_by_the_areas_name(researcher, mixed_registry):
    from exchange.export_jobs import describe_filters
    from registry.models import AdminArea

    hanoi = AdminArea.objects.filter(country_id="VNM", name="Hà Nội").first()
    with translation.override("en"):
        assert describe_filters({"area": str(hanoi.pk)}) == [("Area", hanoi.display_name)]


@pytest.fixture
def map_registry():
    cooperative = EntityFamily.objects.get(code="cooperative")
    association = EntityFamily.objects.get(code="association")
    EntityFactory(name="Farmers A active", family=cooperative, status="active", sectors=["A"])
    EntityFactory(name="Farmers A dormant", family=cooperative, status="dormant", sectors=["A", "C"])
    EntityFactory(name="Makers C active", family=cooperative, status="active", sectors=["C"])
    EntityFactory(name="Women's group A", family=association, status="active", sectors=["A"])
    EntityFactory(name="Transport H", family=cooperative, status="dissolved", sectors=["H"])


MAP_QUERY = "family=cooperative&status=active&status=dormant&sector=A"


def test_the_committee_map_offers_to_download_exactly_what_it_counts(committee, map_registry):
    client = logged_in(committee)
    page = client.get(f"/maps/VNM/?{MAP_QUERY}").content.decode()
    link = re.search(r'href="([^"]*)"\s+data-download-these', page).group(1).replace("&amp;", "&")
    assert link.startswith("/data/?country=VNM&map=1&") and "sector=A" in link
    form = client.get(link).content.decode()
    with translation.override("en"):
        assert re.search("Only the entities matching the committee map(&#x27;|')s filters:", form)
        assert "<strong>Status</strong>: Active, Dormant" in form and "<strong>Sector (ISIC)</strong>: A " in form
    download_form = form[form.index('id="download"') :].split("</form>")[0]
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', download_form))
    assert hidden == {"map": "1", "family": "cooperative", "status": "active,dormant", "sector": "A"}
    query = "&".join(f"{name}={value}" for name, value in hidden.items())
    download = client.get(f"/data/export/?format=csv&country=VNM&{query}")
    assert csv_names(download) == ["Farmers A active", "Farmers A dormant"]
    counted = client.get(f"/maps/VNM/areas.json?{MAP_QUERY}").json()["total"]
    assert counted == 2


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("country=VNM&map=1&sector=ZZ", "sector"),
        ("country=VNM&map=1&definition=99", "definition"),
        ("map=1&sector=A", "country"),
    ],
)
def test_a_bad_map_filter_is_refused_naming_it(committee, map_registry, query, parameter):
    response = logged_in(committee).get(f"/data/export/?format=csv&{query}")
    assert response.status_code == 400
    assert parameter in response.content.decode()


def test_a_map_download_of_no_filters_is_the_whole_country(committee, map_registry):
    client = logged_in(committee)
    form = client.get("/data/?country=VNM&map=1&measure=members").content.decode()
    assert 'name="map"' not in form and "committee map" not in form
    assert len(csv_names(client.get("/data/export/?format=csv&country=VNM&map=1"))) == 5


def test_a_large_map_download_becomes_a_job_that_keeps_the_maps_filters(
    committee, map_registry, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exporting, "DIRECT_LIMIT_STREAMED", 1)
    client = logged_in(committee)
    with django_capture_on_commit_callbacks():
        client.get("/data/export/?format=csv&country=VNM&map=1&status=active,dormant&sector=A,C")
    job = ExportJob.objects.get()
    assert job.filters == {"map": "1", "sector": "A,C", "status": "active,dormant"} and job.rows_total == 4
    with translation.override("en"):
        assert "<strong>Sector (ISIC)</strong>: A " in client.get(job.get_absolute_url()).content.decode()
    call_command("export_entities", job=job.pk, verbosity=0)
    text = b"".join(client.get(f"/data/exports/{job.pk}/file/").streaming_content).decode("utf-8-sig")
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(text)))
    assert names == ["Farmers A active", "Farmers A dormant", "Makers C active", "Women's group A"]


def test_the_export_command_takes_the_maps_filters(committee, map_registry, tmp_path):
    from django.core.management import CommandError

    output = tmp_path / "map.csv"
    call_command(
        "export_entities",
        str(output),
        user=committee.username,
        country="VNM",
        filter=["map=1", "family=cooperative", "sector=A,C", "status=active"],
        verbosity=0,
    )
    names = sorted(row["name"] for row in csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert names == ["Farmers A active", "Makers C active"]
    with pytest.raises(CommandError, match="country"):
        call_command("export_entities", str(output), user=committee.username, filter=["map=1", "sector=A"])


def test_a_jobs_map_filters_that_no_longer_parse_are_shown_as_stored(committee, map_registry):
    from exchange.export_jobs import describe_filters
    from registry.models import Country

    stored = {"map": "1", "definition": "99", "outcome": "qualifies"}  # the version deleted since
    assert describe_filters(stored, Country.objects.get(pk="VNM")) == [("definition", "99"), ("outcome", "qualifies")]
