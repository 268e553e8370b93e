"""Text read from listing images by Tesseract (pytesseract), English and Simplified Chinese, cached by content.

- **Prepared**: decoded safely (``decoding``), flattened on white, grey, and brought down to at most
  ``max_side`` pixels (1,600: a 12-megapixel photo's text stays legible, and Tesseract's time grows
  with the pixels).
- **Batched**: Tesseract spends about 0.3 s of CPU loading the English and Chinese models before it
  reads anything, 3 times what it then needs for an 800 px image. So the images of one call go to
  one Tesseract process as a list file, each a page of its output (pages are separated by a form
  feed). ``OMP_THREAD_LIMIT=1``: Tesseract's OpenMP threads spin on a busy machine (1 s of CPU
  became 3 s); parallelism comes from running several processes instead (``read_many``'s executor).
- **Second look**: an image whose first reading finds little (fewer than ``second_pass_below`` words of
  three letters or digits, two Chinese characters counting as one; by default none) is read once more, with the other
  such images of the same ``read_many`` call in a second round of batches (as few Tesseract processes
  as the first round: each costs its models' loading), with Sauvola's local thresholding
  (``thresholding_method=2``) instead of Tesseract's global Otsu: on a busy photo (stripes,
  gradients) a global threshold turns the background into large blobs that the page layout takes
  for a picture, caption and all, while a local one keeps the caption's strokes apart. Neither
  reading is better alone (each misses captions the other reads), so the second only adds to the
  first; images whose first reading already found a word cost nothing more. (``second_pass_below=2``
  also looks again at a reading of one word, say a product's own print, and finds a little more for
  a second Tesseract call on many more images: measured in README.)
- **Time limit**: ``timeout_s`` per image (a batch has its images' sum); a batch that runs out is
  read again one image at a time, so one slow image costs only itself. An image that runs out alone
  is reported as timed out, with no text, and is not cached: a later screening may read it.
- **Cache**: by the SHA-256 of the image's bytes (``OcrCache``: ``LruOcrCache`` in memory here; the
  pipeline may put a table or Redis behind the same two methods). An image read once is never given
  to Tesseract again; ``OcrReader.tesseract_calls`` and ``images_read`` count what was.

Tesseract puts spaces between Chinese characters it reads with the English model loaded ("北 风");
they are taken out, so the matcher sees "北风" as written.
"""

import os
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import pytesseract
from PIL import Image

from screening.core.decoding import DEFAULT_DECODE_LIMITS, ImageUnreadable, content_hash, image_decode

FORM_FEED = "\f"
_SPACE_BETWEEN_CJK = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])[ \t]+(?=[\u3400-\u9fff\uf900-\ufaff])")
_SPACES = re.compile(r"[ \t]+")
_WORD = re.compile(r"[^\W_]{3,}", re.ASCII)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class OcrSettings:
    languages: str = "eng+chi_sim"
    max_side: int = 1600
    timeout_s: float = 10.0
    # Images given to one Tesseract process at most (its model loading is shared by them).
    batch_size: int = 8
    # LSTM only; no dictionaries: brand names are not dictionary words, and loading them costs a fifth.
    config: str = "--oem 1 --psm 3 -c load_system_dawg=0 -c load_freq_dawg=0"
    # The second look at an image whose first reading found little (see the module's docstring); "": none.
    second_config: str = "--oem 1 --psm 3 -c load_system_dawg=0 -c load_freq_dawg=0 -c thresholding_method=2"
    second_pass_below: int = 1

    def __post_init__(self):
        if self.max_side < 32 or self.timeout_s <= 0 or self.batch_size < 1 or self.second_pass_below < 0:
            raise ValueError("OCR settings: max_side >= 32, timeout_s > 0, batch_size >= 1, second_pass_below >= 0")


DEFAULT_OCR_SETTINGS = OcrSettings()


class OcrStatus(StrEnum):
    READ = "read"
    TIMED_OUT = "timed_out"
    UNREADABLE = "unreadable"  # not decoded (too large, a bomb, damaged): Tesseract never sees it


@dataclass(frozen=True, slots=True)
class OcrText:
    text: str
    status: OcrStatus = OcrStatus.READ
    detail: str = ""


class OcrCache(Protocol):
    def get(self, key: str) -> OcrText | None: ...

    def set(self, key: str, value: OcrText) -> None: ...


class LruOcrCache:
    """The last ``max_entries`` readings in memory, least recently used out first; thread-safe."""

    def __init__(self, max_entries=10_000):
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._entries)

    def get(self, key):
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key, value):
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def ocr_prepare(data, *, settings=DEFAULT_OCR_SETTINGS, limits=DEFAULT_DECODE_LIMITS):
    """The grey image Tesseract reads: decoded safely, at most ``max_side`` px on its longest side."""
    side = settings.max_side
    image = image_decode(data, limits=limits, draft_size=(side, side)).convert("L")
    if max(image.size) > side:
        scale = side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return image


