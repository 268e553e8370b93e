"""The registry of the engine's recorded messages and the one reader of them (``takedowns.recorded``)."""

import functools
import re

from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from portal.i18n import in_records_language

_VALUE = re.compile(r"%\((\w+)\)s|%%")

# Every message a recorded text can be (a whole text, a part of one), for the catalogue's guard.
_ALL = {}
# The whole texts: fixed ones by their text, and those with values (or joined parts) tried in turn.
_FIXED = {}
_SHAPED = {}


def _msgids(message):
    """(singular, plural, count) of a msgid, or of an ``ngettext_lazy(singular, plural, count)``.

    A lazy plural keeps its msgids for pickling (``__reduce__``): the one way to read them back.
    """
    if isinstance(message, str):
        return message, "", ""
    _unpickle, (_func, _resultclass, count, kwargs) = message.__reduce__()
    return kwargs["singular"], kwargs["plural"], count


def _pattern(msgid):
    """A msgid's shape as a regular expression: each ``%(name)s`` a named group (a name said twice is the same
    value twice), ``%%`` a percent sign; and the longest fixed stretch, which a text must hold to match.

    A value is one line: a statement's facts are several messages, one a line, never one holding the rest.
    """
    out, literals, seen, last = [], [], set(), 0
    for found in _VALUE.finditer(msgid):
        literals.append(msgid[last : found.start()])
        out.append(re.escape(msgid[last : found.start()]))
        name = found.group(1)
        if name is None:
            out.append("%")
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>.+?)")
        last = found.end()
    literals.append(msgid[last:])
    out.append(re.escape(msgid[last:]))
    if "%" in "".join(literals):
        raise ValueError(f"a recorded message takes only %(name)s values: {msgid!r}")
    return "".join(out), max(literals, key=len).replace("%%", "%")


class Message:
    """One of the engine's messages, as recorded (English, its values in place) and as read."""

    def __init__(self, message, values):
        self.singular, self.plural, self.count = _msgids(message)
        self.values = values  # name -> translator (str -> str); other values are kept
        self.forms = [form for form in (self.singular, self.plural) if form]
        self.fixed = _VALUE.search(self.singular) is None and not self.plural
        self.patterns = [_pattern(form) for form in self.forms]
        self.shapes = [re.compile(pattern) for pattern, _ in self.patterns]

    def read(self, text):
        """``text`` in the active language if it is this message, else None."""
        if self.fixed:
            return gettext(self.singular) if text == self.singular else None
        for shape, (_, anchor) in zip(self.shapes, self.patterns, strict=True):
            if anchor in text and (found := shape.fullmatch(text)):
                return self.say(found.groupdict())
        return None

    def say(self, values):
        said = {name: self.values[name](value) if name in self.values else value for name, value in values.items()}
        if not self.plural:
            return gettext(self.singular) % said
        try:
            number = int(values[self.count])
        except ValueError:
            return None
        return ngettext(self.singular, self.plural, number) % said


class Joined:
    """Parts, each one of some messages, joined by a separator (a membership's shortfalls: "a; b")."""

    def __init__(self, parts, separator, separator_read):
        self.parts = parts
        self.separator = separator
        self.separator_read = separator_read
        ahead = f"(?={re.escape(separator)}|\\Z)"
        self.heads = [(part, re.compile(pattern + ahead)) for part in parts for pattern, _ in part.patterns]

    def read(self, text):
        said = self._read_from(text, 0)
        return str(self.separator_read).join(said) if said else None

    def _read_from(self, text, start):
        for part, head in self.heads:
            found = head.match(text, start)
            if found is None:
                continue
            said = part.say(found.groupdict()) if not part.fixed else gettext(part.singular)
            if said is None:
                continue
            if found.end() == len(text):
                return [said]
            rest = self._read_from(text, found.end() + len(self.separator))
            if rest:
                return [said, *rest]
        return None


def _message(message, values):
    read = Message(message, values)
    _ALL[read.singular] = read
    return read


def recorded_register(message, **values):
    """Register one of the engine's messages as a whole recorded text; returns ``message``.

    ``message`` is a msgid (``gettext_noop``) or an ``ngettext_lazy(singular, plural, count)``; ``values``
    names a translator for a value the reader reads in their language (``label_lower``, ``one_of``).
    """
    read = _message(message, values)
    if read.fixed:
        _FIXED[read.singular] = read
    else:
        _SHAPED[read.singular] = read
    return message


class _Label:
    """A recorded word that is not itself a sentence (an actor's label, "system"): read as its message."""

    def __init__(self, message):
        self.message = message

    def read(self, _text):
        return gettext(self.message)


def recorded_register_label(recorded, message):
    """Register ``recorded``, a fixed word the records write (an actor's label, ``"system"``), read as
    ``message`` (a msgid) in every language, English too; returns ``recorded``."""
    _message(message, {})
    _FIXED[recorded] = _Label(message)
    return recorded


def recorded_register_joined(*messages, separator, separator_read):
    """Register a recorded text made of ``messages`` joined by ``separator``; read joined by ``separator_read``."""
    parts = [_message(message, {}) for message in messages]
    _SHAPED[("joined", separator, *[part.singular for part in parts])] = Joined(parts, separator, separator_read)


def recorded_messages():
    """[(singular, plural)] of every registered message and part of one: each must be in the catalogue."""
    return [(read.singular, read.plural) for read in _ALL.values()]


def recorded_part(message, **values):
    """A message that is a part of a recorded text (for ``one_of``), with translators for its own values."""
    return _message(message, values)


def one_of(*messages):
    """A translator: a value that is one of ``messages`` (msgids, or ``recorded_part``s) read as that message."""
    parts = [message if isinstance(message, Message) else _message(message, {}) for message in messages]

    def read(value):
        for part in parts:
            said = part.read(value)
            if said is not None:
                return said
        return value

    return read


@functools.cache
def _labels_recorded(choices):
    return {in_records_language(choice.label).lower(): choice for choice in choices}


def label_lower(choices):
    """A translator: a choice's label as the records write it in a sentence (English, lower case) read as the
    reader's label (lower case too, where the language has case)."""

    def read(value):
        choice = _labels_recorded(choices).get(value)
        return str(choice.label).lower() if choice is not None else value

    return read


def _whole_read(text):
    fixed = _FIXED.get(text)
    if fixed is not None:
        return fixed.read(text)
    for read in _SHAPED.values():
        said = read.read(text)
        if said is not None:
            return said
    return None


def recorded_read(text):
    """``text`` (a recorded text) in the active language where it is the engine's own; a person's words as written.

    A text of several lines that is not one message as a whole is read line by line: a statement's facts
    quote a brand's explanation and add the engine's lines.
    """
    if not text:
        return text
    said = _whole_read(text)
    if said is not None:
        return said
    if "\n" not in text:
        return text
    return "\n".join(_whole_read(line) or line for line in text.split("\n"))


# ``recorded_read`` when the text is read (a refusal made once, shown in the language active then).
recorded_later = lazy(recorded_read, str)
