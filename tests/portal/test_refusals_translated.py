"""Every refusal a person reads goes through gettext, so a Chinese page refuses in Chinese.

A domain error is made once and read where it is shown: a message made with ``gettext_lazy`` (with
``portal.i18n.text_later`` when it names values, or a ValidationError's ``params``) is read in the page's
reader's language, and in English by the API, which speaks English whatever is asked (``portal.i18n``).
tests/portal/test_template_text.py holds the templates to the same rule; this parses the apps' source and
refuses an exception made from a bare text: a literal, an f-string, or a literal formatted with ``%`` or
``.format()``; and one made from an eager ``gettext``, which says it in the language active when it is
raised, not when it is read (a worker's, the API's English, another request's).
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = ("api", "good_faith", "listings", "portal", "rights_holders", "screening", "takedowns")

# Errors nobody reads on a page: a programmer's mistake or a misconfiguration, read in a traceback, a log
# or a terminal, in English.
NOT_READ = {
    "AssertionError",
    "ImproperlyConfigured",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "RuntimeError",
    "TypeError",
    "ValueError",
    "CommandError",  # a management command's terminal
    "TemplateSyntaxError",  # a template's author
    "DoesNotExist",  # a lookup that should not have failed: a bug
    "Http404",  # its text shows only on DEBUG's technical page; a reader sees the 404 page
    "SecretUnreadable",  # WEBHOOK_SECRET_KEY misconfigured: the operator's log
}

# Code whose errors never reach a page.
NOT_PAGES = (
    "screening/core/",  # the screening engine: read by the screen_file command and the logs
    # The partner API answers in English only (portal.i18n.API_PATH_PREFIX); its texts are a contract.
    "api/authentication.py",
    "api/fields.py",
    "api/filters.py",
    "api/views/",
)

# Modules that still translate some refusals eagerly (``gettext`` when raised). Each is raised and read in
# the same request today; make it lazy when it is next touched, and take it off this list.
EAGER_NOT_YET_LAZY = {
    "good_faith/membership.py",
    "good_faith/misuse/appeals.py",
    "good_faith/views/staff.py",
    "rights_holders/asset_details.py",
    "rights_holders/views.py",
    "screening/intel/counterfeits.py",
    "screening/intel/keywords.py",
    "screening/intel/sellers.py",
    "screening/views.py",
    "takedowns/bulk_filing/csv_files.py",
    "takedowns/drafts.py",
    "takedowns/views/imports.py",
}
# Django's eager translators; a module may import them under another name (``gettext as _``).
EAGER_TRANSLATORS = frozenset({"gettext", "ngettext", "pgettext", "npgettext"})

# What makes an exception: a call raised, or a call of a class named like one (returned, or kept for later).
EXCEPTION_SUFFIXES = ("Error", "Denied", "Rejected", "Refused", "Failed", "InvalidInput", "Http404")
MESSAGE_KEYWORDS = ("message", "msg", "detail")


def _name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _bare_text(node):
    """Whether ``node`` is text no gettext has seen: a literal, an f-string, or one of those formatted."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(c.isalpha() for c in node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _bare_text(node.left) or _bare_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _bare_text(node.func.value)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_bare_text(element) for element in node.elts)
    return False


