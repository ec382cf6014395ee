"""Printed packs of published editions, rendered once and kept.

A published edition is frozen and open to anyone, and its pack takes 1-3 s of CPU to render: rendering it
for every request would let anybody tie up the server with a few requests at once. Its pack is therefore
rendered on the first request and kept under MEDIA_ROOT/packs/; later requests read the file.

A kept pack is named by what it depends on:
- the edition and the edition it is compared with (mapping.editions.previous_for: a reader who may not see
  an unpublished previous edition gets the comparison with the latest published one, a different pack);
- a fingerprint of the pack's layout (its code, template and catalogs), so that a new release of the
  layout renders afresh instead of serving yesterday's pages. Older files of the same pack are removed.

Editions not yet published are rendered on every request: their committee reads them while it comments
and signs, they are few, and only their members may ask.
"""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from . import packs

FORMATS = ("pdf", "png")


@functools.cache
def layout_fingerprint():
    """A short digest of what decides a pack's look and words: packs.py, its template and the catalogs."""
    base = Path(settings.BASE_DIR)
    sources = [base / "mapping" / "packs.py", base / "templates" / "mapping" / "pack.html"]
    sources += sorted((base / "locale").glob("*/LC_MESSAGES/django.mo"))
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _stem(edition):
    compared_with = edition.previous.number if edition.previous else 0
    return f"edition-{edition.number}-vs-{compared_with}"


def _folder(edition):
    return Path(settings.MEDIA_ROOT) / "packs" / edition.country_id


def kept_path(edition, fmt):
    """Where the kept pack of `edition` in `fmt` lives (whether or not it has been rendered yet)."""
    return _folder(edition) / f"{_stem(edition)}-{layout_fingerprint()}.{fmt}"


def pack_bytes(edition, fmt):
    """The pack of `edition` as PDF or PNG bytes: kept for a published edition, rendered afresh otherwise.

    `edition.previous` must already be the edition this reader compares it with (mapping.views._edition).
    """
    if fmt not in FORMATS:
        raise ValueError(f"pack format {fmt!r}: give one of {', '.join(FORMATS)}")
    if not edition.is_published:
        pack = packs.render_pack(edition, png=fmt == "png")
        return pack.pdf if fmt == "pdf" else pack.png
    path = kept_path(edition, fmt)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pack = packs.render_pack(edition, png=True)
    rendered = {"pdf": pack.pdf, "png": pack.png}
    for kept_fmt, data in rendered.items():
        _write_atomically(kept_path(edition, kept_fmt), data)
    _remove_other_layouts(edition)
    return rendered[fmt]


def _write_atomically(path, data):
    """Write `data` to `path` so that a reader at the same moment sees the whole file or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rendering-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_other_layouts(edition):
    """Delete this pack's files kept under an earlier layout (the current fingerprint's stay)."""
    current = layout_fingerprint()
    for path in _folder(edition).glob(f"{_stem(edition)}-*.*"):
        if path.suffix.lstrip(".") in FORMATS and not path.stem.endswith(f"-{current}"):
            path.unlink(missing_ok=True)
