"""What the API tells ``portal.request_limits`` before DRF runs: who a large request acts as, and its 413.

The body limits are checked by a middleware, before anything reads the body and
before DRF authenticates, so a request with a key looks anonymous there. For a
body above the plain limit the middleware asks ``api_caller``: a valid key gets
the API's limits (``REQUEST_MAX_API_BODY_BYTES``, or the upload limit of an API
class marked ``@upload_endpoint(kind)``); a missing, unknown, revoked or expired
key stays at the plain limit, so a made-up header buys no larger body. The look-up
counts a failure against the address as DRF's authentication does, and an address
past ``API_AUTH_FAILURE_LIMIT`` stays at the plain limit whatever key it sends.
"""

from api.authentication import TooManyFailedKeys, key_authenticate, presented_key
from api.problems import problem_http_response


def api_caller(request):
    presented = presented_key(request)
    if not presented:
        return None
    try:
        key = key_authenticate(request, presented)
    except TooManyFailedKeys:
        # The address is past its failed-authentication limit: no key counts, so the answer
        # (the plain limit) is the same for a right key and a wrong one.
        return None
    return key.principal if key is not None else None


def api_too_large(request, message):
    return problem_http_response(status_code=413, code="request_too_large", detail=message, request=request)


def api_unreadable(request, message):
    return problem_http_response(status_code=400, code="parse_error", detail=message, request=request)
