"""Domain errors every app raises, kept apart by what the caller did wrong (STYLE.md habit 6).

Two kinds, answered differently by the API and the pages:

* ``InvalidInput`` (400): the request itself is incomplete or malformed, e.g.
  a decision without its reason. Sending it again unchanged fails again;
  fixing the input helps.
* ``TransitionError`` (409): the request was well formed, but the object's
  current state does not allow it: an illegal move, a window that has closed,
  a race lost to another reviewer. It carries the object (``item``) so the
  answer can show the state it is in now.

They live in ``portal``, below every app, so any app raises them and the one
mapping to responses (``portal.api_errors``, ``takedowns.views.errors``)
needs no import of the app that raised them.
"""


class DomainError(Exception):
    """A refusal a person can read; ``code`` is stable for API clients."""

    default_code = "domain_error"
    http_status = 400

    def __init__(self, message, *, code=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    def __str__(self):
        # A lazy message (gettext_lazy, portal.i18n.text_later) is read in the language active now: the page's
        # reader's, English for the API.
        return str(self.message)


class InvalidInput(DomainError):
    """The input is missing or malformed (400): e.g. ``reason_required``, ``statement_required``."""

    default_code = "invalid_input"
    http_status = 400


class TransitionError(DomainError):
    """The current state forbids the move (409): an illegal move, a closed window, a lost race."""

    default_code = "illegal_transition"
    http_status = 409

    def __init__(self, message, *, item=None, code=None):
        super().__init__(message, code=code)
        self.item = item

    @property
    def current_status(self):
        """The state the object is in now, as the refusal saw it (None when no object is attached)."""
        return getattr(self.item, "status", None)
