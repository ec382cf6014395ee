"""An entity's history as its readers read it: what happened, why and which fields, in their language.

History rows store simple_history's type ("+", "~", "-") and a short English reason written by the code
that saved; the reasons are defined here, where they are read back, and the entity page shows them in the
reader's words. A reason the platform did not write (typed in the admin) is shown as stored.
"""

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext, pgettext_lazy

from .models import Entity

# The reasons registry.services, the admin, exchange.api, exchange.importing and the demo write.
CREATED = "created"
EDITED = "edited"
ADMIN = "admin"
CREATED_THROUGH_API = "created through the API"
EDITED_THROUGH_API = "edited through the API"
DEMO_DATA = "synthetic demo data (generate_demo_entities)"


def import_batch_reason(batch_id):
    return f"import batch {batch_id}"


def held_row_confirmed_reason(batch_id):
    return f"import batch {batch_id}: held row confirmed"


_REASONS = {
    CREATED: pgettext_lazy("history reason", "registered"),
    EDITED: pgettext_lazy("history reason", "edited"),
    ADMIN: pgettext_lazy("history reason", "in the administration pages"),
    CREATED_THROUGH_API: pgettext_lazy("history reason", "registered through the API"),
    EDITED_THROUGH_API: pgettext_lazy("history reason", "edited through the API"),
    DEMO_DATA: pgettext_lazy("history reason", "synthetic demo data"),
}
_BATCH_REASONS = [
    (
        re.compile(r"^import batch (\d+): held row confirmed$"),
        pgettext_lazy("history reason", "import batch %(number)s: held row confirmed"),
    ),
    (re.compile(r"^import batch (\d+)$"), pgettext_lazy("history reason", "import batch %(number)s")),
]
_TYPES = {
    "+": pgettext_lazy("history", "Created"),
    "~": pgettext_lazy("history", "Changed"),
    "-": pgettext_lazy("history", "Deleted"),
}


def history_type_label(history_type):
    return str(_TYPES.get(history_type, history_type))


def change_reason_label(reason):
    """A stored reason in the reader's language; one the platform did not write, as stored."""
    if not reason:
        return ""
    if reason in _REASONS:
        return str(_REASONS[reason])
    for pattern, text in _BATCH_REASONS:
        found = pattern.match(reason)
        if found:
            return str(text) % {"number": found.group(1)}
    return reason


def field_label(name):
    from .forms import ENTITY_FIELD_LABELS  # here: forms imports services, which imports this module

    if name in ENTITY_FIELD_LABELS:
        return str(ENTITY_FIELD_LABELS[name])
    try:
        return str(Entity._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed from the model, kept in old history rows
        return name


def entity_history(entity, limit=50):
    """The latest `limit` history rows, each a dict: the record, what happened, why, who, and the labels of
    the fields it changed."""
    records = list(entity.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    rows = []
    for record in records:
        previous = record.prev_record
        fields = record.diff_against(previous).changed_fields if previous else []
        rows.append(
            {
                "record": record,
                "what": history_type_label(record.history_type),
                "why": change_reason_label(record.history_change_reason),
                "who": record.history_user.get_username() if record.history_user else gettext("the platform"),
                "fields": [field_label(name) for name in fields],
            }
        )
    return rows