def _eager_names(tree):
    """The names ``tree`` calls Django's eager translators by (``from django.utils.translation import ...``)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER_TRANSLATORS
    }


def _eager_text(node, eager):
    """Whether ``node`` is text translated now: a call of an eager translator, or one formatted or listed."""
    if isinstance(node, ast.Call) and _name(node.func) in eager:
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _eager_text(node.left, eager) or _eager_text(node.right, eager)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _eager_text(node.func.value, eager)
    if isinstance(node, (ast.List, ast.Tuple)):
        return any(_eager_text(element, eager) for element in node.elts)
    return False


def bare_refusals(source, filename="<source>", *, eager_allowed=False):
    """(line, exception name) of each exception in ``source`` made from bare text, or (unless
    ``eager_allowed``) from an eager ``gettext``, except the NOT_READ ones."""
    tree = ast.parse(source, filename)
    eager = set() if eager_allowed else _eager_names(tree)
    calls = [node.exc for node in ast.walk(tree) if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)]
    calls += [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _name(node.func).endswith(EXCEPTION_SUFFIXES) and node not in calls
    ]
    found = []
    for call in calls:
        name = _name(call.func)
        if name in NOT_READ:
            continue
        messages = call.args[:1] + [k.value for k in call.keywords if k.arg in MESSAGE_KEYWORDS]
        if any(_bare_text(message) or _eager_text(message, eager) for message in messages):
            found.append((call.lineno, name))
    return sorted(set(found))


def _app_sources():
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            relative = path.relative_to(base).as_posix()
            if "/migrations/" in relative or relative.startswith(NOT_PAGES):
                continue
            yield relative, path


def test_every_refusal_a_person_reads_is_marked_for_translation():
    found = [
        f"{relative}:{line}: {name}(...) is made from a bare text; wrap it in gettext_lazy (_())"
        for relative, path in _app_sources()
        for line, name in bare_refusals(
            path.read_text(encoding="utf-8"), relative, eager_allowed=relative in EAGER_NOT_YET_LAZY
        )
    ]
    assert not found, "\n".join(found)


def test_the_list_of_modules_not_yet_lazy_holds_only_modules_that_are_not():
    base = Path(settings.BASE_DIR)
    lazy_already = [
        relative
        for relative in sorted(EAGER_NOT_YET_LAZY)
        if bare_refusals((base / relative).read_text(encoding="utf-8"), relative) == []
    ]
    assert lazy_already == [], "take these off EAGER_NOT_YET_LAZY: their refusals are lazy"


@pytest.mark.parametrize(
    "source",
    [
        'raise TransitionError("The window closed.", item=item)',
        'raise PermissionDenied(f"You do not belong to {organisation}.")',
        'raise InvalidInput("Item %s is gone." % item.pk, code="gone")',
        'raise VerificationError("It expired on {}.".format(day))',
        'error = InvalidInput(f"Description: {problem}", code="invalid_description")',
        'errors.append(ValidationError("Add a listing.", code="no_items"))',
        'return UploadRejected(\n    f"{shown} is empty."\n    " Choose it again."\n)',
        'raise ValidationError(["Add a listing."])',
        'raise _invalid("Give the event types as a list.", "invalid")',
        'raise ValidationError(message="Add a listing.")',
        'from django.utils.translation import gettext\nraise InvalidInput(gettext("This alert is %(status)s") % {"status": status})',
        'from django.utils.translation import gettext as _\nraise PermissionDenied(_("You do not act for this brand."))',
        'from django.utils.translation import ngettext\nerror = InvalidInput(ngettext("%(n)s row", "%(n)s rows", n) % {"n": n})',
    ],
)
def test_the_check_finds_a_bare_refusal(source):
    assert bare_refusals(source)


@pytest.mark.parametrize(
    "source",
    [
        'raise TransitionError(_("The window closed."), item=item)',
        'raise PermissionDenied(text_later(_("You do not belong to %(org)s."), org=organisation))',
        'raise ValidationError(_("Filing is suspended until %(until)s."), params={"until": day})',
        'raise ValueError(f"unknown side {by!r}")',
        'raise Http404("No such notice.")',
        "raise TransitionError(message, item=item)",
        'from django.utils.translation import gettext_lazy as _\nraise InvalidInput(_("This alert is closed."))',
        # An eager gettext of another module's making (not Django's) is not this check's to judge.
        'raise InvalidInput(gettext("This alert is %(status)s") % {"status": status})',
    ],
)
def test_the_check_lets_a_translated_or_internal_error_pass(source):
    assert bare_refusals(source) == []
