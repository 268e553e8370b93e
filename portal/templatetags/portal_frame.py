"""``{% frame_fragment "name" key ... %}...{% endframe_fragment %}``: a part of the page frame made once per process.

For the parts of base.html that are the same for everyone who shares its keys: the menu's links, whose
addresses and words depend only on the language, the site's address prefix and the kind of user (platform
staff, brand side). Rendering them afresh (some fifteen ``{% url %}`` and thirty ``{% translate %}``) was
about half of the frame's template time on every page. Each variant is rendered the first time it is
needed and kept in this process's memory: a dict lookup, not a cache round trip; the variants are few.

The key is the fragment's name, the active language, the script prefix and the values given; nothing else
may change what is inside. Never put anything of one person or one request inside (a name, a count, a
CSRF token, the page's address, a block a page overrides): the next person who shares the keys would see it.
Such a part goes in a ``{% frame_slot %}...{% endframe_slot %}`` inside the fragment: a slot is rendered for
every request, in the fragment's own context (so it may read what the fragment's surroundings define, not a
``{% with %}`` or a loop inside the fragment), and put in its place. A slot sits in the fragment's own
structure, never inside a loop; an ``{% if %}`` around it may test only the fragment's keys.
"""

from django import template
from django.core.signals import setting_changed
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.translation import ngettext

register = template.Library()

_FRAGMENTS = {}
# The variants are languages x prefixes x a few flags; a bound keeps a mistake (a key of many values) from
# growing the process without end.
_FRAGMENTS_MAX = 256


def frame_fragments_forget(**kwargs):
    """Forget every fragment (a setting changed: the URLs or the languages may have; tests change them)."""
    _FRAGMENTS.clear()


setting_changed.connect(frame_fragments_forget, dispatch_uid="portal.frame_fragments_forget")


# Where a slot goes in a fragment's kept text (never in a template's own output: a NUL character).
_SLOT_MARK = "\x00frame-slot\x00"
_SLOTS_FILLED = "_frame_slots"


class FrameFragmentNode(template.Node):
    # Its inside is not walked for blocks (``{% extends %}`` walks the whole parent on every render): a block
    # inside a fragment could not be overridden anyway, and the parser refuses one (``frame_fragment``).
    child_nodelists = ()

    def __init__(self, nodelist, name, keys):
        self.nodelist = nodelist
        self.name = name
        self.keys = keys

    def render(self, context):
        key = (
            self.name,
            translation.get_language(),
            get_script_prefix(),
            *(bool(value.resolve(context)) for value in self.keys),
        )
        kept = _FRAGMENTS.get(key)
        if kept is None:
            with context.push({_SLOTS_FILLED: []}):
                html = self.nodelist.render(context)
                slots = tuple(context[_SLOTS_FILLED])
            pieces = tuple(html.split(_SLOT_MARK))
            if len(pieces) != len(slots) + 1:
                raise template.TemplateSyntaxError(f"frame_fragment {self.name!r}: a slot inside a loop or nested")
            kept = (pieces, slots)
            if len(_FRAGMENTS) >= _FRAGMENTS_MAX:
                _FRAGMENTS.clear()
            _FRAGMENTS[key] = kept
        pieces, slots = kept
        if not slots:
            return pieces[0]
        out = [pieces[0]]
        for slot, piece in zip(slots, pieces[1:], strict=True):
            out.append(slot.render(context))
            out.append(piece)
        return "".join(out)


class FrameSlotNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        slots = context.get(_SLOTS_FILLED)
        if slots is None:  # outside a fragment being made: just its content
            return self.nodelist.render(context)
        slots.append(self.nodelist)
        return _SLOT_MARK


@register.tag
def frame_fragment(parser, token):
    """``{% frame_fragment "name" flag ... %}``: the flags (true or false) are the only inputs of the inside."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError(
            'frame_fragment takes a quoted name, then its keys: {% frame_fragment "nav" a b %}'
        )
    nodelist = parser.parse(("endframe_fragment",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("frame_fragment: a {% block %} inside would be the same on every page")
    return FrameFragmentNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])


@register.tag
def frame_slot(parser, token):
    """``{% frame_slot %}...{% endframe_slot %}``: inside a frame_fragment, a part rendered for every request."""
    nodelist = parser.parse(("endframe_slot",))
    parser.delete_first_token()
    return FrameSlotNode(nodelist)


@register.simple_tag
def shared_csrf_token():
    """The CSRF field of a form inside a shared fragment (``portal.pagecache``): a mark, replaced by the
    viewer's own token as the fragment is served."""
    from django.utils.safestring import mark_safe

    from portal.pagecache import CSRF_MARK

    return mark_safe(CSRF_MARK)  # noqa: S308 -- a fixed comment of ours


@register.simple_tag
def unread_label(n):
    """The notifications count's words for a screen reader, "3 unread" (a ``blocktranslate count`` costs a
    tenth of the frame's time)."""
    return ngettext("%(n)s unread", "%(n)s unread", n) % {"n": n}


@register.simple_tag
def open_label(n):
    """The open alerts count's words for a screen reader, "3 open"."""
    return ngettext("%(n)s open", "%(n)s open", n) % {"n": n}
