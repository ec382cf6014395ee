"""A paginator that counts at most a cap: exact totals for small result sets, "more than N" for huge ones.

COUNT(*) over hundreds of thousands of matching entities costs more than the
page itself (PERFORMANCE.md B7); nobody pages past the first few thousand rows
of a registry list: they refine the filters instead.

Given `rows_by_key`, a page is read keys first: the primary keys of the page
in the list's order, then those rows by key, with whatever the list joins.
PostgreSQL joins before it sorts, so a search matching 10,000 entities sorted
by number (no index gives that order) otherwise joins and sorts 10,000 wide
rows to keep 50; and the rows read by key need none of the list's filters.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Paginator whose `count` stops at `cap + 1`; `capped` tells the page to say "more than cap"."""

    def __init__(self, object_list, per_page, cap=COUNT_CAP, rows_by_key=None, **kwargs):
        """`rows_by_key(keys)` -> {key: row}, as a manager's in_bulk() gives (see the module docstring)."""
        self.cap = cap
        self.rows_by_key = rows_by_key
        super().__init__(object_list, per_page, **kwargs)

    @cached_property
    def count(self):
        # No ORDER BY in the count: sorting every match only to count it is the slow part.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self):
        return self.count > self.cap

    def page(self, number):
        if self.rows_by_key is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.rows_by_key(keys)
        # A row deleted between the two reads is left out of this page, not an error.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
