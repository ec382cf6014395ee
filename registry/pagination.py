"""A paginator that counts at most a cap: exact totals for small result sets, "more than N" for huge ones.

COUNT(*) over hundreds of thousands of matching entities costs more than the
page itself (PERFORMANCE.md B7); nobody pages past the first few thousand rows
of a registry list: they refine the filters instead.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Paginator whose `count` stops at `cap + 1`; `capped` tells the page to say "more than cap"."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, **kwargs):
        self.cap = cap
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        # No ORDER BY in the count: sorting every match only to count it is the slow part.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self):
        return self.count > self.cap
