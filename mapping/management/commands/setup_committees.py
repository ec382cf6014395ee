"""Give every country its advisory committee (demo members: the committee-<iso3> accounts) and two demo editions.

The first is taken through the whole flow (review, the member's approval, sign-off) and published, so that
the public side has something to show: the published map, its entity pages and printed pack, anonymously.
The second stays a draft for the committee member to review, comment on and sign off.

Idempotent: `make run` calls it through setup_demo on every start; a committee that has editions is left alone.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.http import QueryDict

from mapping.editions import add_member, change_status, committee_for, freeze_edition, record_signoff
from mapping.filters import MapFilters
from mapping.models import MapEdition, SignOff
from registry.models import Country

PUBLISHED_TITLE = "Demo edition, published (synthetic data)"
DRAFT_TITLE = "Demo edition, to review (synthetic data)"


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, verbosity, **options):
        users = get_user_model().objects
        for country in Country.objects.order_by("iso3"):
            committee = committee_for(country)
            member = users.filter(username=f"committee-{country.iso3.lower()}").first()
            if member is not None:
                add_member(committee, member)
            if committee.editions.exists() or not country.entities.exists() or member is None:
                continue
            whole_registry = MapFilters.parse(country, QueryDict(""))
            published = freeze_edition(committee, whole_registry, PUBLISHED_TITLE, user=member)
            published = change_status(published, MapEdition.Status.IN_REVIEW)
            record_signoff(published, member, SignOff.Decision.APPROVE, note="Demo: approved.")
            published = change_status(published, MapEdition.Status.SIGNED_OFF)
            published = change_status(published, MapEdition.Status.PUBLISHED)
            draft = freeze_edition(committee, whole_registry, DRAFT_TITLE, user=member)
            if verbosity:
                self.stdout.write(
                    f"{country.iso3}: demo editions {published.number} (published) and {draft.number} (draft), "
                    f"{draft.total_entities} entities"
                )
