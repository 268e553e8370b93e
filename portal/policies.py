"""Registries through which a higher app answers a lower app's questions (STYLE.md habit 15).

A lower app that needs a policy living above it (``listings`` asking whether an identity
is banned, ``takedowns`` asking whether a filer is a Good Faith member) names the
question in a ``PolicyRegistry``; the higher app registers the function that answers it
in its ``AppConfig.ready``. No upward import is needed, and import-linter can keep it so.

A policy that nobody registered is an error, never a silent default: a portal missing
the answering app would otherwise fast-track nothing, or let every banned merchant back
in, without saying so. Registering a name the registry does not list is refused too, so
a typo fails at start-up rather than at the first call.
"""

from django.core.exceptions import ImproperlyConfigured


class PolicyRegistry:
    def __init__(self, *, asker, answerer, policies):
        self.asker = asker  # the app asking, for messages
        self.answerer = answerer  # the app expected to answer, for messages
        self.policies = policies  # name -> the contract its function keeps
        self._registered = {}

    def register(self, name, function):
        """Register ``function`` as the answer to policy ``name`` (called from ``AppConfig.ready``)."""
        if name not in self.policies:
            raise ImproperlyConfigured(
                f"{self.asker} asks for no policy named {name!r}; known: {', '.join(self.policies)}."
            )
        self._registered[name] = function

    def get(self, name):
        """The function registered for policy ``name``; an error when none was."""
        try:
            return self._registered[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"No app registered the {self.asker} policy {name!r}; is {self.answerer} in INSTALLED_APPS?"
            ) from None
