"""Every word a template shows goes through gettext, so a Chinese page has no English left in it.

tests/portal/test_translations.py proves each marked string has its Chinese; this proves the strings are
marked: a template's own text (between tags, and the attributes a person reads or hears: ``title``, ``alt``,
``placeholder``, ``aria-label``, and ``data-label``, the column name of a table row shown as a card on a
phone) must sit inside ``{% translate %}`` or ``{% blocktranslate %}``. What the page fills in (``{{ }}``),
code (``<code>``, ``<pre>``), scripts and styles are not the template's own words.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Not a page: the API documentation's shell (drf-spectacular's, in English by design).
NOT_PAGES = {"drf_spectacular/redoc.html"}

READ_ATTRIBUTES = re.compile(r"""\b(?:aria-label|placeholder|title|alt|data-label)\s*=\s*"([^"]*)\"""")
WORD = re.compile(r"[A-Za-z]{2,}")
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
NOT_WORDS = re.compile(r"<(script|style|code|pre)\b.*?</\1>", re.S | re.I)
FILLED = "\x01"  # what a template tag or variable renders: never the template's own words


def _own_text(source):
    """The template with every tag, variable, comment and translated block replaced by FILLED (lines kept)."""
    parts, translated, skipping = [], 0, None
    for token in Lexer(source).tokenize():
        keep_lines = "\n" * token.contents.count("\n")
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans"):
                translated += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                translated -= 1
            elif name in ("comment", "verbatim"):
                skipping = "end" + name
            elif name == skipping:
                skipping = None
            parts.append(FILLED + keep_lines)
        elif token.token_type == TokenType.TEXT and not translated and not skipping:
            parts.append(token.contents)
        else:
            parts.append(FILLED + keep_lines)
    return "".join(parts)


def untranslated(source):
    """(line, text) of each piece of a template's own words outside gettext."""
    text = NOT_WORDS.sub(lambda m: "\n" * m.group(0).count("\n"), _own_text(source))
    found = [
        (text.count("\n", 0, m.start()) + 1, m.group(1))
        for m in READ_ATTRIBUTES.finditer(text)
        if WORD.search(m.group(1).replace(FILLED, " "))
    ]
    text = ENTITY.sub(" ", TAG.sub(lambda m: "\n" * m.group(0).count("\n"), text))
    found += [
        (number, line.replace(FILLED, "…").strip())
        for number, line in enumerate(text.splitlines(), 1)
        if WORD.search(line)
    ]
    return sorted(found)


def _pages():
    names = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))
    return [name for name in names if name not in NOT_PAGES]


@pytest.mark.parametrize("name", _pages())
def test_every_word_of_the_template_is_translated(name):
    found = untranslated((TEMPLATES / name).read_text(encoding="utf-8"))
    assert found == [], f"{name}: words outside {{% translate %}}: {found[:10]}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<p>{% translate "Save" %}</p>', []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ("<p>Save</p>", [(1, "Save")]),
        ('<td data-label="Store">{{ x }}</td>', [(1, "Store")]),
        ('<td data-label="{% translate "Store" %}">{{ x }}</td>', []),
        ('<a href="{% url "x" %}" class="button">\n  Open it\n</a>', [(2, "Open it")]),
        ("<code>python manage.py run</code> <pre>GET /x</pre>", []),
        ("{% comment %}A note for developers{% endcomment %}", []),
        ("<p>{{ a }} &middot; {{ b }}: 3</p>", []),
    ],
)
def test_the_check_finds_words_outside_gettext(source, expected):
    assert untranslated(source) == expected


# A zone written by its abbreviation ("CST": China to one reader, US Central to another): Django's "T" or "e".
ZONE_ABBREVIATION = re.compile(r"""\|date:["'][^"']*[Te][^"']*["']""")


@pytest.mark.parametrize("name", _pages())
def test_no_template_writes_a_time_zone_by_its_abbreviation(name):
    """Times go through ``|instant`` (portal/instants.py): the offset from UTC, which no reader can mistake."""
    found = ZONE_ABBREVIATION.findall((TEMPLATES / name).read_text(encoding="utf-8"))
    assert found == [], f"{name}: {found}; write the instant with |instant"
