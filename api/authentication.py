"""``Authorization: Bearer tdp_…``: the request acts as the key's principal, within the key's scopes."""

from rest_framework import authentication, exceptions

from api.keys import api_key_find, api_key_used

KEYWORD = "Bearer"


def presented_key(request):
    """The key a request presents (``Authorization: Bearer <key>``), or None when it presents none."""
    header = authentication.get_authorization_header(request).decode("latin-1")
    keyword, _, presented = header.partition(" ")
    return presented.strip() if header and keyword == KEYWORD else None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        presented = presented_key(request)
        if presented is None:
            return None
        key = api_key_find(presented)
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown, revoked or expired.")
        api_key_used(key)
        return key.principal, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
