"""The core's OCR cache (``screening.core.ocr.OcrCache``) on the ``OcrText`` table.

The core asks the cache one key at a time; a batch of listings would then cost a query per image.
So the pipeline asks first for all the keys of its batch (``prefetch``: one query), the core's
``get`` answers from memory, and what Tesseract read is written back in one statement at the end
(``flush``). Across workers and restarts an image is therefore read once; within a process, the
last readings are also kept in memory (``LruOcrCache``), so a worker seeing the same picture again
asks nobody.

A reading is only as good as the way it was made. Each row carries its ``version``
(``ocr_version``): the recipe (``OCR_RECIPE_VERSION``), Tesseract's version, the languages and a
digest of the settings that change the text. A row of another version is not used: the image is
read again and its row replaced (a row of the same version another worker wrote meanwhile is
written over with what is, for the same bytes, the same reading). So a new Tesseract, another language or a changed
preparation reads each image again the next time a listing showing it is screened, instead of
reusing the old reading forever.
"""

import functools
import hashlib

import pytesseract

from screening.core.ocr import DEFAULT_OCR_SETTINGS, LruOcrCache, OcrStatus
from screening.core.ocr import OcrText as CoreOcrText
from screening.models import OcrText

# The recipe of a reading: what the core gives Tesseract and keeps of its output (``ocr_prepare``,
# ``ocr_clean``, the second look and how it adds to the first). Bump it with any change to those that
# changes what is read: every image is then read again. ``tests/screening/test_ocr_cache.py`` fingerprints
# that code and fails when it changes, so the change is a decision (bump this, or record the fingerprint
# of a change that reads the same).
OCR_RECIPE_VERSION = 1


@functools.cache
def tesseract_version():
    """The installed Tesseract's version ("5.3.0"), asked once a process; "none" without one (nothing is read)."""
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError:
        return "none"


def ocr_version(settings=DEFAULT_OCR_SETTINGS):
    """What a cached reading depends on, as one short string: "r1 t5.3.0 eng+chi_sim 1a2b3c4d5e"."""
    reading = (
        settings.languages,
        settings.max_side,
        settings.config,
        settings.second_config,
        settings.second_pass_below,
    )
    digest = hashlib.sha256(repr(reading).encode()).hexdigest()[:10]
    return f"r{OCR_RECIPE_VERSION} t{tesseract_version()} {settings.languages} {digest}"


class DbOcrCache:
    def __init__(self, *, settings=DEFAULT_OCR_SETTINGS, memory_entries=10_000):
        self.languages = settings.languages
        self.version = ocr_version(settings)
        self.memory = LruOcrCache(memory_entries)
        self.pending = {}  # key -> CoreOcrText read in this batch, not yet written

    def prefetch(self, keys):
        """Load the readings of ``keys`` not in memory, of this version: one query."""
        missing = [key for key in set(keys) if self.memory.get(key) is None]
        if not missing:
            return
        rows = OcrText.objects.filter(content_hash__in=missing, version=self.version)
        for row in rows.only("content_hash", "text", "status", "detail"):
            self.memory.set(row.content_hash, CoreOcrText(row.text, OcrStatus(row.status), row.detail))

    def get(self, key):
        return self.memory.get(key)

    def set(self, key, value):
        self.memory.set(key, value)
        self.pending[key] = value

    def flush(self):
        """Write the readings made since the last flush (one statement); returns how many were written.

        A row of another version is replaced. In the order of the keys: two workers writing the same
        images lock their rows in the same order, never in a cycle.
        """
        if not self.pending:
            return 0
        rows = [
            OcrText(
                content_hash=key,
                text=value.text,
                status=str(value.status),
                detail=value.detail[:300],
                languages=self.languages,
                version=self.version,
            )
            for key, value in sorted(self.pending.items())
        ]
        self.pending = {}
        OcrText.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["content_hash"],
            update_fields=["text", "status", "detail", "languages", "version", "created_at"],
        )
        return len(rows)

    def discard(self):
        """Forget unwritten readings (a batch that failed); memory keeps them for this process."""
        self.pending = {}