def ocr_clean(text):
    """Tesseract's page text: lines trimmed, blank lines dropped, the spaces it puts between Chinese characters out."""
    lines = (_SPACES.sub(" ", _SPACE_BETWEEN_CJK.sub("", line)).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def ocr_finds_little(text, below=DEFAULT_OCR_SETTINGS.second_pass_below):
    """Whether a reading has fewer than ``below`` words: runs of three letters or digits, two Chinese characters one."""
    return len(_WORD.findall(text)) + len(_CJK.findall(text)) // 2 < below


def ocr_batch(images, settings=DEFAULT_OCR_SETTINGS, limits=DEFAULT_DECODE_LIMITS, second=False):
    """Read a list of encoded images; returns (one OcrText each, Tesseract processes started).

    ``second``: the second look (``settings.second_config``), for images whose first reading found little.
    A plain function of plain data, so a process pool can run it.
    """
    # Per process, and inherited by the Tesseract processes pytesseract starts (see the module's docstring).
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    results = [None] * len(images)
    prepared = []
    for position, data in enumerate(images):
        try:
            prepared.append((position, ocr_prepare(data, settings=settings, limits=limits)))
        except ImageUnreadable as exc:
            results[position] = OcrText("", OcrStatus.UNREADABLE, f"{exc.code}: {exc}")
    calls = 0
    if prepared:
        with tempfile.TemporaryDirectory(prefix="screening-ocr-") as folder:
            paths = []
            for position, image in prepared:
                path = Path(folder) / f"{position}.png"
                image.save(path, format="PNG", compress_level=1)
                paths.append(path)
            texts, calls = _tesseract(
                paths, Path(folder), settings, settings.second_config if second else settings.config
            )
        for (position, _), text in zip(prepared, texts, strict=True):
            results[position] = text
    return results, calls


def _both(first, second):
    """The first reading with the second's lines that it does not have (a second that ran out of time adds nothing)."""
    if second.status != OcrStatus.READ or not second.text:
        return first
    have = set(first.text.splitlines())
    lines = [line for line in second.text.splitlines() if line not in have]
    return OcrText("\n".join([first.text, *lines]).strip("\n"))


def _tesseract(paths, folder, settings, config):
    """(OcrText per path, processes started): all in one process, or one by one when the batch runs out of time."""
    if len(paths) == 1:
        try:
            text = pytesseract.image_to_string(
                str(paths[0]), lang=settings.languages, config=config, timeout=settings.timeout_s
            )
        except RuntimeError as exc:
            if "timeout" not in str(exc).lower():
                raise
            return [OcrText("", OcrStatus.TIMED_OUT, f"no text within {settings.timeout_s:g} s")], 1
        return [OcrText(ocr_clean(text))], 1
    listing = folder / "images.txt"
    listing.write_text("".join(f"{path}\n" for path in paths), encoding="utf-8")
    try:
        output = pytesseract.image_to_string(
            str(listing), lang=settings.languages, config=config, timeout=settings.timeout_s * len(paths)
        )
    except RuntimeError as exc:
        if "timeout" not in str(exc).lower():
            raise
        output = None
    pages = None if output is None else output.split(FORM_FEED)
    if pages is not None and len(pages) == len(paths):
        return [OcrText(ocr_clean(page)) for page in pages], 1
    # Out of time (or pages that do not line up): each image alone, with its own time limit.
    texts, calls = [], 1
    for path in paths:
        [text], used = _tesseract([path], folder, settings, config)
        texts.append(text)
        calls += used
    return texts, calls


class OcrReader:
    """Reads images through the cache: Tesseract only for content it has not read before.

    ``executor`` (a concurrent.futures executor, e.g. a process pool of ``workers`` processes) spreads
    the batches of ``read_many`` over processes; without one they run here, one after the other.
    """

    def __init__(
        self, *, cache=None, settings=DEFAULT_OCR_SETTINGS, limits=DEFAULT_DECODE_LIMITS, executor=None, workers=1
    ):
        self.cache = cache if cache is not None else LruOcrCache()
        self.settings = settings
        self.limits = limits
        self.executor = executor
        self.workers = max(1, workers)
        self.tesseract_calls = 0
        self.images_read = 0
        self._lock = threading.Lock()

    def read(self, data):
        return self.read_many([data])[0]

    def read_many(self, images):
        """One OcrText for each encoded image, in order; each distinct unknown content read once."""
        keys = [content_hash(data) for data in images]
        known = {}
        missing = {}
        for key, data in zip(keys, images, strict=True):
            if key in known or key in missing:
                continue
            cached = self.cache.get(key)
            if cached is not None:
                known[key] = cached
            else:
                missing[key] = data
        if missing:
            known.update(self._read(missing))
        return [known[key] for key in keys]

    def _read(self, missing):
        found = self._round(missing, second=False)
        settings = self.settings
        # The second look: the images of every batch that found little, in as few Tesseract processes as the
        # first round's (a process costs its models' loading, whatever it reads).
        again = {
            key: missing[key]
            for key, text in found.items()
            if settings.second_config
            and text.status == OcrStatus.READ
            and ocr_finds_little(text.text, settings.second_pass_below)
        }
        if again:
            for key, second in self._round(again, second=True).items():
                found[key] = _both(found[key], second)
        for key, text in found.items():
            if text.status != OcrStatus.TIMED_OUT:
                self.cache.set(key, text)
        return found

    def _round(self, missing, second):
        keys = list(missing)
        size = self.settings.batch_size
        if self.executor is not None:
            # Every worker gets a batch, even when there are fewer images than a full batch each.
            size = max(1, min(size, -(-len(keys) // self.workers)))
        batches = [keys[start : start + size] for start in range(0, len(keys), size)]
        if self.executor is None:
            outcomes = [ocr_batch([missing[k] for k in batch], self.settings, self.limits, second) for batch in batches]
        else:
            futures = [
                self.executor.submit(ocr_batch, [missing[k] for k in batch], self.settings, self.limits, second)
                for batch in batches
            ]
            outcomes = [future.result() for future in futures]
        found = {}
        for batch, (texts, calls) in zip(batches, outcomes, strict=True):
            with self._lock:
                self.tesseract_calls += calls
                if not second:
                    self.images_read += sum(text.status != OcrStatus.UNREADABLE for text in texts)
            found.update(zip(batch, texts, strict=True))
        return found
