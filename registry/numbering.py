"""Readable registry numbers per country (VNM-000123), safe under concurrent inserts.

Numbers come from one counter row per country, incremented with a single
`UPDATE ... RETURNING`: PostgreSQL's row lock serializes concurrent callers, so
two transactions can never receive the same number, and bulk paths take a
whole block in one statement.
"""

from django.db import connection

from .models import RegistryCounter

NUMBER_WIDTH = 6


def format_registry_number(iso3, number):
    return f"{iso3}-{number:0{NUMBER_WIDTH}d}"


def allocate_registry_numbers(iso3, count=1):
    """Reserve `count` consecutive numbers for country `iso3`; returns them formatted, in order.

    Must run inside the transaction that inserts the entities, so that a
    rolled-back insert also gives its numbers back.
    """
    if count < 1:
        return []
    RegistryCounter.objects.get_or_create(country_id=iso3)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_registrycounter SET last_number = last_number + %s "
            "WHERE country_id = %s RETURNING last_number",
            [count, iso3],
        )
        last = cursor.fetchone()[0]
    return [format_registry_number(iso3, number) for number in range(last - count + 1, last + 1)]
