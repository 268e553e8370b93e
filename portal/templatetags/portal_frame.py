"""``{% frame_fragment "name" key ... %}...{% endframe_fragment %}``: a part of the page frame made once per process.

For the parts of base.html that are the same for everyone who shares its keys: the menu's links, whose
addresses and words depend only on the language, the site's address prefix and the kind of user (platform
staff, brand side). Rendering them afresh (some fifteen ``{% url %}`` and thirty ``{% translate %}``) was
about half of the frame's template time on every page. Each variant is rendered the first time it is
needed and kept in this process's memory: a dict lookup, not a cache round trip; the variants are few.

The key is the fragment's name, the active language, the script prefix and the values given; nothing else
may change what is inside. Never put anything of one person or one request inside (a name, a count, a
CSRF token, the page's address, a block a page overrides): the next person who shares the keys would see it.
"""

from django import template
from django.core.signals import setting_changed
from django.urls import get_script_prefix
from django.utils import translation

register = template.Library()

_FRAGMENTS = {}
# The variants are languages x prefixes x a few flags; a bound keeps a mistake (a key of many values) from
# growing the process without end.
_FRAGMENTS_MAX = 256


def frame_fragments_forget(**kwargs):
    """Forget every fragment (a setting changed: the URLs or the languages may have; tests change them)."""
    _FRAGMENTS.clear()


setting_changed.connect(frame_fragments_forget, dispatch_uid="portal.frame_fragments_forget")


class FrameFragmentNode(template.Node):
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
        html = _FRAGMENTS.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_FRAGMENTS) >= _FRAGMENTS_MAX:
                _FRAGMENTS.clear()
            _FRAGMENTS[key] = html
        return html


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
    return FrameFragmentNode(nodelist, bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]])


@register.simple_tag
def shared_csrf_token():
    """The CSRF field of a form inside a shared fragment (``portal.pagecache``): a mark, replaced by the
    viewer's own token as the fragment is served."""
    from django.utils.safestring import mark_safe

    from portal.pagecache import CSRF_MARK

    return mark_safe(CSRF_MARK)  # noqa: S308 -- a fixed comment of ours
