"""Fixtures for the data exchange tests: users by role and a helper that runs the importer on bytes."""

import pytest

from exchange.importing import create_batch, run_batch
from registry.models import CountryRole
from tests.factories import user_with_role


@pytest.fixture
def researcher(db):
    return user_with_role(CountryRole.Role.RESEARCHER, "VNM", username="researcher-vnm")


@pytest.fixture
def committee(db):
    return user_with_role(CountryRole.Role.COMMITTEE, "VNM", username="committee-vnm")


@pytest.fixture
def other_researcher(db):
    return user_with_role(CountryRole.Role.RESEARCHER, "THA", username="researcher-tha")


@pytest.fixture
def run_import(researcher, settings, tmp_path):
    """Import `raw` bytes named `filename` into `country` through the one importer; returns the finished batch."""
    settings.MEDIA_ROOT = tmp_path

    def run(raw, filename="entities.csv", country="VNM", user=None, **options):
        batch = create_batch(user or researcher, country, filename, raw, via="command", **options)
        return run_batch(batch)

    return run


def csv_bytes(rows, delimiter=",", encoding="utf-8"):
    """Rows (lists of cells) as CSV bytes, quoted where needed."""
    import csv
    import io

    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def assert_accounted(batch):
    assert batch.status == "done", batch.message
    assert batch.rows_in == batch.imported + batch.updated + batch.unchanged + batch.held + batch.rejected
    assert batch.rows.count() == batch.rows_in
