"""What every form reads from a request through: free text with a length limit and no control
characters, and whole numbers.

A red-team pass found a NUL character in a reason answered with a 500, a 1 MB explanation and a
4 MB test-buy report stored as typed, and "²" (which ``str.isdigit`` accepts and ``int`` refuses)
crashing three pages. Every free-text field of the portal's forms is a ``LineField`` (one line) or
a ``ProseField`` (paragraphs); every number from a query string or a typed value goes through a
form field or ``whole_number``.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop

from portal.i18n import text_later

# One line: names, phone numbers, signatures, reference numbers.
LINE_MAX_LENGTH = 200
# Paragraphs: explanations, statements, reasons, reports. About 1,500 words; longer material is
# an evidence file.
PROSE_MAX_LENGTH = 10_000
# Whole numbers from a request: never more than a database integer key holds.
WHOLE_NUMBER_MAX = 2**63 - 1

# Refused in free text: the control characters (Unicode category Cc, by Unicode's stability policy
# exactly U+0000-U+001F and U+007F-U+009F), and the bidirectional embeddings, overrides and isolates,
# which reorder what a reader sees (U+202E shows "exe.gpj" as "jpg.exe"): free text shown to the
# other side never carries them. One regular expression finds the first, not a Python step per
# character: a notice's lines carry up to PROSE_MAX_LENGTH characters each.
_OTHER_CONTROLS = "\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL_IN_LINE = re.compile(f"[\\x00-\\x1f{_OTHER_CONTROLS}]")
# Prose may hold tabs (U+0009) and line breaks (U+000A, U+000D).
_CONTROL_IN_PROSE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f{_OTHER_CONTROLS}]")


def control_characters_find(value, *, multiline):
    """The first control character in ``value`` (tab and line breaks allowed in prose), or None."""
    match = (_CONTROL_IN_PROSE if multiline else _CONTROL_IN_LINE).search(value)
    return match.group() if match else None


def control_characters_replace(value, *, multiline, by=" "):
    """``value`` with every character ``control_characters_find`` refuses replaced by ``by``.

    For text the portal writes itself from what others typed (screening's evidence quotes a
    listing), which must be stored, not refused.
    """
    return (_CONTROL_IN_PROSE if multiline else _CONTROL_IN_LINE).sub(by, value)


# The free-text problems, as msgids: ``text_problem`` writes them in English (a service's caller may keep
# them: a refused line of a notice, takedowns.recorded reads it back); a form and ``text_problem_later``
# say them in the reader's language.
TEXT_TOO_LONG = gettext_noop("Keep this text to %(limit)s characters (it has %(length)s).")
CONTROL_CHARACTER = gettext_noop(
    "Remove the invisible character U+%(code)s (%(name)s) from this text; it cannot be stored."
)


# The name of a character Unicode names none (the C0 and C1 controls); the others keep Unicode's English name.
CONTROL_CHARACTER_NAME = gettext_noop("control character")


def _control_character_params(char, *, name_unnamed=CONTROL_CHARACTER_NAME):
    return {"code": f"{ord(char):04X}", "name": unicodedata.name(char, "").lower() or name_unnamed}


def _control_characters_refuse(value, *, multiline):
    char = control_characters_find(value, multiline=multiline)
    if char is not None:
        raise ValidationError(
            gettext_lazy(CONTROL_CHARACTER),
            code="control_character",
            params=_control_character_params(char, name_unnamed=gettext_lazy(CONTROL_CHARACTER_NAME)),
        )


def _text_problem_said(value, *, multiline, max_length, name_unnamed=CONTROL_CHARACTER_NAME):
    """(msgid, values) of what is wrong with free text, or None."""
    value = str(value or "")
    limit = max_length or (PROSE_MAX_LENGTH if multiline else LINE_MAX_LENGTH)
    if len(value) > limit:
        return TEXT_TOO_LONG, {"limit": f"{limit:,}", "length": f"{len(value):,}"}
    char = control_characters_find(value, multiline=multiline)
    if char is None:
        return None
    return CONTROL_CHARACTER, _control_character_params(char, name_unnamed=name_unnamed)


def text_problem(value, *, multiline, max_length=None):
    """What is wrong with free text a service received without a form ('' if nothing): the forms' rule,
    in English, the records' language.

    For services that take text from more than one channel (the filing page, bulk files, the API) and
    keep what they refuse (``takedowns.recorded`` reads it in the reader's language). A refusal read at
    once by a person is ``text_problem_later``.
    """
    said = _text_problem_said(value, multiline=multiline, max_length=max_length)
    return said[0] % said[1] if said else ""


def text_problem_later(value, *, multiline, max_length=None):
    """``text_problem`` as a lazy text, read in the language active when it is shown ('' if nothing)."""
    said = _text_problem_said(
        value, multiline=multiline, max_length=max_length, name_unnamed=gettext_lazy(CONTROL_CHARACTER_NAME)
    )
    return text_later(gettext_lazy(said[0]), **said[1]) if said else ""


def line_validate(value):
    """Refuses every control character, line breaks included."""
    _control_characters_refuse(value, multiline=False)


def prose_validate(value):
    """Refuses control characters other than tab and line breaks."""
    _control_characters_refuse(value, multiline=True)


class _FreeTextField(forms.CharField):
    default_max_length = None
    text_validator = None

    def __init__(self, *, max_length=None, **kwargs):
        super().__init__(max_length=max_length or self.default_max_length, **kwargs)
        # Django's own NUL check would say it twice, in other words.
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(type(self).text_validator)


class LineField(_FreeTextField):
    """One line of free text: at most LINE_MAX_LENGTH characters, no control characters."""

    default_max_length = LINE_MAX_LENGTH
    text_validator = staticmethod(line_validate)


class ProseField(_FreeTextField):
    """Paragraphs of free text: at most PROSE_MAX_LENGTH characters, no control characters but tab and line breaks."""

    default_max_length = PROSE_MAX_LENGTH
    text_validator = staticmethod(prose_validate)
    widget = forms.Textarea


def free_text_formfield(db_field, **kwargs):
    """``formfield_callback`` for a ModelForm: the model's CharField and TextField as LineField and ProseField."""
    if isinstance(db_field, models.TextField) and not db_field.choices:
        return db_field.formfield(form_class=ProseField, **kwargs)
    if type(db_field) is models.CharField and not db_field.choices:
        return db_field.formfield(form_class=LineField, **kwargs)
    return db_field.formfield(**kwargs)


def whole_number(raw, *, minimum=0, maximum=WHOLE_NUMBER_MAX):
    """``raw`` as an int if it is plain ASCII digits within [minimum, maximum], else None.

    ``str.isdigit`` is true for "²" and "٣", which ``int`` refuses or reads: a request's numbers
    are ASCII digits or nothing.
    """
    text = str(raw if raw is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
