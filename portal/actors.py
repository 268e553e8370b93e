"""How whoever acted is named wherever an actor or a filer is shown: pages, e-mails, the admin, audit rows.

A person is named by their username. An API key's principal (``User.is_api_principal``) is
no person, and its username (``api-key-<id>``) means nothing to a reader: it is named as
the key of its organisation, ``API key “Vendor sync” (Acme Brand Protection)``, from the
principal's ``first_name`` (the key's name, set by ``api.keys.api_key_create``) and its one
membership. Labels written into the append-only history (``ItemEvent.actor_label``,
``AuditLogEntry.actor_label``) are taken from here when the row is written.
"""

from portal.models import Membership


def api_key_label(key_name, organisation_name):
    return f"API key \u201c{key_name}\u201d ({organisation_name})"


def actor_label(user, default="system"):
    """The name to show for ``user`` (``default`` for no user: an automatic step)."""
    if user is None:
        return default
    if not user.is_api_principal:
        return user.get_username()
    label = user.__dict__.get("_actor_label")
    if label is None:
        # A principal is a member of its key's organisation only (one query, then kept on the object).
        organisation = Membership.objects.filter(user=user).values_list("organisation__name", flat=True).first()
        label = (
            api_key_label(user.first_name, organisation) if organisation else f"API key \u201c{user.first_name}\u201d"
        )
        user.__dict__["_actor_label"] = label
    return label


def actor_label_known(principal, organisation):
    """Keep ``principal``'s label for the request, from its key's organisation already read: no query."""
    principal.__dict__["_actor_label"] = api_key_label(principal.first_name, organisation.name)
