"""Who reads what in the legislation pages. Built on registry.permissions; no role rule is re-derived here.

- Instruments and reform timelines are public law and public process: anyone reads them.
- Assessments (ratings, the matrix, comparisons, exports, the brief) are the COOP
  unit's analysis: any user holding a role (researcher or committee member of any
  country, COOP, administrator) reads them for every country, since comparing
  across countries is their point; anonymous users are sent to log in.
- Only the COOP unit and administrators change anything (can_edit_legislation).
"""

from registry.permissions import can_edit_legislation, readable_countries


def can_read_assessments(user):
    return can_edit_legislation(user) or bool(readable_countries(user))
