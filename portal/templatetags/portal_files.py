"""{% file_link "evidence" e %}: a download link named by the server, the uploader's name beside it as text."""

from django import template
from django.utils.html import format_html

from portal.files import file_kind, file_served_name, file_uploaded_name, file_url

register = template.Library()


@register.simple_tag
def file_link(slug, obj):
    kind = file_kind(slug)
    if kind is None:
        raise template.TemplateSyntaxError(f"file_link: no file kind {slug!r} is registered")
    link = format_html('<a href="{}">{}</a>', file_url(slug, obj), file_served_name(kind, obj))
    uploaded = file_uploaded_name(kind, obj)
    if not uploaded:
        return link
    return format_html('{} <span class="muted">uploaded as \u201c{}\u201d</span>', link, uploaded)
