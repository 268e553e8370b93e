"""Domain errors mapped to API responses in one place (STYLE.md habit 6).

Bad input (``portal.errors.InvalidInput``, Django's ``ValidationError``) is
400; a move the object's current state forbids (``TransitionError``: an
illegal move, a closed window, a race lost to another reviewer) is 409 and
names the object and the state it is in now; each with the message the web
pages show and a stable ``code``. Only ``portal`` is imported: the apps that
raise these errors sit above it.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from portal.errors import DomainError, TransitionError


def domain_error_body(exc):
    """The JSON body of a domain error: detail and code, plus the item and its current state for a 409."""
    body = {"detail": exc.message, "code": exc.code}
    if isinstance(exc, TransitionError) and exc.item is not None:
        body["item"] = exc.item.pk
        body["status"] = exc.current_status
    return body


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(domain_error_body(exc), status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "You may not do this."}, status=status.HTTP_403_FORBIDDEN)
    return exception_handler(exc, context)
