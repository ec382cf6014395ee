"""Give every country its advisory committee (demo members: the committee-<iso3> accounts) and one demo edition.

Idempotent: `make run` calls it through setup_demo on every start.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.http import QueryDict

from mapping.editions import add_member, committee_for, freeze_edition
from mapping.filters import MapFilters
from registry.models import Country


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, verbosity, **options):
        users = get_user_model().objects
        for country in Country.objects.order_by("iso3"):
            committee = committee_for(country)
            member = users.filter(username=f"committee-{country.iso3.lower()}").first()
            if member is not None:
                add_member(committee, member)
            if not committee.editions.exists() and country.entities.exists():
                edition = freeze_edition(
                    committee, MapFilters.parse(country, QueryDict("")), "Demo edition (synthetic data)", user=member
                )
                if verbosity:
                    self.stdout.write(
                        f"{country.iso3}: froze demo edition {edition.number} ({edition.total_entities} entities)"
                    )
