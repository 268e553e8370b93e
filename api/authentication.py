"""``Authorization: Bearer tdp_…``: the request acts as the key's principal, within the key's scopes."""

from rest_framework import authentication, exceptions

from api.keys import api_key_find, api_key_used


def _presented_key(request):
    """The key of an ``Authorization: Bearer …`` header, or None."""
    header = authentication.get_authorization_header(request).decode("latin-1")
    keyword, _, presented = header.partition(" ")
    return presented.strip() if keyword == ApiKeyAuthentication.keyword else None


def request_signed_in_by_key(request):
    """Whether the request carries a usable API key (portal.request_limits asks, before reading the body)."""
    presented = _presented_key(request)
    return bool(presented) and api_key_find(presented) is not None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, presented = header.partition(" ")
        if keyword != self.keyword:
            return None
        key = api_key_find(presented.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown, revoked or expired.")
        api_key_used(key)
        return key.principal, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
