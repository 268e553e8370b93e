"""Writing the audit log. Call inside the transaction of the change it records."""

from portal.context import current_origin
from portal.models import AuditLogEntry


def audit_log_record(*, action, actor=None, obj=None, organisation=None, data=None, actor_label=None):
    """Append one audit entry; `action` is namespaced: ``takedowns.item.upheld``."""
    origin = current_origin()
    if actor_label is None:
        actor_label = actor.get_username() if actor is not None else "system"
    object_type = object_id = object_repr = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
        object_repr = str(obj)[:300]
    return AuditLogEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label[:200],
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        organisation=organisation,
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        data=data or {},
    )
