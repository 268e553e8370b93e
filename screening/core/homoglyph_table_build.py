"""Writes ``homoglyph_table.py`` from the Unicode confusables table (the pinned ``confusable-homoglyphs``).

    python -m screening.core.homoglyph_table_build

Kept: every single character of a letter script (Cyrillic, Greek, Armenian, Cherokee, and
Latin letters beyond ASCII) that the table lists as confusable with an ASCII letter or digit,
and that NFKC does not already fold (full-width and mathematical forms are NFKC's work). The
first ASCII look-alike the table gives wins. ``tests/screening/test_homoglyphs.py`` rebuilds the
table and compares it with the committed one, so the two cannot drift apart unnoticed.
"""

import string
import unicodedata
from pathlib import Path

SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "LATIN")
TABLE_PATH = Path(__file__).with_name("homoglyph_table.py")


def homoglyphs_from_confusables():
    """{look-alike character: ASCII letter or digit}, from the installed confusables table."""
    from confusable_homoglyphs import categories, confusables

    table = {}
    for target in string.ascii_letters + string.digits:
        for entry in confusables.confusables_data.get(target, []):
            char = entry["c"]
            if len(char) != 1 or char.isascii() or unicodedata.normalize("NFKC", char) != char:
                continue
            if categories.alias(char) in SCRIPTS:
                table.setdefault(char, target)
    return dict(sorted(table.items()))


def table_source(table):
    from confusable_homoglyphs import __version__

    lines = [
        '"""Look-alike characters and the ASCII letter or digit each passes for (generated: do not edit).',
        "",
        f"From the Unicode confusables table in confusable-homoglyphs {__version__}, by",
        "``python -m screening.core.homoglyph_table_build`` (which says what is kept).",
        '"""',
        "",
        "HOMOGLYPHS = {",
    ]
    for char, target in table.items():
        name = unicodedata.name(char, f"U+{ord(char):04X}")
        escaped = f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
        lines.append(f'    "{escaped}": "{target}",  # {name}')
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TABLE_PATH.write_text(table_source(homoglyphs_from_confusables()), encoding="utf-8")
    print(f"wrote {TABLE_PATH}")
