"""The engine's own texts in the records: written in English, the records' language (the API, the DSA
transparency export and the audit give them as recorded), read on a page in the reader's language.

A recorded text is either a person's words (a reviewer's statement, a merchant's counter-notice, a staff
member's reason), which stay as written, or one of the engine's messages registered here, which it writes
when no person spoke: an item's moves (``event_reasons``), the penalty ladder's statements and the public
register's reasons (``penalties``), an invalid item's problem (``filing``), a
proactive item's explanation (``proactive``), who made a move as a viewer may see it (``actors``). Each is a gettext msgid written
with ``%`` and its values, so ``recorded_read`` can say it again:

- a fixed text is read by ``gettext``;
- a text with values is matched by its shape, a pattern made from the msgid: the values are kept, or said
  anew by the message's translator for them (an infringement type's English label becomes the reader's;
  a part that is itself one of a few messages is read as that message);
- a plural message (``ngettext_lazy(..., count)``) is matched in either English form, read by ``ngettext``;
- a list of messages joined by a separator (a membership's shortfalls) is read part by part;
- a text of several lines that is not one message (a statement's facts: a brand's explanation, then the
  engine's lines) is read line by line.

Higher apps register their own recorded texts when they are ready (good_faith: a membership's evaluation);
takedowns never imports them.
"""

# Importing them registers the takedowns' own messages.
from takedowns.recorded import actors, event_reasons, filing, penalties, proactive  # noqa: E402, I001
from takedowns.recorded.registry import (
    label_lower,
    one_of,
    recorded_messages,
    recorded_later,
    recorded_part,
    recorded_read,
    recorded_register,
    recorded_register_joined,
    recorded_register_label,
)

__all__ = [
    "actors",
    "event_reasons",
    "filing",
    "label_lower",
    "one_of",
    "penalties",
    "proactive",
    "recorded_messages",
    "recorded_later",
    "recorded_part",
    "recorded_read",
    "recorded_register",
    "recorded_register_joined",
    "recorded_register_label",
]
