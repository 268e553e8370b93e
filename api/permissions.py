"""Scopes: each API class names what it needs per HTTP method in ``required_scopes``.

A browser session (no key) is limited by the pages' own rules only; a key must
also carry the scope, and its organisation must still be allowed it
(``ApiKey.scopes_in_force``: ``listings:ingest`` only while it is the marketplace). A view that names no scope for a method refuses it, so a
forgotten declaration fails closed.
"""

from rest_framework.permissions import BasePermission

from api.models import ApiKey

ANY_KEY = "*"  # any authenticated caller, whatever the key's scopes (e.g. /api/v1/me/)


class HasScope(BasePermission):
    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            # A method the path does not serve (api.routing's own view): dispatch answers 405 once the
            # caller is authenticated, not a 403 about a scope no key could hold.
            return request.user.is_authenticated
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if needed is None:
            # HEAD is GET without the body (OPTIONS never reaches an operation's class: api.routing answers it).
            needed = getattr(view, "required_scopes", {}).get("GET") if request.method == "HEAD" else None
        if needed is None:
            return False
        if needed == ANY_KEY:
            return request.user.is_authenticated
        if not isinstance(request.auth, ApiKey):
            return request.user.is_authenticated
        self.message = f"This API key lacks the scope {needed!r}."
        return needed in request.auth.scopes_in_force
