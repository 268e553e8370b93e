"""Free text and numbers from a request: one field type and one helper for the whole portal."""

import importlib
import pkgutil
import sys
import unicodedata

import pytest
from django import forms

from portal.forms import (
    LINE_MAX_LENGTH,
    PROSE_MAX_LENGTH,
    LineField,
    ProseField,
    control_characters_find,
    text_problem,
    whole_number,
)

PROJECT_PACKAGES = ("portal", "rights_holders", "listings", "takedowns", "good_faith", "demo")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        ("²", None),  # str.isdigit() is True, int() refuses it
        ("٣", None),  # an Arabic-Indic three: int() would read it, a request's numbers are ASCII
        ("-1", None),
        ("1e3", None),
        ("1.0", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),  # longer than int() reads, and than any key
        (str(2**63), None),
    ],
)
def test_whole_number_reads_only_ascii_digits_in_range(raw, expected):
    assert whole_number(raw) == expected


def test_whole_number_keeps_to_its_bounds():
    assert whole_number("45", minimum=1, maximum=45) == 45
    assert whole_number("46", minimum=1, maximum=45) is None
    assert whole_number("0", minimum=1, maximum=45) is None


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"])
def test_control_and_bidi_characters_are_refused_with_a_message(char):
    for field in (LineField(), ProseField()):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(f"genuine{char}text")
        (message,) = refused.value.messages
        assert message.startswith(f"Remove the invisible character U+{ord(char):04X}")


def test_prose_keeps_line_breaks_and_tabs_a_line_does_not():
    assert ProseField().clean("First line\r\n\tsecond line") == "First line\r\n\tsecond line"
    with pytest.raises(forms.ValidationError):
        LineField().clean("First line\nsecond line")


def test_every_code_point_is_refused_exactly_when_it_is_a_control_or_bidi_character():
    """control_characters_find is one regular expression: it must find exactly the characters of
    Unicode category Cc and the bidirectional controls (tab and line breaks allowed in prose), the first
    of them, in any text."""
    bidi = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        refused = unicodedata.category(char) == "Cc" or char in bidi
        for multiline in (False, True):
            expected = char if refused and not (multiline and char in "\t\n\r") else None
            assert control_characters_find(f"ok{char}", multiline=multiline) == expected, (hex(code_point), multiline)
    assert control_characters_find("a\u202eb\x00", multiline=True) == "\u202e"
    assert control_characters_find("a\tb\x00", multiline=True) == "\x00"


def test_free_text_has_a_length_limit():
    assert LineField().max_length == LINE_MAX_LENGTH and ProseField().max_length == PROSE_MAX_LENGTH
    with pytest.raises(forms.ValidationError, match="at most 10000 characters"):
        ProseField().clean("x" * (PROSE_MAX_LENGTH + 1))
    assert text_problem("x" * (PROSE_MAX_LENGTH + 1), multiline=True).startswith("Keep this text to 10,000")
    assert text_problem("Ada\x00", multiline=False).startswith("Remove the invisible character U+0000")
    assert text_problem("Fine text\nover two lines", multiline=True) == ""


def _project_forms():
    for package in PROJECT_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and not info.name.endswith(".settings"):
                importlib.import_module(info.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES and hasattr(cls, "base_fields"):
            found.append(cls)
    return found


def test_every_free_text_field_of_every_form_is_a_line_or_prose_field(db):
    """A new form with a bare CharField (no length limit, control characters let through) fails here."""
    checked, bare = 0, []
    for form_class in _project_forms():
        for name, field in form_class.base_fields.items():
            # A password is typed, checked and never shown or kept as text: not free text.
            password = isinstance(field.widget, forms.PasswordInput)
            if isinstance(field, forms.CharField) and not isinstance(field, forms.EmailField) and not password:
                checked += 1
                if not isinstance(field, (LineField, ProseField)):
                    bare.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert checked > 30, "the walk found too few forms to mean anything"
    assert bare == []
