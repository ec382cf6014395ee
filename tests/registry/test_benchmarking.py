"""The benchmark runner names other queries still running on its database (they inflate every timing)."""

import threading
import time

import psycopg2
import pytest
from django.db import connection

from registry.benchmarking import other_queries

pytestmark = pytest.mark.django_db


def test_a_query_left_running_on_the_database_is_named():
    settings = connection.settings_dict
    stray = psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
    )
    sleeper = threading.Thread(target=lambda: stray.cursor().execute("SELECT pg_sleep(3)"))
    sleeper.start()
    try:
        time.sleep(1.2)
        running = other_queries(min_seconds=1)
        assert [text for _, _, text in running] == ["SELECT pg_sleep(3)"]
        assert running[0][1] >= 1
        assert other_queries(min_seconds=60) == []
    finally:
        sleeper.join()
        stray.close()
