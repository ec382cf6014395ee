"""A published edition's printed pack is rendered once and kept; an unpublished one is rendered each time."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mapping import pack_store
from tests.factories import committee_member
from tests.mapping.conftest import HANOI, make_entity
from tests.mapping.test_edition_access import freeze, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def member(viet_nam):
    return committee_member("VNM")


def pack_url(edition, fmt):
    return reverse(f"mapping:pack-{fmt}", args=[edition.country_id, edition.number])


def kept_files(media):
    return sorted(path.name for path in (media / "packs").rglob("*") if path.is_file())


def test_a_published_pack_is_rendered_once_and_then_read_from_its_file(client, viet_nam, vn_registry, member, media):
    edition = publish(freeze(viet_nam), member)
    first = client.get(pack_url(edition, "pdf"))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(first.content)).pages) >= 1
    fingerprint = pack_store.layout_fingerprint()
    assert kept_files(media) == [f"edition-1-vs-0-{fingerprint}.pdf", f"edition-1-vs-0-{fingerprint}.png"]
    kept = media / "packs" / "VNM" / f"edition-1-vs-0-{fingerprint}.pdf"
    before = kept.stat()
    second = client.get(pack_url(edition, "pdf"))
    png = client.get(pack_url(edition, "png"))
    # Served from the kept files: byte for byte the first render (its 'printed at' time included), not rewritten.
    assert second.content == first.content == kept.read_bytes()
    assert kept.stat().st_mtime_ns == before.st_mtime_ns and kept.stat().st_ino == before.st_ino
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")


def test_an_unpublished_pack_is_rendered_for_its_committee_and_never_kept(client, viet_nam, vn_registry, member, media):
    edition = freeze(viet_nam)
    client.force_login(member)
    assert client.get(pack_url(edition, "pdf")).status_code == 200
    assert not (media / "packs").exists()


def test_readers_comparing_with_different_editions_get_different_kept_packs(
    client, viet_nam, vn_registry, member, media
):
    publish(freeze(viet_nam), member)
    make_entity(HANOI, name="Hợp tác xã Chưa Công Bố")
    freeze(viet_nam)  # edition 2, never published: only the committee compares edition 3 with it
    third = publish(freeze(viet_nam), member)
    assert client.get(pack_url(third, "pdf")).status_code == 200  # anonymous: compared with edition 1
    client.force_login(member)
    assert client.get(pack_url(third, "pdf")).status_code == 200  # the committee: compared with edition 2
    stems = {name.rsplit("-", 1)[0] for name in kept_files(media) if name.startswith("edition-3-")}
    assert stems == {"edition-3-vs-1", "edition-3-vs-2"}


def test_a_pack_kept_under_an_earlier_layout_is_rendered_afresh_and_the_old_file_removed(
    client, viet_nam, vn_registry, member, media
):
    edition = publish(freeze(viet_nam), member)
    folder = media / "packs" / "VNM"
    folder.mkdir(parents=True)
    (folder / "edition-1-vs-0-0123456789ab.pdf").write_bytes(b"an old layout")
    (folder / "edition-1-vs-0-0123456789ab.png").write_bytes(b"an old layout")
    response = client.get(pack_url(edition, "pdf"))
    assert response.content.startswith(b"%PDF")
    fingerprint = pack_store.layout_fingerprint()
    assert kept_files(media) == [f"edition-1-vs-0-{fingerprint}.pdf", f"edition-1-vs-0-{fingerprint}.png"]
