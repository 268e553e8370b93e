"""Writing validated bytes to storage (files that rows record follow their transaction: portal.transactions)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def store_upload(validated, *, prefix: str = "", storage=None) -> str:
    """Save validated bytes under `prefix`/server name; return the stored name."""
    storage = storage or default_storage
    path = f"{prefix.strip('/')}/{validated.name}" if prefix.strip("/") else validated.name
    validated.content.seek(0)
    return storage.save(path, ContentFile(validated.content.read()))
