"""The OCR cache on the database: a reading is reused only if it was made the way screening reads now
(its version: the recipe, Tesseract's version, the languages, the settings); else the image is read again."""

import ast
import hashlib
import inspect
import textwrap

import pytest

import screening.core.ocr as core_ocr
from screening import ocr_cache, snapshot_build
from screening.core.decoding import content_hash
from screening.core.ocr import OcrSettings
from screening.models import OcrText, ScreeningResult, ScreeningTrigger
from screening.ocr_cache import DbOcrCache, ocr_version
from screening.pipeline import listings_screen
from tests import factories
from tests.screening.imaging import encoded, text_image
from tests.screening.pipeline_world import brand_with_asset, image_add, listing_made

pytestmark = pytest.mark.django_db

# The code the recipe is made of, fingerprinted below (``ocr_cache.OCR_RECIPE_VERSION``).
RECIPE = [
    core_ocr.ocr_prepare,
    core_ocr.ocr_clean,
    core_ocr.ocr_finds_little,
    core_ocr.ocr_batch,
    core_ocr._tesseract,
    core_ocr._both,
    core_ocr.OcrReader._read,
]
RECIPE_PATTERNS = [core_ocr._SPACE_BETWEEN_CJK, core_ocr._SPACES, core_ocr._WORD, core_ocr._CJK]
RECIPE_FINGERPRINT = "03c972bd78a2"  # of OCR_RECIPE_VERSION 1


@pytest.fixture
def tesseract_runs(monkeypatch):
    """The batches given to Tesseract (each still read by the real one)."""
    runs = []
    real = core_ocr.ocr_batch

    def counted(images, *args, **kwargs):
        runs.append(len(images))
        return real(images, *args, **kwargs)

    monkeypatch.setattr(core_ocr, "ocr_batch", counted)
    return runs


@pytest.fixture
def shop():
    _, asset = brand_with_asset()
    snapshot_build.screener_forget()  # a fresh process: only the table remembers
    yield asset, factories.StoreFactory()
    snapshot_build.screener_forget()


def _ocr_signal(listing):
    result = ScreeningResult.objects.get(listing=listing)
    return next((s for s in result.signals if s["kind"] == "ocr"), None)


def test_a_reading_of_another_version_is_not_reused_the_image_is_read_again(shop, tesseract_runs):
    asset, store = shop
    data = encoded(text_image(31, ["NORTHWIND"], style="light", scene=False))
    # Read long ago by another recipe, which found nothing on it.
    OcrText.objects.create(content_hash=content_hash(data), text="", languages="eng", version="r0 t4.1.1 eng 0")
    listing = listing_made(store, "V1", "Sports shoes, all sizes", price="20.00")
    image_add(listing, data)

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert tesseract_runs == [1]
    assert "NORTHWIND" in _ocr_signal(listing)["ocr_text"]
    row = OcrText.objects.get()
    assert (row.version, row.languages) == (ocr_version(), "eng+chi_sim") and "NORTHWIND" in row.text


def test_a_reading_of_this_version_is_reused_without_tesseract(shop, tesseract_runs):
    asset, store = shop
    data = encoded(text_image(32, ["SPORTS"], style="light", scene=False))
    # What the table says this image reads, in this version, is taken as read: no Tesseract call.
    OcrText.objects.create(
        content_hash=content_hash(data), text="NORTHWIND", languages="eng+chi_sim", version=ocr_version()
    )
    listing = listing_made(store, "V2", "Sports shoes, all sizes", price="20.00")
    image_add(listing, data)

    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    assert tesseract_runs == []
    assert _ocr_signal(listing)["ocr_text"] == "NORTHWIND"


def test_the_cache_reads_only_rows_of_its_version_and_writes_over_the_others():
    stale = OcrText.objects.create(content_hash="a" * 64, text="OLD", languages="eng", version="r0")
    OcrText.objects.create(content_hash="b" * 64, text="KEPT", languages="eng+chi_sim", version=ocr_version())
    cache = DbOcrCache()
    cache.prefetch(["a" * 64, "b" * 64])
    assert cache.get("a" * 64) is None and cache.get("b" * 64).text == "KEPT"
    cache.set("a" * 64, core_ocr.OcrText("NEW"))
    assert cache.flush() == 1
    stale.refresh_from_db()
    assert (stale.text, stale.version, stale.languages) == ("NEW", ocr_version(), "eng+chi_sim")
    assert DbOcrCache(settings=OcrSettings(languages="eng")).version != cache.version


def test_the_version_moves_with_the_recipe_tesseract_the_languages_and_the_reading_settings(monkeypatch):
    now = ocr_version()
    assert now.startswith(f"r{ocr_cache.OCR_RECIPE_VERSION} t") and " eng+chi_sim " in now
    assert ocr_version() == now and ocr_version(OcrSettings(timeout_s=3, batch_size=2)) == now  # same text
    changed = {
        ocr_version(OcrSettings(languages="eng")),
        ocr_version(OcrSettings(max_side=1200)),
        ocr_version(OcrSettings(second_config="")),
        ocr_version(OcrSettings(second_pass_below=2)),
    }
    assert len(changed) == 4 and now not in changed
    monkeypatch.setattr(ocr_cache, "OCR_RECIPE_VERSION", ocr_cache.OCR_RECIPE_VERSION + 1)
    assert ocr_version() not in {now, *changed}
    monkeypatch.undo()
    ocr_cache.tesseract_version.cache_clear()
    monkeypatch.setattr(ocr_cache.pytesseract, "get_tesseract_version", lambda: "6.0.0")
    try:
        assert ocr_version() != now and " t6.0.0 " in ocr_version()
    finally:
        ocr_cache.tesseract_version.cache_clear()


def _without_docstrings(tree):
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(getattr(body[0], "value", None), ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def recipe_fingerprint():
    """The recipe's code as Python reads it: comments, docstrings and layout left out."""
    parts = [ast.dump(_without_docstrings(ast.parse(textwrap.dedent(inspect.getsource(f))))) for f in RECIPE]
    parts += [pattern.pattern for pattern in RECIPE_PATTERNS]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def test_a_change_to_the_recipes_code_is_a_decision_about_the_cached_readings():
    assert recipe_fingerprint() == RECIPE_FINGERPRINT, (
        "The OCR recipe's code changed (screening/core/ocr.py). If it reads images differently, bump "
        "OCR_RECIPE_VERSION in screening/ocr_cache.py (every image is read again); either way set "
        f"RECIPE_FINGERPRINT here to {recipe_fingerprint()!r}."
    )
