"""Where listing images come in: text read from them, and copies of the brands' pictures found in them.

``Screener`` asks an ImageScreener for the findings of a listing that has images: text read from
them (matched like the title, reported as ``ocr``), and matches of the images against the brands'
reference and known-counterfeit images (reported as ``image``, with the points each is worth).

``ListingImages`` is the image core's: built once per snapshot (the pipeline keeps it while the
snapshot's version holds), it fingerprints every reference and known-counterfeit image
(``phash``: the image and its crops) into one ``ImageIndex``; for a listing it reads the text of
its images through the OCR reader (``ocr``: cached by content, so a known image costs no
Tesseract call) and looks each image up in the index (``hash_index``). A brand is matched at most
once per listing, by its strongest match: a known counterfeit before a reference image, then the
nearest. Images are read through ``load`` (a path or storage name to bytes: files for
``screen_file``, the pipeline's storage) and decoded with the limits passed in.

A listing image that cannot be loaded or decoded adds nothing (screening goes on with the rest);
a reference or counterfeit image that cannot be is the snapshot's error, named. A picture too plain
to compare (mostly one shade: ``phash``, ``Thresholds.image_plain_share``) is left out on both sides:
a reference or counterfeit image is not indexed (``plain_references`` names it), a listing image is
not looked up; its text is still read.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from screening.core.decoding import DEFAULT_DECODE_LIMITS, ImageUnreadable
from screening.core.hash_index import ImageIndex
from screening.core.ocr import OcrReader
from screening.core.phash import bytes_decode_for_hashing, image_fingerprint, image_fingerprint_crops
from screening.core.results import Signal, SignalKind
from screening.core.snapshot import SnapshotError
from screening.core.thresholds import DEFAULT_THRESHOLDS

REFERENCE = "reference"
COUNTERFEIT = "counterfeit"
_KIND_NAMES = {REFERENCE: "the brand's reference image", COUNTERFEIT: "the known counterfeit image"}


@dataclass(frozen=True, slots=True)
class ImageMatch:
    brand_id: object
    signal: object  # results.Signal of kind IMAGE: evidence (which image, the distance) and points
    # The image shows the brand itself (its reference or a known counterfeit of it): the brand is then
    # named directly, as by its name in the title.
    identifies: bool = True


@dataclass(frozen=True, slots=True)
class ImageFindings:
    ocr_text: str = ""
    matches: tuple = ()  # of ImageMatch


NO_FINDINGS = ImageFindings()


class ImageScreener(Protocol):
    def findings(self, listing) -> ImageFindings: ...


class NoImageScreening:
    """Images contribute nothing (images turned off)."""

    def findings(self, listing):
        return NO_FINDINGS


def file_bytes(path):
    return Path(path).read_bytes()


_default_reader = None


def default_ocr_reader():
    """The process's OCR reader: one cache for every snapshot (what an image says does not depend on it)."""
    global _default_reader
    if _default_reader is None:
        _default_reader = OcrReader()
    return _default_reader


@dataclass(frozen=True, slots=True)
class _Reference:
    brand_id: object
    kind: str
    path: str


class ListingImages:
    def __init__(self, snapshot, *, thresholds=DEFAULT_THRESHOLDS, ocr=None, load=file_bytes, limits=None):
        self.thresholds = thresholds
        self.ocr = ocr if ocr is not None else default_ocr_reader()
        self.load = load
        self.limits = limits or (self.ocr.limits if ocr is not None else DEFAULT_DECODE_LIMITS)
        self.references = []
        # (brand id, kind, path) of the reference and counterfeit images too plain to compare: not indexed.
        self.plain_references = []
        fingerprints = []
        for brand in snapshot.brands:
            for kind, images in ((REFERENCE, brand.reference_images), (COUNTERFEIT, brand.counterfeit_images)):
                for image in images:
                    crops = self._reference_fingerprints(brand, kind, image.path)
                    if crops is None:
                        self.plain_references.append((brand.id, kind, image.path))
                        continue
                    fingerprints.append(crops)
                    self.references.append(_Reference(brand.id, kind, image.path))
        self.index = ImageIndex(fingerprints)

    def _reference_fingerprints(self, brand, kind, path):
        try:
            return image_fingerprint_crops(
                bytes_decode_for_hashing(self.load(path), limits=self.limits),
                max_plain_share=self.thresholds.image_plain_share,
            )
        except OSError as exc:
            raise SnapshotError(f"brand {brand.id!r}: {kind} image {path}: {exc.strerror or exc}") from None
        except ImageUnreadable as exc:
            raise SnapshotError(f"brand {brand.id!r}: {kind} image {path}: {exc}") from None

    def findings(self, listing):
        loaded = []
        for position, path in enumerate(listing.images, start=1):
            try:
                loaded.append((position, path, self.load(path)))
            except OSError:
                continue
        if not loaded:
            return NO_FINDINGS
        texts = self.ocr.read_many([data for _, _, data in loaded])
        ocr_text = "\n".join(text.text for text in texts if text.text)
        best = {}
        if self.index.images:
            for position, path, data in loaded:
                self._match(position, path, data, best)
        matches = tuple(self._image_match(*found) for found in best.values())
        return ImageFindings(ocr_text, matches)

    def _match(self, position, path, data, best):
        """Records in ``best`` (brand -> (rank, ...)) the strongest match of one listing image per brand."""
        try:
            fingerprint = image_fingerprint(
                bytes_decode_for_hashing(data, limits=self.limits), max_plain_share=self.thresholds.image_plain_share
            )
        except ImageUnreadable:
            return
        if fingerprint is None:  # too plain to compare
            return
        owners, distances = self.index.matches(
            fingerprint,
            max_distance=self.thresholds.image_max_distance,
            confirm_max_distance=self.thresholds.image_confirm_max_distance,
        )
        for owner, distance in zip(owners.tolist(), distances.tolist(), strict=True):
            reference = self.references[owner]
            rank = (reference.kind != COUNTERFEIT, distance, position)
            key = _brand_key(reference.brand_id)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, reference, position, path, distance)

    def _image_match(self, rank, reference, position, path, distance):
        points = self.thresholds.image_counterfeit if reference.kind == COUNTERFEIT else self.thresholds.image_reference
        evidence = (
            f'image {position} ("{Path(path).name}") is {distance} bits of 64 from '
            f'{_KIND_NAMES[reference.kind]} "{Path(reference.path).name}"'
        )
        details = {
            "image_position": position,
            "image": path,
            "reference_kind": reference.kind,
            "reference_image": reference.path,
            "distance": distance,
        }
        return ImageMatch(reference.brand_id, Signal(SignalKind.IMAGE, evidence, points, details))


def _brand_key(brand_id):
    return (type(brand_id).__name__, brand_id)


def image_screener_for(snapshot, thresholds=DEFAULT_THRESHOLDS, **options):
    """The image screener for a snapshot (its reference and counterfeit images); ``options`` go to ListingImages."""
    return ListingImages(snapshot, thresholds=thresholds, **options)
