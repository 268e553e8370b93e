"""Where the current request came from, for the audit log.

Set by RequestContextMiddleware; tasks and commands leave it empty.
"""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None = None
    user_agent: str = ""


_NO_ORIGIN = RequestOrigin()
_origin = contextvars.ContextVar("request_origin", default=None)


def current_origin():
    return _origin.get() or _NO_ORIGIN


def set_origin(origin):
    return _origin.set(origin)


def reset_origin(token):
    _origin.reset(token)
