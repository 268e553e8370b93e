"""Write every decision that restricted a listing or a store as DSA Transparency Database submissions.

The file is ``{"statements": [...]}``, the body of the database's multiple endpoint; an uploader sends it
in slices of at most 100 statements per call. The file is written to a temporary file beside the target
and renamed over it, so a failed run leaves the old file (or none), never half a file.
"""

import datetime
import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from takedowns.transparency.export import statements_export


def _parse_since(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since must be a date written YYYY-MM-DD, such as 2025-07-01; got {value!r}.") from None


def _write_atomically(path, payload):
    directory = path.parent
    if not directory.exists():
        raise CommandError(f"Cannot write {path}: the folder {directory} does not exist.")
    if not directory.is_dir():
        raise CommandError(f"Cannot write {path}: {directory} is a file, not a folder.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from None
        raise


class Command(BaseCommand):
    help = (
        "Export the statements of reasons of every decision that restricted a listing or a store, in the "
        'submission format of the EU DSA Transparency Database ({"statements": [...]}), without personal data.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The JSON file to write (replaced if it exists).")
        parser.add_argument(
            "--since", help="Only decisions taken on or after this day (YYYY-MM-DD, UTC). Default: all."
        )

    def handle(self, *args, output, since=None, **options):
        since_date = _parse_since(since) if since else None
        path = Path(output)
        if path.is_dir():
            raise CommandError(f"Cannot write {path}: it is a folder; give a file name.")
        statements = statements_export(since=since_date)
        _write_atomically(path, {"statements": statements})
        scope = f" decided on or after {since_date.isoformat()}" if since_date else ""
        self.stdout.write(f"Wrote {len(statements)} statements of reasons{scope} to {path}.")
