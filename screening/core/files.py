"""Screening from files, with no database: ASSETS.json and LISTINGS.jsonl in, RESULTS.jsonl out (issue 11).

``manage.py screen_file`` runs this with the pipeline's default thresholds; tuning and audits run
it on exported data. Paths inside each file are relative to that file's folder. Any error stops
the run with a message that names the file (and the line) and nothing is left at the output path:
results are written to a temporary file beside it and moved into place at the end.
"""

import json
import os
import tempfile
from collections import Counter
from itertools import islice
from pathlib import Path

from screening.core.images import image_screener_for
from screening.core.listing import ListingError, ListingInput
from screening.core.screener import Screener
from screening.core.snapshot import Snapshot, SnapshotError
from screening.core.thresholds import DEFAULT_THRESHOLDS

# Listings screened together (Screener.screen_many): the results are each listing's alone, only sooner.
BATCH = 1_000


class ScreeningFileError(Exception):
    """A file cannot be read or written; the message says which, where, and why."""


def assets_read(path):
    """The Snapshot of ASSETS.json at ``path`` (image paths relative to its folder)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        raise ScreeningFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScreeningFileError(f"{path}: a folder, not a file") from None
    except UnicodeDecodeError:
        raise ScreeningFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScreeningFileError(f"{path}: line {exc.lineno} column {exc.colno}: bad JSON: {exc.msg}") from None
    except OSError as exc:
        raise ScreeningFileError(f"{path}: {exc.strerror}") from None
    try:
        return Snapshot.from_dict(data, base_dir=path.parent)
    except SnapshotError as exc:
        raise ScreeningFileError(f"{path}: {exc}") from None


def listings_read(path):
    """Yields (line number, ListingInput) for each line of LISTINGS.jsonl (blank lines skipped)."""
    path = Path(path)
    try:
        file = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise ScreeningFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScreeningFileError(f"{path}: a folder, not a file") from None
    except OSError as exc:
        raise ScreeningFileError(f"{path}: {exc.strerror}") from None
    with file:
        number = 0
        try:
            for number, line in enumerate(file, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ScreeningFileError(f"{path}: line {number} column {exc.colno}: bad JSON: {exc.msg}") from None
                try:
                    yield number, ListingInput.from_dict(data, base_dir=path.parent)
                except ListingError as exc:
                    listing_id = data.get("id") if isinstance(data, dict) else None
                    named = f" (listing {listing_id!r})" if isinstance(listing_id, str | int) else ""
                    raise ScreeningFileError(f"{path}: line {number}{named}: {exc}") from None
        except UnicodeDecodeError:
            raise ScreeningFileError(f"{path}: line {number + 1}: not UTF-8 text") from None


def screen_files(assets_path, listings_path, output_path, *, thresholds=DEFAULT_THRESHOLDS):
    """Screens every listing; returns (the snapshot's version, a Counter of outcomes)."""
    snapshot = assets_read(assets_path)
    try:
        images = image_screener_for(snapshot, thresholds)
    except SnapshotError as exc:
        raise ScreeningFileError(f"{assets_path}: {exc}") from None
    screener = Screener(snapshot, thresholds, images)
    output_path = Path(output_path)
    if output_path.is_dir():
        raise ScreeningFileError(f"{output_path}: a folder; give the path of the results file")
    if not output_path.parent.is_dir():
        raise ScreeningFileError(f"{output_path.parent}: no such folder for the results")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output_path.name}.", dir=output_path.parent)
    except OSError as exc:
        raise ScreeningFileError(f"{output_path.parent}: cannot write there: {exc.strerror}") from None
    outcomes = Counter()
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            listings = (listing for _number, listing in listings_read(listings_path))
            while batch := list(islice(listings, BATCH)):
                for result in screener.screen_many(batch):
                    outcomes[str(result.outcome)] += 1
                    output.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        os.replace(temporary, output_path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ScreeningFileError(f"{output_path}: cannot write the results: {exc.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return snapshot.version, outcomes
