"""limit/offset pages for every API list, with the parameters checked as any other input.

DRF's LimitOffsetPagination ignores a limit it cannot read, serves any limit
when no maximum is set, and hands an offset past bigint to PostgreSQL, which
answers with an error (a 500). Here a bad value is a 400 naming the parameter,
and a page holds at most `max_limit` rows: larger requests get a page of that
size and a `next` link, as the schema says.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

# Far past any list this registry holds, and well inside PostgreSQL's bigint.
MAX_OFFSET = 10**12
# The values a page's parameters take (a larger limit gives a page of the maximum: it is not refused).
PAGE_PARAMETER_BOUNDS = {"limit": {"minimum": 1}, "offset": {"minimum": 0, "maximum": MAX_OFFSET}}


def _whole_number(request, name, default, minimum, maximum=None):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"must be a whole number, got {raw[:40]!r}"]}) from None
    if value < minimum:
        raise ValidationError({name: [f"must be at least {minimum}, got {value}"]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"must be at most {maximum}, got {value}"]})
    return value


class CheckedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = 1000

    def get_limit(self, request):
        limit = _whole_number(request, self.limit_query_param, self.default_limit, minimum=1)
        return min(limit, self.max_limit)

    def get_offset(self, request):
        return _whole_number(request, self.offset_query_param, 0, minimum=0, maximum=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] = f"Rows a page (default {self.default_limit}, at most {self.max_limit})"
            # What get_limit() and get_offset() refuse with a 400: a client built from the schema must know.
            parameter["schema"].update(PAGE_PARAMETER_BOUNDS.get(parameter["name"], {}))
        return parameters
