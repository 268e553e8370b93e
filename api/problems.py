"""Every API error is an RFC 9457 problem details object (``application/problem+json``).

One handler maps everything: DRF's own errors, the domain errors of
``portal.errors`` (bad input 400, an illegal move or a lost race 409 with the
object's current state), Django's ``ValidationError`` and ``PermissionDenied``.
Field and item errors become ``errors: [{pointer, code, detail}]`` with a JSON
pointer (RFC 6901) into the request body; ``""`` points at the whole body.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from portal.errors import DomainError, TransitionError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "/api/docs/problems/"

_TITLES = {
    400: "The request is not valid",
    401: "Authentication is required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict with the current state",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
}


def problem_type(code):
    return f"{PROBLEM_TYPE_BASE}{code}"


def _pointer_escape(part):
    return str(part).replace("~", "~0").replace("/", "~1")


def error_pointers(detail, pointer=""):
    """DRF's nested error detail -> a flat list of {pointer, code, detail}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if key in (api_settings.NON_FIELD_ERRORS_KEY, "__all__"):
                out.extend(error_pointers(value, pointer))
            else:
                out.extend(error_pointers(value, f"{pointer}/{_pointer_escape(key)}"))
        return out
    if isinstance(detail, list):
        if all(isinstance(v, str) for v in detail):
            return [
                {"pointer": pointer, "code": getattr(v, "code", None) or "invalid", "detail": str(v)} for v in detail
            ]
        out = []
        for index, value in enumerate(detail):
            if value in ({}, [], None, ""):
                continue
            if isinstance(value, (dict, list)):
                out.extend(error_pointers(value, f"{pointer}/{index}"))
            else:
                out.append(
                    {"pointer": pointer, "code": getattr(value, "code", None) or "invalid", "detail": str(value)}
                )
        return out
    return [{"pointer": pointer, "code": getattr(detail, "code", None) or "invalid", "detail": str(detail)}]


class ProblemResponse(Response):
    """Always JSON, whatever the view renders otherwise (the schema view's YAML, for one)."""

    @property
    def rendered_content(self):
        self.accepted_renderer = JSONRenderer()
        self.accepted_media_type = PROBLEM_CONTENT_TYPE
        return super().rendered_content


def problem_response(*, status_code, code, detail, request=None, errors=None, headers=None, **extra):
    body = {
        "type": problem_type(code),
        "title": _TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.get_full_path()
    if errors:
        body["errors"] = errors
    body.update(extra)
    return ProblemResponse(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_http_response(*, status_code, code, detail, request, **kwargs):
    """The same problem details, rendered, for code outside DRF's views (a middleware's refusal)."""
    response = problem_response(status_code=status_code, code=code, detail=detail, request=request, **kwargs)
    response.renderer_context = {"request": request}
    response.render()
    return response


def _django_validation_detail(exc):
    """A Django ValidationError as DRF error details, each message keeping its code."""

    def details(errors):
        return [ErrorDetail(message, code=error.code or "invalid") for error in errors for message in error.messages]

    if hasattr(exc, "error_dict"):
        return {name: details(errors) for name, errors in exc.error_dict.items()}
    return details(exc.error_list)


def problem_exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, TransitionError):
        extra = {}
        if exc.item is not None:
            extra["current_state"] = exc.current_status
        return problem_response(
            status_code=exc.http_status, code=exc.code, detail=exc.message, request=request, **extra
        )
    if isinstance(exc, DomainError):
        pointer = getattr(exc, "pointer", None)
        errors = [{"pointer": pointer, "code": exc.code, "detail": exc.message}] if pointer is not None else None
        return problem_response(
            status_code=exc.http_status, code=exc.code, detail=exc.message, request=request, errors=errors
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling and logging take it
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + (0 if float(exc.wait).is_integer() else 1))
    if isinstance(exc, exceptions.ValidationError):
        errors = error_pointers(exc.detail)
        return problem_response(
            status_code=exc.status_code,
            code="invalid",
            detail=errors[0]["detail"] if len(errors) == 1 else f"{len(errors)} fields are not valid.",
            request=request,
            errors=errors,
            headers=headers,
        )
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
    if exc.status_code == status.HTTP_401_UNAUTHORIZED:
        code = "not_authenticated" if isinstance(exc, exceptions.NotAuthenticated) else "authentication_failed"
    return problem_response(
        status_code=exc.status_code, code=code, detail=str(exc.detail), request=request, headers=headers
    )
