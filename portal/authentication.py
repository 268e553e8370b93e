"""Who may sign in to the portal: persons only, never the principal user an API key acts as."""

from django.contrib.auth.backends import ModelBackend


class PersonBackend(ModelBackend):
    """Django's password backend, refusing API key principals (``User.is_api_principal``).

    A principal is made with an unusable password, but an administrator could still set
    one; refusing it here closes both ways in at once: the sign-in form (``authenticate``)
    and any session that names a principal, which loads as anonymous (``get_user``), so a
    key's principal is only ever reached with its key, within its scopes.
    """

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and not getattr(user, "is_api_principal", False)
