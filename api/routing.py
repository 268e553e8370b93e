"""One path, one API class per operation: ``path("assets/", by_method(GET=AssetListApi, POST=AssetCreateApi))``.

STYLE.md wants one class per operation (its own input and output, scopes and
parsers), while REST puts a collection's list and create on one path. Django
resolves a path to one view, so ``by_method`` builds a plain dispatcher that hands
the request, untouched, to the class of its method: authentication, scopes and
parsing happen once, in that class. The OpenAPI generator sees each operation
through ``api.schema.by_method_endpoints``. A class that takes uploads declares
``upload_kind`` (``portal.request_limits``).
"""

from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.views import APIView

from portal.request_limits import upload_endpoint


class _NotServed(APIView):
    """A method the path does not serve: 405 (a problem), before any authentication or scope check."""

    authentication_classes = []
    permission_classes = []

    def initial(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)


_not_served = _NotServed.as_view()


def by_method(**classes):
    """A view serving each HTTP method (``GET=``, ``POST=``, ...) with its own API class."""
    callbacks = {method.upper(): cls.as_view() for method, cls in classes.items()}
    first = next(iter(callbacks.values()))
    allowed = ", ".join(sorted({*callbacks, "OPTIONS"} | ({"HEAD"} if "GET" in callbacks else set())))

    def view(request, *args, **kwargs):
        method = request.method
        if method in ("HEAD", "OPTIONS") and method not in callbacks:
            method = "GET" if "GET" in callbacks else method
        response = callbacks.get(method, _not_served)(request, *args, **kwargs)
        if response.status_code == 405 or request.method == "OPTIONS":
            response["Allow"] = allowed
        return response

    # What DRF's schema generators look for on a view; by_method_endpoints expands the rest.
    view.cls, view.initkwargs = first.cls, first.initkwargs
    view.by_method = callbacks
    # A class taking files says so (``upload_kind = "document"``): the path's bodies may be larger.
    kinds = {cls.upload_kind for cls in classes.values() if getattr(cls, "upload_kind", None)}
    if len(kinds) > 1:
        raise ValueError(f"One path takes one kind of upload, not {sorted(kinds)}.")
    if kinds:
        view = upload_endpoint(kinds.pop())(view)
    return csrf_exempt(view)  # as every DRF view: SessionAuthentication enforces CSRF itself
