"""A move's rows: what a move writes for an item, made once, inserted for one item or for many.

``move_rows`` turns an item and its move into the rows the move writes: the
item's new values (set on the item), its ``ItemEvent``, its audit entry, its
statements of reasons, its ``Effect`` rows, and whether the listing's status
follows at once. ``creation_rows`` does the same for a new item's first event.
Nothing else builds these rows; three callers insert them:

* ``moves._apply`` (every verb, one item): ``rows_insert([rows])``;
* the set filing (``takedowns.routing``): ``rows_insert`` of a notice's items,
  one statement per table;
* the set-based deadline sweep (``takedowns.sweep``): ``move_rows`` of one
  representative per group of alike items, its per-item values replaced by
  markers; the sweep's statement puts each claimed row's own values in their
  place.

The audit entry and the notify effect name the event's id, known once the event
is inserted: ``rows_insert`` inserts the events first, then asks each ``Rows``
for the rest (``after_event``).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from portal.actors import actor_label
from portal.audit import audit_log_entry
from portal.bulk_insert import bulk_insert, unsaved
from portal.events import events_announce
from portal.models import AuditLogEntry
from takedowns.announcements import items_upheld_changed, upheld_changed
from takedowns.listing_sync import listings_status_sync
from takedowns.models import Effect, EffectKind, ItemEvent, ItemStatus
from takedowns.reasons import statement_rows


@dataclass
class Rows:
    """The unsaved rows of one move (or one creation) of ``item``; the item's own row is the caller's."""

    item: object
    fields: list  # the item fields the move set (the caller saves or inserts the item)
    event: ItemEvent
    audit_action: str
    audit_actor: object
    audit_label: str | None  # audit_log_entry's actor_label: None when an actor is named
    audit_data: object  # event id -> dict
    audit_status: str  # the status the audit entry names the item in (the event's target)
    statements: list = field(default_factory=list)
    effect_specs: object = None  # event id -> [(kind, key, payload)]
    listing_follows: str = ""  # the listing's status follows in this transaction, for this cause ('': no)
    audit: AuditLogEntry = None
    effects: list = field(default_factory=list)

    def after_event(self, *, origin=None):
        """Build the rows that name the event (audit entry, effects); ``self.event`` has its id by now."""
        event_id = self.event.pk
        self.audit = audit_log_entry(
            action=self.audit_action,
            actor=self.audit_actor,
            actor_label=self.audit_label,
            obj=self.item,
            organisation_id=self.item.notice.rights_holder.organisation_id,
            data=self.audit_data(event_id),
            origin=origin,
            object_repr=_named_in(self.item, self.audit_status),
        )
        specs = self.effect_specs(event_id) if self.effect_specs else []
        self.effects = [
            unsaved(Effect, item=self.item, kind=kind, key=key, payload=payload) for kind, key, payload in specs
        ]
        return self


def move_in_memory(item, move, *, actor, now):
    """Set a move's new values on ``item`` (not saved). Returns the names of the fields it changed.

    Shared by ``_apply`` and the set-based filing (``takedowns.routing``), which inserts the
    item already routed: both write the same values.
    """
    item.status = move.to
    item.status_changed_at = now
    item.version += 1
    update = ["status", "status_changed_at", "version"]
    for name, value in move.fields.items():
        setattr(item, name, value)
        update.append(name)
    if move.final:
        item.decided_at = now
        item.decided_by = actor
        item.decision_generation += 1
        update += ["decided_at", "decided_by", "decision_generation"]
    if move.to in {ItemStatus.PENDING_REVIEW, ItemStatus.PENDING_ADJUDICATION}:
        item.queued_at = now
        item.review_due_at = now + timedelta(hours=settings.TAKEDOWN_REVIEW_SLA_HOURS)
        update += ["queued_at", "review_due_at"]
    return update


def move_audit_data(before, move, event_id):
    """The data of a move's audit entry (``takedowns.item.<action>``)."""
    return {"before": before, "after": move.to, "reason": move.reason, "event": event_id, **move.data}


