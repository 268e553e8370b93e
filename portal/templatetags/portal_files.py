"""Private files on pages.

``{% file_link "evidence" e %}``: a download link named by the server, the uploader's name beside it as text.

``{% file_preview "evidence" e %}``: the same file shown in the page. An image the upload validator
accepted (JPEG, PNG, WebP) is a size-limited thumbnail loaded through the access-checked download view
in its inline mode (``?inline=1``), with alt text and the file's name under it, linking to the full
download; any other file (a PDF, a letter) is a link with its type and size. The type comes from what
the validator recorded, so a page never opens the files it lists; the download view sniffs the bytes
again and serves anything that is not a raster image as an attachment whatever the page asked.
"""

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.files import (
    file_inline_url,
    file_kind,
    file_served_name,
    file_shown_inline,
    file_stored_content_type,
    file_uploaded_name,
    file_url,
)

register = template.Library()

# What a file that is not previewed is called next to its link.
_TYPE_WORDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


def _kind(tag, slug):
    kind = file_kind(slug)
    if kind is None:
        raise template.TemplateSyntaxError(f"{tag}: no file kind {slug!r} is registered")
    return kind


@register.simple_tag
def file_link(slug, obj):
    kind = _kind("file_link", slug)
    link = format_html('<a href="{}">{}</a>', file_url(slug, obj), file_served_name(kind, obj))
    uploaded = file_uploaded_name(kind, obj)
    if not uploaded:
        return link
    return format_html('{} <span class="muted">{}</span>', link, _("uploaded as “%(name)s”") % {"name": uploaded})


@register.inclusion_tag("portal/_file_preview.html")
def file_preview(slug, obj, label=""):
    """One file as a preview (images) or a link (everything else); ``label`` starts the alt text."""
    kind = _kind("file_preview", slug)
    content_type = file_stored_content_type(kind, obj)
    served = file_served_name(kind, obj)
    uploaded = file_uploaded_name(kind, obj)
    size = getattr(obj, "size", None)
    image = file_shown_inline(content_type)
    # The server's name, not the uploader's: no attribute carries what an uploader typed.
    if label:
        alt = _("%(label)s: %(name)s") % {"label": label, "name": served}
    else:
        alt = _("Image %(name)s") % {"name": served}
    return {
        "image": image,
        "url": file_url(slug, obj),
        "inline_url": file_inline_url(slug, obj) if image else "",
        "served_name": served,
        "uploaded_name": uploaded if uploaded != served else "",
        "alt": alt,
        "type_word": _TYPE_WORDS.get(content_type, ""),
        "size": filesizeformat(size) if size else "",
        "width": getattr(obj, "width", 0) or 0,
        "height": getattr(obj, "height", 0) or 0,
    }
