"""What the API tells ``portal.request_limits`` before DRF runs: who a large request acts as, and its 413.

The body limits are checked by a middleware, before anything reads the body and
before DRF authenticates, so a request with a key looks anonymous there. For a
body above the plain limit the middleware asks ``api_caller``: a valid key gets
the API's limits (``REQUEST_MAX_API_BODY_BYTES``, or the upload limit of an API
class marked ``@upload_endpoint(kind)``); a missing, unknown, revoked or expired
key stays at the plain limit, so a made-up header buys no larger body.
"""

from api.authentication import presented_key
from api.keys import api_key_find
from api.problems import problem_http_response


def api_caller(request):
    presented = presented_key(request)
    key = api_key_find(presented) if presented else None
    return key.principal if key is not None else None


def api_too_large(request, message):
    return problem_http_response(status_code=413, code="request_too_large", detail=message, request=request)
