"""The Chinese catalogue is complete: every string the code marks for translation has its translation.

A string added to a template or a form without its Chinese would show in English on a Chinese page;
these tests refuse it, naming the strings (``make makemessages`` adds them, then translate them).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import _missing

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What makemessages reads besides the code: nothing generated, nothing local.
NOT_SOURCE = {".git", ".venv", "var", "staticfiles", "node_modules", "__pycache__"}


@pytest.fixture(autouse=True)
def _gettext_tools():
    """GNU gettext reads the catalogue: skipped on a laptop without it, a failure under REQUIRE_SERVICES=1."""
    if shutil.which("msgattrib") is None:
        _missing("needs GNU gettext (make system-deps installs it)")


def _entries(*options, catalogue=CATALOGUE):
    """The msgids msgattrib selects with ``options`` (none: the catalogue holds none of that kind)."""
    out = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *options, str(catalogue)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


def test_every_entry_of_the_chinese_catalogue_is_translated():
    assert _entries("--untranslated") == []


def test_no_entry_of_the_chinese_catalogue_is_fuzzy():
    # msgmerge's guesses for a changed string are marked fuzzy: Django would not show them.
    assert _entries("--only-fuzzy") == []


def test_the_chinese_catalogue_compiles_with_its_placeholders_intact():
    # --check: a translation that drops or renames %(name)s would fail at run time in Chinese only.
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE)], check=True, capture_output=True)


def test_makemessages_finds_no_string_without_a_chinese_translation(tmp_path):
    """makemessages on a copy of the code, as ``make makemessages`` runs it, adds no msgid left untranslated."""
    copy = tmp_path / "project"
    shutil.copytree(settings.BASE_DIR, copy, ignore=lambda _dir, names: [n for n in names if n in NOT_SOURCE])
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--add-location=file",
            "--no-wrap",
            "--no-obsolete",
            "--ignore=tests",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    refreshed = copy / CATALOGUE.relative_to(settings.BASE_DIR)
    new = _entries("--untranslated", catalogue=refreshed) + _entries("--only-fuzzy", catalogue=refreshed)
    assert new == [], "strings without a Chinese translation; run `make makemessages` and translate them"


def test_no_message_is_written_with_an_escape_sequence():
    """xgettext keeps "\\u201c" in a msgid as six characters, while Python makes it one: such a string is never
    found in the catalogue. Marked strings carry the character itself ("“")."""
    text = CATALOGUE.read_text(encoding="utf-8")
    escaped = [line for line in text.splitlines() if line.startswith("msgid") and "\\\\u" in line]
    assert escaped == []
