"""The API's refusals in its OpenAPI schema: drf-spectacular documents only what succeeds.

A client generated from the schema, or a developer reading the docs page, needs to know that a bad filter
is a 400 naming the parameter, a missing or expired token a 401, a reader without the role a 403, an id not
readable a 404 and too many requests a 429, and what those bodies look like (DRF's {"detail": ...} or
field -> messages).
"""

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string", "description": "Why the request was refused, in words."}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": "Each refused field or query parameter, with what was wrong with it; for a list "
        "(such as `sectors`), each refused item by its position from 0.",
        "additionalProperties": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
                {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "example": {"0": ["Ensure this field has no more than 1 characters."]},
                },
            ]
        },
    },
}

REFUSALS = {
    "400": ("The request's data or query parameters were refused; each is named.", "ValidationErrors"),
    "401": ("No valid credentials: sign in, or send a valid token (Authorization: Token ...).", "Error"),
    "403": ("Signed in, but without the role this needs in the entity's country.", "Error"),
    "404": ("Nothing with this id that you may read.", "Error"),
    "413": ("The request body is too large, or has too many fields.", "Error"),
    "429": ("Too many requests: wait for the number of seconds in the Retry-After header.", "Error"),
}
WRITING_METHODS = {"post", "put", "patch", "delete"}


def _refusal(code):
    description, schema = REFUSALS[code]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the refusals each operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITING_METHODS | {"get"}:
                continue
            codes = ["401", "429"]  # a bad token is refused everywhere; every endpoint is throttled
            takes_input = method in {"post", "put", "patch"} or any(
                parameter.get("in") == "query" for parameter in operation.get("parameters", [])
            )
            if takes_input:
                codes.append("400")
            # An operation anyone may call lists the empty security requirement ({}).
            if method in WRITING_METHODS or {} not in operation.get("security", []):
                codes.append("403")
            if "{" in path:
                codes.append("404")
            if method in WRITING_METHODS - {"delete"}:
                codes.append("413")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(code, _refusal(code))
    return result
