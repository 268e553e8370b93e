"""Writing validated bytes to storage, and taking them away again when the surrounding write fails."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def store_upload(validated, *, prefix: str = "", storage=None) -> str:
    """Save validated bytes under `prefix`/server name; return the stored name."""
    storage = storage or default_storage
    path = f"{prefix.strip('/')}/{validated.name}" if prefix.strip("/") else validated.name
    validated.content.seek(0)
    return storage.save(path, ContentFile(validated.content.read()))


class StoredFilesGuard:
    """Delete files stored inside a block if the block fails, so no orphan survives a rollback.

    with StoredFilesGuard() as guard, transaction.atomic():
        row.file.save(validated.name, validated.content, save=False); guard.add(row.file)
    """

    def __init__(self):
        self._files = []

    def add(self, field_file):
        self._files.append((field_file.storage, field_file.name))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for storage, name in self._files:
                storage.delete(name)
        return False
