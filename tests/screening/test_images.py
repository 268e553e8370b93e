"""The image hook filled: a listing's images read (OCR) and looked up among the brands' pictures, through the Screener."""

import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demo.files import logo_png
from screening.core import ListingInput, Screener, Snapshot
from screening.core.images import ListingImages
from screening.core.ocr import OcrReader
from screening.core.snapshot import SnapshotError
from tests.screening.imaging import brightened, cropped, product_image, recompressed, resized, text_image


@pytest.fixture
def world(tmp_path):
    product_image(1).save(tmp_path / "nw-ref.png")
    product_image(2).save(tmp_path / "nw-fake.png")
    product_image(3).save(tmp_path / "va-ref.png")
    recompressed(cropped(resized(product_image(1), 0.7), left=0.04, bottom=0.03), 60).save(tmp_path / "copy.jpg")
    brightened(product_image(2), 0.8).save(tmp_path / "fake-copy.png")
    product_image(50).save(tmp_path / "unrelated.png")
    text_image(7, ["NORTHWIND", "AAA QUALITY"], style="light", scene=False).save(tmp_path / "caption.png")
    assets = {
        "brands": [
            {"id": "nw", "name": "Northwind", "categories": ["Sneakers"], "reference_price": "140", "currency": "EUR",
             "reference_images": ["nw-ref.png"], "counterfeit_images": ["nw-fake.png"]},
            {"id": "va", "name": "Vantor", "categories": ["Watches"], "reference_images": ["va-ref.png"]},
        ]
    }  # fmt: skip
    snapshot = Snapshot.from_dict(assets, base_dir=tmp_path)
    reader = OcrReader()
    return tmp_path, snapshot, reader, Screener(snapshot, images=ListingImages(snapshot, ocr=reader))


def listing(tmp_path, *images, title="Running shoes, white", price="30", category="Sneakers"):
    paths = tuple(str(tmp_path / image) for image in images)
    return ListingInput(id=1, title=title, category=category, price=Decimal(price), currency="EUR", images=paths)


def test_an_edited_copy_of_the_reference_image_alerts_with_the_image_and_distance(world):
    tmp_path, snapshot, reader, screener = world
    findings = screener.images.findings(listing(tmp_path, "unrelated.png", "copy.jpg"))
    [match] = findings.matches
    assert match.brand_id == "nw" and match.identifies and match.signal.kind == "image"
    assert match.signal.evidence.startswith('image 2 ("copy.jpg") is ')
    assert match.signal.evidence.endswith('bits of 64 from the brand\'s reference image "nw-ref.png"')
    result = screener.screen(listing(tmp_path, "copy.jpg", price="130"))
    assert result.brand_id == "nw" and result.outcome == "alert"
    assert [s["kind"] for s in result.as_dict()["signals"]] == ["image", "category"]


def test_a_known_counterfeit_image_counts_before_a_reference_image_and_with_a_low_price_is_a_notice(world):
    tmp_path, snapshot, reader, screener = world
    [match] = screener.images.findings(listing(tmp_path, "copy.jpg", "fake-copy.png")).matches
    assert 'image 2 ("fake-copy.png")' in match.signal.evidence and "known counterfeit image" in match.signal.evidence
    assert screener.screen(listing(tmp_path, "fake-copy.png", price="30")).outcome == "notice"


def test_an_unrelated_image_matches_nothing(world):
    tmp_path, snapshot, reader, screener = world
    assert screener.images.findings(listing(tmp_path, "unrelated.png")).matches == ()
    assert screener.screen(listing(tmp_path, "unrelated.png")).outcome == "clear"


