"""Domain errors mapped to API responses in one place (STYLE.md habit 6).

An illegal lifecycle move is a conflict with the item's current state: 409,
with the same message the web pages show.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    from takedowns.lifecycle import TransitionError

    if isinstance(exc, TransitionError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.item is not None:
            body["item"] = exc.item.pk
            body["status"] = exc.item.status
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc) or "You may not do this."}, status=status.HTTP_403_FORBIDDEN)
    return exception_handler(exc, context)
