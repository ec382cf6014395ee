"""A published edition shows its readers nothing of an earlier edition they may not see."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from mapping import editions
from mapping.filters import MapFilters
from mapping.models import MapEdition, ReviewComment, SignOff
from registry.models import CountryRole
from tests.factories import committee_member, user_with_role
from tests.mapping.conftest import HANOI, make_entity

pytestmark = pytest.mark.django_db
Status = MapEdition.Status
SECRET = "Hợp tác xã Chưa Công Bố"


def freeze(country):
    return editions.freeze_edition(editions.committee_for(country), MapFilters.parse(country, QueryDict("")), "")


def publish(edition, member):
    edition = editions.change_status(edition, Status.IN_REVIEW)
    editions.record_signoff(edition, member, "approve")
    editions.change_status(edition, Status.SIGNED_OFF)
    return editions.change_status(edition, Status.PUBLISHED)


@pytest.fixture
def member(viet_nam):
    return committee_member("VNM")


@pytest.fixture
def published_after_a_draft(viet_nam, vn_registry, member):
    """Edition 1 published; edition 2, never published, held an entity removed before edition 3, published."""
    first = publish(freeze(viet_nam), member)
    secret = make_entity(HANOI, name=SECRET)
    freeze(viet_nam)  # edition 2: a draft the committee never published
    secret.delete()
    third = publish(freeze(viet_nam), member)
    return first, third


def pages(edition):
    args = [edition.country_id, edition.number]
    return [
        reverse("mapping:edition", args=args),
        reverse("mapping:edition-sheet", args=args),
        reverse("mapping:edition-areas", args=args) + "?measure=change",
    ]


def read(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_anonymous_readers_compare_a_published_edition_with_the_last_published_one(client, published_after_a_draft):
    first, third = published_after_a_draft
    for url in pages(third):
        content = read(client, url).decode("utf-8-sig")
        assert SECRET not in content, url
    assert reverse("mapping:edition", args=["VNM", 2]) not in read(client, pages(third)[0]).decode()
    assert b'"previous": 1' in read(client, pages(third)[2])


def test_committee_members_still_compare_with_the_draft_before(client, published_after_a_draft, member):
    first, third = published_after_a_draft
    client.force_login(member)
    assert SECRET in read(client, pages(third)[1]).decode("utf-8-sig")


@pytest.mark.parametrize("who", ["committee of another country", "researcher of the country", "COOP"])
def test_only_the_countrys_committee_comments_signs_off_and_moves_an_edition(client, viet_nam, vn_registry, who):
    member = committee_member("VNM")
    edition = editions.change_status(freeze(viet_nam), Status.IN_REVIEW)
    comment = editions.add_comment(edition, member, "Check Hà Nội")
    user = {
        "committee of another country": lambda: committee_member("KHM"),
        "researcher of the country": lambda: user_with_role(CountryRole.Role.RESEARCHER, "VNM"),
        "COOP": lambda: user_with_role(CountryRole.Role.COOP),
    }[who]()
    client.force_login(user)
    url = edition.get_absolute_url()
    for action, data in [
        ("comments", {"text": "from outside"}),
        (f"comments/{comment.pk}/resolve", {}),
        ("sign-off", {"decision": "approve"}),
        ("status", {"status": "draft"}),
    ]:
        assert client.post(url + action, data).status_code == 403, action
    assert client.post("/maps/VNM/editions/new", {"title": "outside"}).status_code == 403
    assert ReviewComment.objects.filter(edition=edition).count() == 1
    assert ReviewComment.objects.get(pk=comment.pk).resolved_at is None
    assert not SignOff.objects.filter(edition=edition).exists()
    assert MapEdition.objects.get(pk=edition.pk).status == Status.IN_REVIEW
    assert MapEdition.objects.count() == 1