def test_the_brand_only_in_an_image_is_found_by_ocr_and_the_image_is_never_read_twice(world):
    tmp_path, snapshot, reader, screener = world
    result = screener.screen(listing(tmp_path, "caption.png", title="Running shoes, white"))
    assert result.brand_id == "nw" and result.outcome in ("alert", "notice")
    kinds = {s.kind: s.evidence for s in result.signals}
    assert kinds["ocr"].startswith('image text: "NORTHWIND"') and "AAA QUALITY" in kinds["replica"]
    assert reader.tesseract_calls == 1
    again = screener.screen(listing(tmp_path, "caption.png", title="Sports shoes"))
    assert again.outcome == result.outcome and reader.tesseract_calls == 1


def test_a_listing_image_that_cannot_be_loaded_or_decoded_adds_nothing(world):
    tmp_path, snapshot, reader, screener = world
    (tmp_path / "broken.png").write_bytes(b"not an image")
    findings = screener.images.findings(listing(tmp_path, "missing.png", "broken.png", "copy.jpg"))
    assert [m.brand_id for m in findings.matches] == ["nw"] and 'image 3 ("copy.jpg")' in findings.matches[
        0
    ].signal.evidence


def test_a_reference_image_that_cannot_be_read_is_the_snapshots_error(tmp_path):
    snapshot = Snapshot.from_dict(
        {"brands": [{"id": "nw", "name": "Northwind", "reference_images": ["gone.png"]}]}, base_dir=tmp_path
    )
    with pytest.raises(SnapshotError, match="brand 'nw': reference image .*gone.png"):
        ListingImages(snapshot)


def test_a_picture_too_plain_to_compare_matches_nothing_on_either_side(tmp_path):
    # A plain square, a demo card and a faint gradient as brand pictures; a plain square of the very same
    # colour, another colour and another demo card as listing photos: their hashes alone are near (test_phash),
    # yet none is compared. The textured reference beside them still finds its edited copy.
    Image.new("RGB", (400, 400), (200, 30, 30)).save(tmp_path / "nw-plain.png")
    Image.open(io.BytesIO(logo_png("NORTHWIND", (20, 60, 120), (480, 240)))).save(tmp_path / "nw-card.png")
    product_image(1).save(tmp_path / "nw-ref.png")
    gradient = np.tile(np.linspace(100, 110, 400), (300, 1)).astype(np.uint8)
    Image.fromarray(gradient).save(tmp_path / "va-gradient.png")
    Image.new("RGB", (300, 300), (200, 30, 30)).save(tmp_path / "same-colour.png")
    recompressed(Image.new("RGB", (640, 480), (20, 160, 90)), 60).save(tmp_path / "green.jpg")
    Image.open(io.BytesIO(logo_png("Leather handbag", (52, 73, 94), (480, 360)))).save(tmp_path / "card.png")
    recompressed(brightened(cropped(resized(product_image(1), 0.5), right=0.04), 1.1), 60).save(tmp_path / "copy.jpg")
    snapshot = Snapshot.from_dict(
        {
            "brands": [
                {"id": "nw", "name": "Northwind", "categories": ["Sneakers"],
                 "reference_images": ["nw-plain.png", "nw-ref.png"], "counterfeit_images": ["nw-card.png"]},
                {"id": "va", "name": "Vantor", "categories": ["Watches"], "reference_images": ["va-gradient.png"]},
            ]
        },
        base_dir=tmp_path,
    )  # fmt: skip
    images = ListingImages(snapshot)
    assert sorted((brand, kind, Path(path).name) for brand, kind, path in images.plain_references) == [
        ("nw", "counterfeit", "nw-card.png"),
        ("nw", "reference", "nw-plain.png"),
        ("va", "reference", "va-gradient.png"),
    ]
    screener = Screener(snapshot, images=images)
    plain = listing(tmp_path, "same-colour.png", "green.jpg", "card.png", title="Handbag", category="Watches")
    assert images.findings(plain).matches == ()
    assert screener.screen(plain).outcome == "clear"
    [match] = images.findings(listing(tmp_path, "same-colour.png", "card.png", "copy.jpg")).matches
    assert match.brand_id == "nw" and match.signal.details["reference_image"].endswith("nw-ref.png")
    assert match.signal.details["image_position"] == 3
