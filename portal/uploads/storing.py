"""Writing validated bytes to storage (files that rows record follow their transaction: portal.transactions)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from portal.transactions import stored_file_track, stored_file_tracking_check


def store_upload(validated, *, prefix: str = "", storage=None) -> str:
    """Save validated bytes under `prefix`/server name; return the stored name."""
    storage = storage or default_storage
    path = f"{prefix.strip('/')}/{validated.name}" if prefix.strip("/") else validated.name
    validated.content.seek(0)
    return storage.save(path, ContentFile(validated.content.read()))


def upload_row_save(row, validated, *, field="file"):
    """Save ``row`` (an unsaved model instance) with ``validated`` (a ``ValidatedUpload``) as its file: the one way
    a row that records an upload is written.

    The file is stored under the server's name (in the field's ``upload_to``), never the uploader's; the row
    records the uploader's name for display, the type the validator detected and the size of the stored bytes.
    Call it inside ``durable_atomic()`` (or the enclosing block): the file follows that transaction, and a
    rollback deletes it, so no row that is rolled back leaves a file behind.
    """
    stored_file_tracking_check()  # before writing: a refused call leaves no file
    row.original_name = validated.original_name
    row.content_type = validated.content_type
    row.size = validated.size
    stored = getattr(row, field)
    stored.save(validated.name, validated.content, save=False)
    stored_file_track(stored)
    row.save()
    return row
