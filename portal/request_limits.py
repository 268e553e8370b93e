"""Request bodies are bounded before anything reads them; each request's uploads share one budget.

A view that takes files says which kind with ``@upload_endpoint("document")``
(the admin's pages count as document pages for staff); every other request
may carry at most ``REQUEST_MAX_BODY_BYTES``. The larger
limit of an upload endpoint (``REQUEST_MAX_UPLOAD_BYTES[kind]``) is only for
signed-in users: the upload pages all need a login, so a stranger's large body
is refused on the declared Content-Length alone, never spooled to disk (the
CSRF middleware would otherwise parse it before any view ran).

The middleware sits after the session and authentication middleware (which
read no body) and before CsrfViewMiddleware (the first that does). A body
that passes is parsed here so that too many files or form fields is a clear
413 page rather than Django's bare 400; each request then validates its
uploads inside one upload budget (portal.uploads.budget).

The partner API (the ``api`` URL namespace) is called with a key in the
``Authorization`` header, which only the API knows how to check, so the session
says nothing about its callers. For a body above ``REQUEST_MAX_BODY_BYTES`` the
middleware asks the ``api`` app (``API_POLICIES``, registered in its
``AppConfig.ready``) whom the request acts as: a valid key or a signed-in user
may send up to ``REQUEST_MAX_API_BODY_BYTES`` (JSON: listing ingest, notices of
many items), or the upload limit of an API view that takes files (an API class
decorated with ``@upload_endpoint(kind)``); anyone else stays at the plain limit.
The 413 is then the API's own problem details.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve

from portal.policies import PolicyRegistry
from portal.uploads import upload_budget
from portal.uploads.sizes import size_text

API_POLICIES = PolicyRegistry(
    asker="portal.request_limits",
    answerer="api",
    policies={
        # The user a request to the API acts as: its key's principal, or None (no key, or an
        # unknown, revoked or expired one). Called for large bodies only, before anything reads them.
        "api_caller": "request -> User | None",
        # The API's 413 answer for ``message`` (problem details).
        "api_too_large": "request, message -> HttpResponse",
        # The API's 400 answer for a body that cannot be parsed (problem details).
        "api_unreadable": "request, message -> HttpResponse",
    },
)

KIND_WORDS = {"document": "documents and images", "image": "images"}


def upload_endpoint(kind):
    """Mark a view as taking uploads of `kind` ("document" or "image"): its requests may be larger."""
    if kind not in settings.REQUEST_MAX_UPLOAD_BYTES:
        raise ValueError(f"upload kind must be one of {sorted(settings.REQUEST_MAX_UPLOAD_BYTES)}, not {kind!r}")

    def decorate(view):
        view.upload_kind = kind
        return view

    return decorate


def _declared_length(request):
    # Django reads exactly CONTENT_LENGTH bytes (none when it is absent or malformed), so it bounds the body.
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _match(request):
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None


def _is_api(match):
    return match is not None and match.app_name == "api"


def _upload_kind(match):
    """(kind, only for staff): the view's declared kind; the admin's forms take documents, from staff only."""
    if match is None:
        return None, False
    # A function view carries the mark itself; a class-based view (the API's) on its class.
    kind = getattr(match.func, "upload_kind", None) or getattr(
        getattr(match.func, "view_class", None), "upload_kind", None
    )
    if kind is None and match.app_name == "admin":
        return "document", True  # letters of authorisation, proofs and reference images
    return kind, False


def request_body_limit(request):
    """(limit in bytes, what it is the limit of, in words for the refusal) for this request."""
    match = _match(request)
    kind, staff_only = _upload_kind(match)
    if _is_api(match):
        caller = request.user if request.user.is_authenticated else API_POLICIES.get("api_caller")(request)
        if caller is None:
            return settings.REQUEST_MAX_BODY_BYTES, "the API accepts without a valid API key"
        if kind is not None:
            return settings.REQUEST_MAX_UPLOAD_BYTES[kind], f"an API operation that takes {KIND_WORDS[kind]} accepts"
        return settings.REQUEST_MAX_API_BODY_BYTES, "the API accepts"
    if kind is not None and request.user.is_authenticated and (request.user.is_staff or not staff_only):
        return settings.REQUEST_MAX_UPLOAD_BYTES[kind], f"a page that takes {KIND_WORDS[kind]} accepts"
    return settings.REQUEST_MAX_BODY_BYTES, "this page accepts"


def _too_large(request, message):
    if _is_api(_match(request)):
        return API_POLICIES.get("api_too_large")(request, message)
    if request.accepts("application/json") and not request.accepts("text/html"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length > settings.REQUEST_MAX_BODY_BYTES:
            limit, what = request_body_limit(request)
            if length > limit:
                return _too_large(
                    request,
                    f"What you sent ({size_text(length)}) is more than the {size_text(limit)} {what}. "
                    + (
                        "Nothing was saved. Send it in smaller parts."
                        if _is_api(_match(request))
                        else "Nothing was saved. Send fewer or smaller files at a time."
                    ),
                )
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parse now, so a refusal is a clear page
            except TooManyFilesSent:
                # A page that takes only pictures accepts no PDF to combine them into.
                takes_pdf = _upload_kind(_match(request))[0] != "image"
                return _too_large(
                    request,
                    f"You sent more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at once. Nothing was saved. "
                    + (
                        "Combine several into one PDF, or send them in more than one step."
                        if takes_pdf
                        else "Send them in more than one step."
                    ),
                )
            except (TooManyFieldsSent, RequestDataTooBig):
                return _too_large(request, "The form you sent is too large. Nothing was saved.")
            except MultiPartParserError as exc:
                if not _is_api(_match(request)):
                    raise  # Django's 400 page: a browser never sends such a body
                # A partner's client gets problem details, as for a malformed JSON body.
                return API_POLICIES.get("api_unreadable")(
                    request, f"The multipart body cannot be read: {exc}. Nothing was saved."
                )
        with upload_budget():
            return self.get_response(request)
