"""Private files: which model field each download kind serves, and who may see it.

Apps register their kinds in AppConfig.ready(); the download view looks the
object up through the kind's scoped queryset, so another organisation's file
answers 404 exactly like a missing one.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    slug: str
    queryset_for: Callable  # user -> QuerySet already scoped to what the user may see
    field: str
    name_field: str | None = "original_name"
    content_type_field: str | None = "content_type"


_registry: dict[str, FileKind] = {}


def register_file_kind(kind):
    _registry[kind.slug] = kind
    return kind


def file_kind(slug):
    return _registry.get(slug)


def file_url(slug, obj):
    from django.urls import reverse

    return reverse("file-download", kwargs={"kind": slug, "pk": obj.pk})
