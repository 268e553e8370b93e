"""``Authorization: Bearer tdp_…``: the request acts as the key's principal, within the key's scopes."""

from rest_framework import authentication, exceptions

from api.keys import api_key_find, api_key_used


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
