"""One path, one API class per operation: ``path("assets/", by_method(GET=AssetListApi, POST=AssetCreateApi))``.

STYLE.md wants one class per operation (its own input and output, scopes and
parsers), while REST puts a collection's list and create on one path. Django
resolves a path to one view, so ``by_method`` builds a plain dispatcher that hands
the request, untouched, to the class of its method: authentication, scopes and
parsing happen once, in that class. Every path of the API is built this way, a
path of one operation too, so every path answers the methods it does not serve
alike (README, "Partner API keys"):

1. no credentials, or an unknown, revoked or expired key: 401, whatever the method;
2. a method the path does not serve (HEAD where it serves no GET): 405 with ``Allow``,
   whatever the key's scopes (no scope makes it work, so none is asked for);
3. ``OPTIONS``: 204 with ``Allow``, for any key;
4. a served method: its class (scope 403, then the operation).

Every answer of a path carries the path's ``Allow``. The OpenAPI generator sees each
operation through ``api.schema.by_method_endpoints``. A class that takes uploads
declares ``upload_kind`` (``portal.request_limits``).
"""

from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ANY_KEY
from portal.request_limits import upload_endpoint


class _PathMethods(APIView):
    """What a path answers of itself, once the caller is authenticated (and within its rate limit, as any request):
    OPTIONS, and 405 for a method no class of the path serves (it has no handler here; DRF's dispatch says 405)."""

    required_scopes = {"OPTIONS": ANY_KEY}

    def options(self, request, *args, **kwargs):
        return Response(status=status.HTTP_204_NO_CONTENT)


_path_methods = _PathMethods.as_view()


def by_method(**classes):
    """A view serving each HTTP method (``GET=``, ``POST=``, ...) with its own API class."""
    callbacks = {method.upper(): cls.as_view() for method, cls in classes.items()}
    if "GET" in callbacks:
        callbacks.setdefault("HEAD", callbacks["GET"])
    first = next(iter(callbacks.values()))
    allowed = ", ".join(sorted({*callbacks, "OPTIONS"}))

    def view(request, *args, **kwargs):
        response = callbacks.get(request.method, _path_methods)(request, *args, **kwargs)
        response["Allow"] = allowed
        return response

    # What DRF's schema generators look for on a view; by_method_endpoints expands the rest.
    view.cls, view.initkwargs = first.cls, first.initkwargs
    view.by_method = {method: callback for method, callback in callbacks.items() if method != "HEAD"}
    # A class taking files says so (``upload_kind = "document"``): the path's bodies may be larger.
    kinds = {cls.upload_kind for cls in classes.values() if getattr(cls, "upload_kind", None)}
    if len(kinds) > 1:
        raise ValueError(f"One path takes one kind of upload, not {sorted(kinds)}.")
    if kinds:
        view = upload_endpoint(kinds.pop())(view)
    return csrf_exempt(view)  # as every DRF view: SessionAuthentication enforces CSRF itself
