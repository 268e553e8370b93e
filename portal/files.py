"""Private files: which model field each download kind serves, who may see it, and the name it is served under.

Apps register their kinds in AppConfig.ready(); the download view looks the
object up through the kind's scoped queryset, so another organisation's file
answers 404 exactly like a missing one.

A file is served under a name the server builds, ``<kind>-<id><extension>``,
with the extension and content type of the type its bytes are (sniffed from
the stored file at download time, as the upload validator decided it). The
uploader's name is never part of a download: a PDF uploaded as ``report.html``
downloads as ``evidence-12.pdf``. Pages show the uploader's name as text only,
through ``filename_for_display``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from portal.uploads.names import filename_for_display
from portal.uploads.types import IMAGE_TYPES, SNIFF_BYTES, TYPES, UNKNOWN, sniff

_BY_CONTENT_TYPE = {content_type: (content_type, extension) for content_type, extension, _ in TYPES.values()}
# The only types a download may show in the page (``?inline=1``): raster images, which a browser never
# runs. PDF opens in a viewer with scripts of its own; SVG and HTML can carry scripts: always attachments.
INLINE_CONTENT_TYPES = frozenset(TYPES[t][0] for t in IMAGE_TYPES)


@dataclass(frozen=True)
class FileKind:
    slug: str
    queryset_for: Callable  # user -> QuerySet already scoped to what the user may see
    field: str
    name_field: str | None = "original_name"  # the uploader's name, shown as text only
    # The type the validator detected, stored at upload; pages name the file by it without opening it.
    content_type_field: str | None = "content_type"


_registry: dict[str, FileKind] = {}


def register_file_kind(kind):
    _registry[kind.slug] = kind
    return kind


def file_kind(slug):
    return _registry.get(slug)


def file_url(slug, obj):
    return reverse("file-download", kwargs={"kind": slug, "pk": obj.pk})


def file_inline_url(slug, obj):
    return f"{file_url(slug, obj)}?inline=1"


def file_shown_inline(content_type):
    """True for the content types a download may show in the page instead of saving."""
    return content_type in INLINE_CONTENT_TYPES


def file_stored_content_type(kind, obj):
    """The type the upload validator recorded for the file, or '' when the kind records none."""
    return (getattr(obj, kind.content_type_field, "") or "") if kind.content_type_field else ""


def file_type_of_bytes(head):
    """(content type, extension) of the accepted type the bytes start as; octet-stream and .bin otherwise."""
    detected = sniff(head)
    return TYPES[detected][:2] if detected else UNKNOWN


def served_name(kind, pk, extension):
    return f"{kind.slug}-{pk}{extension}"


def file_served_name(kind, obj):
    """The name a download of `obj` gets, for pages: from the stored detected type, else from the bytes."""
    content_type = getattr(obj, kind.content_type_field, "") if kind.content_type_field else ""
    if content_type in _BY_CONTENT_TYPE:
        return served_name(kind, obj.pk, _BY_CONTENT_TYPE[content_type][1])
    stored = getattr(obj, kind.field)
    try:
        with stored.open("rb") as handle:
            return served_name(kind, obj.pk, file_type_of_bytes(handle.read(SNIFF_BYTES))[1])
    except (FileNotFoundError, ValueError):
        return served_name(kind, obj.pk, UNKNOWN[1])


def file_uploaded_name(kind, obj):
    """The uploader's name for display (control and bidi characters removed), or ''."""
    return filename_for_display(getattr(obj, kind.name_field, "") or "") if kind.name_field else ""
