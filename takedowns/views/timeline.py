"""An item's timeline: every move in order, each with what it brought.

The counter-notice (and its evidence) sits at the move that filed it, the rights holder's reply at its
move, each statement of reasons at the decision it explains, appeals where they were filed and decided.
Built from rows the item page already loaded (no query of its own); what each side may read was chosen
before (takedowns.disclosure).
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # "event", "appeal_filed", "appeal_decided"
    event: object = None
    appeal: object = None
    counter_notice: object = None
    reply: object = None
    statements: list = field(default_factory=list)


def item_timeline(events, *, counter_notice=None, reply=None, statements=(), appeals=()):
    """Entries oldest first. ``events`` are ordered by (at, id); ``statements`` those the viewer reads."""
    entries = [TimelineEntry(at=e.at, kind="event", event=e) for e in events]
    for entry in entries:
        action = entry.event.action
        if action == "counter_noticed" and counter_notice is not None and entry.counter_notice is None:
            entry.counter_notice = counter_notice
            counter_notice = None
        if action == "replied" and reply is not None:
            entry.reply = reply
            reply = None
    # A statement belongs to the latest move at or before its decision instant (it is dated at the
    # decision that caused it, even when a worker wrote it later).
    for statement in sorted(statements, key=lambda s: s.decided_at):
        home = None
        for entry in entries:
            if entry.at <= statement.decided_at:
                home = entry
        if home is None and entries:
            home = entries[0]
        if home is not None:
            home.statements.append(statement)
    extra = []
    for appeal in appeals:
        extra.append(TimelineEntry(at=appeal.filed_at, kind="appeal_filed", appeal=appeal))
        if appeal.decided_at:
            extra.append(TimelineEntry(at=appeal.decided_at, kind="appeal_decided", appeal=appeal))
    # Anything not matched to a move (a counter-notice recorded without its event) still shows.
    if counter_notice is not None:
        extra.append(TimelineEntry(at=counter_notice.signed_at, kind="counter_notice", counter_notice=counter_notice))
    if reply is not None:
        extra.append(TimelineEntry(at=reply.submitted_at, kind="reply", reply=reply))
    # Stable sort: moves keep their (at, id) order; an appeal at the same instant follows the move.
    return sorted(entries + extra, key=lambda entry: entry.at)