def move_effects(move, event_id):
    """A move's effects, with the notification every move sends: the notify handler decides who hears what."""
    return [*move.effects, (EffectKind.NOTIFY, f"event-{event_id}", {"event": event_id})]


def _named_in(item, status):
    """The item as an audit entry names it, in ``status``: a set filing inserts an item already routed,
    and its creation's entry still names it as it was created."""
    current, item.status = item.status, status
    try:
        return str(item)
    finally:
        item.status = current


def move_rows(item, move, *, actor, actor_default="system", now, ground=None):
    """The rows ``move`` writes on ``item``, its new values set on ``item`` (checked by the caller, not saved).

    ``ground`` is the statements' legal ground when the caller has it (the sweep
    passes a marker); otherwise it is read from the item's asset.
    """
    before = item.status
    fields = move_in_memory(item, move, actor=actor, now=now)
    label = actor_label(actor, actor_default)
    return Rows(
        item=item,
        fields=fields,
        event=unsaved(
            ItemEvent,
            item=item,
            at=now,
            actor=actor,
            actor_label=label,
            action=move.action,
            from_status=before,
            to_status=move.to,
            reason=move.reason,
            data=move.data,
        ),
        audit_action=f"takedowns.item.{move.action}",
        audit_actor=actor,
        audit_label=None if actor else label,
        audit_data=lambda event_id: move_audit_data(before, move, event_id),
        audit_status=move.to,
        statements=statement_rows(item, move.statements, now=now, ground=ground),
        effect_specs=lambda event_id: move_effects(move, event_id),
        listing_follows=move.listing_follows,
    )


def creation_rows(item, creation, *, actor):
    """The rows of a new item's first event (``moves.creation_plan``); the item is inserted by the caller."""
    return Rows(
        item=item,
        fields=[],
        event=unsaved(ItemEvent, item=item, **creation.event_fields),
        audit_action=creation.audit_action,
        audit_actor=actor,
        audit_label=creation.audit_label,
        audit_data=creation.audit_data,
        audit_status=creation.item_fields["status"],
    )


def rows_insert(rows, *, dispatch, origin=None, also_audit=()):
    """Insert ``rows`` (items already saved): a statement per table for any number; effects sent after commit.

    The events are announced (``portal.events``) in the same transaction, for webhooks.

    ``dispatch`` sends the effects of a list of item ids (one task per item for a
    verb, one per chunk for a set). Listings whose status follows the move are
    brought in line here, in the move's transaction. The audit entries of the moves,
    of the listings that changed, and ``also_audit`` (the caller's entries for the
    same change, e.g. the notice's own) go in with one insert.
    """
    if not rows:
        return
    bulk_insert([r.event for r in rows])
    for r in rows:
        r.after_event(origin=origin)
    causes = {}
    for r in rows:
        if r.listing_follows:
            causes.setdefault(r.item.listing_id, f"{r.listing_follows} of item {r.item.pk}")
    listing_entries = []
    changed = listings_status_sync(causes, audit_entries=listing_entries)
    for r in rows:
        if r.item.listing_id in changed:
            r.item.listing.status = changed[r.item.listing_id]
    bulk_insert([*(r.audit for r in rows), *listing_entries, *also_audit])
    statements = [statement for r in rows for statement in r.statements]
    if statements:
        # One statement per decision and restriction (unique): a move never writes one twice.
        bulk_insert(statements, ignore_conflicts=True)
    effects = [effect for r in rows for effect in r.effects]
    if effects:
        bulk_insert(effects, ignore_conflicts=True)
        item_ids = list(dict.fromkeys(effect.item_id for effect in effects))
        transaction.on_commit(lambda: dispatch(item_ids))
    # Webhooks (portal.events): the same rows, one announcement for one item or many.
    events_announce("item_event", [r.event.pk for r in rows])
    # Screening (takedowns.announcements): items upheld, or no longer, change the known counterfeits.
    items_upheld_changed(
        [r.item.pk for r in rows if upheld_changed(getattr(r.event, "from_status", ""), r.event.to_status)]
    )
