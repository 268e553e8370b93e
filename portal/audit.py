"""Writing the audit log. Call inside the transaction of the change it records."""

from portal.actors import actor_label as label_of
from portal.bulk_insert import unsaved
from portal.context import current_origin
from portal.models import AuditLogEntry


def audit_log_entry(
    *,
    action,
    actor=None,
    obj=None,
    organisation=None,
    organisation_id=None,
    data=None,
    actor_label=None,
    object_repr=None,
    origin=None,
):
    """An unsaved entry; set-based writers bulk-insert these, everyone else calls audit_log_record."""
    origin = origin or current_origin()
    if actor_label is None:
        actor_label = label_of(actor)
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = (object_repr or str(obj))[:300]
    # The organisation by object when given one, else by id (one of the two: see bulk_insert.unsaved).
    named = {"organisation": organisation} if organisation is not None else {"organisation_id": organisation_id}
    return unsaved(
        AuditLogEntry,
        action=action,
        actor=actor,
        actor_label=actor_label[:200],
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr or "",
        **named,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        data=data or {},
    )


def audit_log_record(**kwargs):
    """Append one audit entry; `action` is namespaced: ``takedowns.item.upheld``."""
    entry = audit_log_entry(**kwargs)
    entry.save(force_insert=True)
    return entry
