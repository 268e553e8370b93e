"""Rate limits of the partner API, counted in the shared cache (Redis in production).

Each key has its own counters; a browser session counts per user; anyone else per
address (only the schema answers them). A request counts against two fixed windows,
the sustained rate (``API_RATE_LIMIT``, e.g. 600/min) and the burst
(``API_BURST_LIMIT``, e.g. 60/s), and is refused with 429 and ``Retry-After`` (the
seconds until the window that refused it ends) once either is used up.

A counter is ``cache.add`` then ``cache.incr``: both atomic on Redis, so processes on
many hosts share one count without a lock. Fixed windows may let up to twice a
window's limit through across its edge; the burst window keeps that edge small.
A cache that fails lets the request through (logged): losing the limits for a
moment is better than refusing every partner.

Failed authentications are counted apart, per client address
(``API_AUTH_FAILURE_LIMIT``): DRF authenticates before any throttle runs, so a
request with a wrong key never reaches the counters above. ``api.authentication``
asks ``auth_failures_wait`` before it looks a key up and calls
``auth_failure_record`` when the look-up fails.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from api.models import ApiKey
from portal.middleware import client_ip

logger = logging.getLogger(__name__)


def _counter_hit(cache_key, window):
    """The count after this hit in ``cache_key``, a counter that lives for ``window`` seconds."""
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:
        # The counter expired between add and incr: this hit opens the next one.
        cache.add(cache_key, 1, timeout=window + 1)
        return 1


def caller_of(request):
    """Whom a request counts against: ``key:<id>``, ``user:<id>`` or ``address:<ip>``."""
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{client_ip(request._request) or 'unknown'}"


def limits_for(caller):
    """(requests, seconds) windows that apply to ``caller``, the shortest first."""
    if caller.startswith("address:"):
        return [settings.API_ANONYMOUS_RATE_LIMIT]
    return sorted([settings.API_BURST_LIMIT, settings.API_RATE_LIMIT], key=lambda limit: limit[1])


class ApiRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        self._wait = None
        caller = caller_of(request)
        now = time.time()
        for count, seconds in limits_for(caller):
            window = int(now // seconds)
            try:
                used = _counter_hit(f"api:rate:{caller}:{seconds}:{window}", seconds)
            except Exception:  # any cache failure: fail open, and say so
                logger.warning("API rate limit not applied: the cache failed", exc_info=True)
                return True
            if used > count:
                self._wait = max((window + 1) * seconds - now, 0.001)
                return False
        return True

    def wait(self):
        return self._wait


def _auth_failure_window(now):
    count, seconds = settings.API_AUTH_FAILURE_LIMIT
    window = int(now // seconds)
    return count, seconds, window


def _auth_failure_counter(address, seconds, window):
    return f"api:auth-failures:{address or 'unknown'}:{seconds}:{window}"


def auth_failures_wait(address):
    """Seconds until ``address`` may present a key again, or None when it may now.

    Past the limit, every request of the address that presents a key is refused
    unread, a right key too: were a right key let through, the refusal would tell a
    guesser which of its guesses is right, and the limit would bound nothing.
    """
    now = time.time()
    count, seconds, window = _auth_failure_window(now)
    try:
        failures = cache.get(_auth_failure_counter(address, seconds, window), 0)
    except Exception:  # fail open, as the rate limits do
        logger.warning("API failed authentications not counted: the cache failed", exc_info=True)
        return None
    if failures < count:
        return None
    return max((window + 1) * seconds - now, 0.001)


def auth_failure_record(address):
    """Count one failed authentication against ``address`` in the current window."""
    count, seconds, window = _auth_failure_window(time.time())
    try:
        _counter_hit(_auth_failure_counter(address, seconds, window), seconds)
    except Exception:
        logger.warning("API failed authentications not counted: the cache failed", exc_info=True)
