"""OpenAPI (drf-spectacular) description of the key and session authentication."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from api import idempotency


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organisation's API key: `Authorization: Bearer tdp_…`. Created by the "
            "organisation's owner in the portal or by operators with `manage.py api_key_create`.",
        }


class BrowserSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BrowserSessionAuthentication"
    name = "cookieAuth"
    priority = -1  # listed after the key

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A person signed in to the portal, with that person's rights (no scopes): the API "
            "docs tried out in the browser, say. POST, PUT, PATCH and DELETE also need the CSRF token "
            "(the `csrftoken` cookie) in `X-CSRFToken`, or they are 403 `csrf_failed`. A session that has not "
            "passed two-factor sign-in (platform staff must; others who turned it on) is 403 `two_factor_required`.",
        }


def by_method_endpoints(endpoints):
    """Preprocessing hook: a path served by ``api.routing.by_method`` documents each method's own class."""
    out, expanded = [], set()
    for path, path_regex, method, callback in endpoints:
        routes = getattr(callback, "by_method", None)
        if routes is None:
            out.append((path, path_regex, method, callback))
        elif path not in expanded:
            expanded.add(path)
            out.extend((path, path_regex, route_method, route) for route_method, route in routes.items())
    return out


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details (application/problem+json).",
    "properties": {
        "type": {"type": "string", "description": "A URI reference naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine-readable code."},
        "current_state": {"type": "string", "description": "On a 409: the object's state now."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string", "description": "RFC 6901 JSON pointer into the request body."},
                    "code": {"type": "string"},
                    "detail": {"type": "string"},
                },
                "required": ["pointer", "code", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

_ERROR_RESPONSES = {
    "400": "The request is not valid (see `errors`).",
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "The key lacks the scope, or the organisation may not do this.",
    "404": "No such object, or not one the key's organisation may see.",
    "406": "The Accept header asks for something other than JSON.",
    "409": "The object's current state does not allow this, or a retry of a request still running.",
    "413": "The body is larger than the API accepts (README: the body limits).",
    "415": "The body's Content-Type is not one this operation reads.",
    "422": "An Idempotency-Key reused with a different body.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}
# Statuses only an operation that takes a body can answer (any POST, PUT or PATCH may be sent one).
_BODY_ONLY = {"413": ("post", "put", "patch"), "415": ("post", "put", "patch"), "422": ("post",)}


_RETRY_AFTER = {
    "description": "Seconds to wait before trying again (the rate limits are per key: README, API_RATE_LIMIT).",
    "schema": {"type": "integer", "minimum": 1},
}


def problem_responses_hook(result, generator, request, public):
    """Every operation documents the problem-details errors it can answer (one schema, many statuses)."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_RESPONSES.items():
                if code in _BODY_ONLY and method not in _BODY_ONLY[code]:
                    continue
                response = {"description": description, "content": content}
                if code == "429":
                    response["headers"] = {"Retry-After": _RETRY_AFTER}
                responses.setdefault(code, response)
    return result


class PublicIdFieldExtension(OpenApiSerializerFieldExtension):
    """``api.fields.PublicIdField`` in the schema: a string of its type's prefix and 26 base32 characters."""

    target_class = "api.fields.PublicIdField"

    def map_serializer_field(self, auto_schema, direction):
        prefix = self.target.prefix
        return {"type": "string", "pattern": f"^{prefix}_[0-9A-HJKMNP-TV-Z]{{26}}$", "example": f"{prefix}_{'0' * 26}"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the ``Idempotency-Key`` header of every POST that declares one."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        mode = getattr(self.view, "idempotency", None)
        if self.method == "POST" and mode in idempotency.MODES:
            parameters.append(
                OpenApiParameter(
                    name=idempotency.HEADER,
                    location=OpenApiParameter.HEADER,
                    type={
                        "type": "string",
                        "minLength": 1,
                        "maxLength": idempotency.MAX_KEY_LENGTH + 2,
                        "pattern": idempotency.SCHEMA_PATTERN,
                    },
                    required=mode == idempotency.REQUIRED,
                    description=(
                        "A new unique value (a UUID) per operation; a retry of the same request sends it "
                        "again and gets the first response back (`Idempotent-Replayed: true`), nothing done "
                        "twice. Kept 24 hours (by default) per API key. The same key with another request: 422; while "
                        "the first is still running: 409."
                        + (" Required: 400 without it." if mode == idempotency.REQUIRED else "")
                    ),
                )
            )
        return parameters
