"""Who calls the API: a key (``Authorization: Bearer tdp_…``) or a person signed in to the portal.

A key's request acts as the key's principal, within the key's scopes. A browser
session acts as the person signed in, with that person's rights and no scopes
(``api.permissions``); an unsafe method needs the CSRF token, as on the pages. A session
that still owes its second factor (staff, or anyone who turned two-factor sign-in on) is a
403 ``two_factor_required`` (portal/two_factor/).

Failed look-ups (an unknown, revoked or expired key, or a malformed one) are
counted per client address (``api.throttling``); past ``API_AUTH_FAILURE_LIMIT``
the address gets 429 with ``Retry-After`` for any key until the window ends,
so nobody can try keys without limit.
"""

from rest_framework import authentication, exceptions

from api.keys import api_key_find, api_key_used
from api.throttling import auth_failure_record, auth_failures_wait
from portal.actors import actor_label_known
from portal.middleware import client_ip
from portal.two_factor.devices import two_factor_gate

KEYWORD = "Bearer"


def presented_key(request):
    """The key a request presents (``Authorization: Bearer <key>``), or None when it presents none."""
    header = authentication.get_authorization_header(request).decode("latin-1")
    keyword, _, presented = header.partition(" ")
    return presented.strip() if header and keyword == KEYWORD else None


class TooManyFailedKeys(exceptions.Throttled):
    default_detail = "Too many requests from this address failed to authenticate."


def key_authenticate(http_request, presented):
    """The usable key ``presented`` names, or None; a None counts as a failure of the request's address.

    Raises ``TooManyFailedKeys`` (429) without looking the key up once the address is
    past ``API_AUTH_FAILURE_LIMIT``. ``http_request`` is Django's request (the address
    is read from it); the body-limit middleware asks through here too, so a large
    body is no way around the count.
    """
    address = client_ip(http_request)
    wait = auth_failures_wait(address)
    if wait is not None:
        raise TooManyFailedKeys(
            wait=wait,
            detail="Too many requests from this address failed to authenticate with an API key; "
            "no key is accepted from it until the time in Retry-After has passed.",
        )
    key = api_key_find(presented)
    if key is None:
        auth_failure_record(address)
    return key


class CsrfFailed(exceptions.PermissionDenied):
    default_code = "csrf_failed"


class TwoFactorRequired(exceptions.PermissionDenied):
    default_code = "two_factor_required"
    default_detail = (
        "This session has not passed two-factor sign-in. Enter your code on the portal's sign-in page "
        "(or set up an authenticator there), then try again; an API key needs no second factor."
    )


class BrowserSessionAuthentication(authentication.SessionAuthentication):
    """The portal's session, for the browser (the API docs' "Try it out", the portal's own scripts).

    The session is the portal's (``portal.authentication.PersonBackend``: persons only, never
    a key's principal). A POST, PUT, PATCH or DELETE without the session's CSRF token in
    ``X-CSRFToken`` is a 403 ``csrf_failed``, so another site cannot make a signed-in
    browser act; a key needs no token, it is not sent by the browser on its own.
    """

    def authenticate(self, request):
        found = super().authenticate(request)
        # The pages send such a session to its second factor (portal.two_factor); here it gets a clear 403.
        if found is not None and not found[0].is_verified() and two_factor_gate(found[0]) is not None:
            raise TwoFactorRequired()
        return found

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise CsrfFailed(
                f"{exc.detail} A browser session sends its CSRF token (the csrftoken cookie) in the "
                "X-CSRFToken header with every POST, PUT, PATCH and DELETE."
            ) from None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        presented = presented_key(request)
        if presented is None:
            return None
        key = key_authenticate(request._request, presented)
        if key is None:
            raise exceptions.AuthenticationFailed("The API key is unknown, revoked or expired.")
        api_key_used(key)
        actor_label_known(key.principal, key.organisation)  # the key's name on what it does, without a query
        return key.principal, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
