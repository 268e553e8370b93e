"""The files kept with a draft (a notice in progress, a counter-notice in progress) until it is filed or dropped.

Kept files are stored once, when they are sent (``portal.uploads.upload_row_save``); filing copies each into
the filed row under a new server name (``draft_file_upload``) and deletes the draft's copies after the commit,
as does removing a file or dropping a draft (``draft_files_delete_after_commit``): a rolled-back filing keeps
them, and no file outlives the rows that record it.
"""

import uuid

from django.core.files.base import ContentFile
from django.db import transaction

from portal.uploads import ValidatedUpload


def draft_files_of(stored_rows):
    """(storage, name) of each stored row's file, to delete once the rows are gone."""
    return [(row.file.storage, row.file.name) for row in stored_rows if row.file]


def draft_files_delete_after_commit(files):
    """Delete ``files`` (``draft_files_of``) when the open transaction commits; nothing if it rolls back."""

    def delete():
        for storage, name in files:
            storage.delete(name)

    if files:
        transaction.on_commit(delete)


def draft_file_upload(stored):
    """A kept file as a filing takes evidence: its bytes (validated when sent) under a new server name."""
    with stored.file.open("rb") as handle:
        content = handle.read()
    extension = "." + stored.file.name.rsplit(".", 1)[-1] if "." in stored.file.name else ""
    name = uuid.uuid4().hex + extension
    return ValidatedUpload(
        content=ContentFile(content, name=name),
        name=name,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
    )
