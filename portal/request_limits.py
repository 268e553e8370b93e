"""Request bodies are bounded before anything reads them; each request's uploads share one budget.

A view that takes files says which kind with ``@upload_endpoint("document")``
(the admin's pages count as document pages for staff); every other request
may carry at most ``REQUEST_MAX_BODY_BYTES``. The larger
limit of an upload endpoint (``REQUEST_MAX_UPLOAD_BYTES[kind]``) is only for
signed-in users (by session, or by an API key the api app recognises): the upload pages all need a login, so a stranger's large body
is refused on the declared Content-Length alone, never spooled to disk (the
CSRF middleware would otherwise parse it before any view ran).

The middleware sits after the session and authentication middleware (which
read no body) and before CsrfViewMiddleware (the first that does). A body
that passes is parsed here so that too many files or form fields is a clear
413 page rather than Django's bare 400; each request then validates its
uploads inside one upload budget (portal.uploads.budget).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from portal.policies import PolicyRegistry
from portal.uploads import upload_budget

# Asked only of a large body to an upload endpoint, before anything reads it: a request made with an API
# key is signed in too, though Django's session middleware does not know it (the api app answers).
POLICIES = {"request_signed_in_by_key": "request -> bool"}
REGISTRY = PolicyRegistry(asker="portal.request_limits", answerer="api", policies=POLICIES)
policy_register = REGISTRY.register

KIND_WORDS = {"document": "documents and images", "image": "images"}


def upload_endpoint(kind):
    """Mark a view as taking uploads of `kind` ("document" or "image"): its requests may be larger."""
    if kind not in settings.REQUEST_MAX_UPLOAD_BYTES:
        raise ValueError(f"upload kind must be one of {sorted(settings.REQUEST_MAX_UPLOAD_BYTES)}, not {kind!r}")

    def decorate(view):
        view.upload_kind = kind
        return view

    return decorate


def _size_text(size):
    mb = size / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{size // 1024} KB"


def _declared_length(request):
    # Django reads exactly CONTENT_LENGTH bytes (none when it is absent or malformed), so it bounds the body.
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _upload_kind(request):
    """(kind, only for staff): the view's declared kind; the admin's forms take documents, from staff only."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None, False
    kind = getattr(match.func, "upload_kind", None)
    if kind is None and match.app_name == "admin":
        return "document", True  # letters of authorisation, proofs and reference images
    return kind, False


def request_body_limit(request):
    """(limit in bytes, upload kind or None) for this request."""
    kind, staff_only = _upload_kind(request)
    if kind is not None and (request.user.is_staff or not staff_only) and _signed_in(request):
        return settings.REQUEST_MAX_UPLOAD_BYTES[kind], kind
    return settings.REQUEST_MAX_BODY_BYTES, None


def _signed_in(request):
    return request.user.is_authenticated or REGISTRY.get("request_signed_in_by_key")(request)


def _too_large(request, message):
    if request.accepts("application/json") and not request.accepts("text/html"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length > settings.REQUEST_MAX_BODY_BYTES:
            limit, kind = request_body_limit(request)
            if length > limit:
                what = f"a page that takes {KIND_WORDS[kind]}" if kind else "this page"
                return _too_large(
                    request,
                    f"What you sent ({_size_text(length)}) is more than the {_size_text(limit)} {what} accepts. "
                    "Nothing was saved. Send fewer or smaller files at a time.",
                )
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parse now, so a refusal is a clear page
            except TooManyFilesSent:
                return _too_large(
                    request,
                    f"You sent more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at once. Nothing was saved. "
                    "Combine several into one PDF, or send them in more than one step.",
                )
            except (TooManyFieldsSent, RequestDataTooBig):
                return _too_large(request, "The form you sent is too large. Nothing was saved.")
        with upload_budget():
            return self.get_response(request)
