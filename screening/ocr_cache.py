"""The core's OCR cache (``screening.core.ocr.OcrCache``) on the ``OcrText`` table.

The core asks the cache one key at a time; a batch of listings would then cost a query per image.
So the pipeline asks first for all the keys of its batch (``prefetch``: one query), the core's
``get`` answers from memory, and what Tesseract read is written back in one statement at the end
(``flush``; a row another worker wrote meanwhile is kept: the same bytes read the same). Across
workers and restarts an image is therefore read once; within a process, the last readings are
also kept in memory (``LruOcrCache``), so a worker seeing the same picture again asks nobody.
"""

from screening.core.ocr import DEFAULT_OCR_SETTINGS, LruOcrCache, OcrStatus
from screening.core.ocr import OcrText as CoreOcrText
from screening.models import OcrText


class DbOcrCache:
    def __init__(self, *, languages=DEFAULT_OCR_SETTINGS.languages, memory_entries=10_000):
        self.languages = languages
        self.memory = LruOcrCache(memory_entries)
        self.pending = {}  # key -> CoreOcrText read in this batch, not yet written

    def prefetch(self, keys):
        """Load the readings of ``keys`` not in memory: one query."""
        missing = [key for key in set(keys) if self.memory.get(key) is None]
        if not missing:
            return
        for row in OcrText.objects.filter(content_hash__in=missing).only("content_hash", "text", "status", "detail"):
            self.memory.set(row.content_hash, CoreOcrText(row.text, OcrStatus(row.status), row.detail))

    def get(self, key):
        return self.memory.get(key)

    def set(self, key, value):
        self.memory.set(key, value)
        self.pending[key] = value

    def flush(self):
        """Write the readings made since the last flush (one statement); returns how many were new here."""
        if not self.pending:
            return 0
        rows = [
            OcrText(
                content_hash=key,
                text=value.text,
                status=str(value.status),
                detail=value.detail[:300],
                languages=self.languages,
            )
            for key, value in self.pending.items()
        ]
        self.pending = {}
        OcrText.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    def discard(self):
        """Forget unwritten readings (a batch that failed); memory keeps them for this process."""
        self.pending = {}
