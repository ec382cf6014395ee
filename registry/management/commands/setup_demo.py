"""Prepare a demo platform: reference data, demo accounts, demo data. Safe to run again and again.

`make run` calls this after `migrate`. Each step is idempotent; a step whose
data is already there costs next to nothing, so the second `make run` is quick.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from registry.models import Country, CountryRole

# Reference data and demo data, in order. Each entry is a management command
# and its options; apps add their own loaders here (call_command by name keeps
# registry free of imports from the apps above it). Countries come first and
# the demo accounts are made right after them, so that later steps (committee
# membership, demo ratings) can find the accounts on the very first run.
COUNTRY_STEPS = [
    ("load_boundaries", {}),
]
DEMO_STEPS = [
    ("load_registry_reference", {}),
    ("load_legislation_reference", {}),
    ("generate_legislation_demo", {}),
    ("generate_demo_entities", {"count": 3000, "seed": 1, "if_missing": True}),
    ("setup_committees", {}),
]

DEMO_PASSWORD_ENV = "DEMO_PASSWORD"  # noqa: S105 (the name of an environment variable)
DEFAULT_DEMO_PASSWORD = "demo"  # noqa: S105 (local demo only; set DEMO_PASSWORD for anything shared)


def demo_accounts():
    """(username, role, country iso3 or None, is_staff) for every demo account."""
    accounts = [("admin", CountryRole.Role.ADMINISTRATOR, None, True), ("coop", CountryRole.Role.COOP, None, True)]
    for iso3 in sorted(Country.objects.values_list("iso3", flat=True)):
        accounts.append((f"researcher-{iso3.lower()}", CountryRole.Role.RESEARCHER, iso3, True))
        accounts.append((f"committee-{iso3.lower()}", CountryRole.Role.COMMITTEE, iso3, False))
    return accounts


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, verbosity, **options):
        for command, command_options in COUNTRY_STEPS:
            call_command(command, verbosity=verbosity, **command_options)
        password = os.environ.get(DEMO_PASSWORD_ENV) or DEFAULT_DEMO_PASSWORD
        accounts = self.ensure_accounts(password)
        for command, command_options in DEMO_STEPS:
            call_command(command, verbosity=verbosity, **command_options)
        if verbosity:
            port = os.environ.get("PORT", "8000")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Log in at http://127.0.0.1:{port}/accounts/login/ with one of these demo accounts "
                    f"(password: {password}):"
                )
            )
            for username, role, iso3, _ in accounts:
                self.stdout.write(f"  {username:<18} {role.label}{f' ({iso3})' if iso3 else ''}")

    @transaction.atomic
    def ensure_accounts(self, password):
        User = get_user_model()
        accounts = demo_accounts()
        for username, role, iso3, is_staff in accounts:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": is_staff, "is_superuser": role == CountryRole.Role.ADMINISTRATOR},
            )
            if created:
                user.set_password(password)
                user.save()
            CountryRole.objects.get_or_create(user=user, country_id=iso3, role=role)
        return accounts
