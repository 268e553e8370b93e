"""Domain errors to what a person reads, and to the HTTP status a page answers with (STYLE.md habit 6)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from portal.errors import DomainError
from portal.uploads import UploadRejected

DOMAIN_ERRORS = (DomainError, PermissionDenied, ValidationError)


def error_messages(exc):
    """The person-readable lines of a domain error."""
    if isinstance(exc, UploadRejected):
        return [str(exc)]
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    text = str(exc)
    if isinstance(exc, PermissionDenied) and not text:
        return [gettext("You are not allowed to do that.")]
    return [text]


def error_status(exc):
    """409 when the object's state forbids the action, 400 for bad input, 403 for a missing right."""
    if isinstance(exc, DomainError):
        return exc.http_status
    if isinstance(exc, PermissionDenied):
        return 403
    return 400


def form_add_domain_error(form, exc):
    """Put a ValidationError's field messages on the form's fields, everything else on top."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    for line in error_messages(exc):
        form.add_error(None, line)


def refused(request, exc, page, *, prefix=""):
    """A refused action answers with the page as it now stands and why, never a redirect.

    409 when the object's state forbids it (an illegal move, a race lost to another
    reviewer), 400 for bad input, 403 for a missing right. ``page(request, status=...)``
    renders the page; the reasons are shown as error messages, each after ``prefix``.
    """
    for line in error_messages(exc):
        messages.error(request, f"{prefix}{line}")
    return page(request, status=error_status(exc))


def form_refusal(form, *, missing):
    """An invalid form as one refusal (a 400): ``missing`` once for empty required fields, any other
    error as it reads, named by its field (a refused character or an over-long text says so, not
    "fill this in")."""
    lines, required = [], False
    for name, errors in form.errors.as_data().items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            if error.code == "required":
                required = True
                continue
            lines += [f"{label}: {line}" if label else line for line in error.messages]
    if required and missing:
        lines.append(missing)
    return ValidationError(lines or [missing or gettext("Check the form and send it again.")], code="invalid_form")
