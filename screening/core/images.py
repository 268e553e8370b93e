"""Where listing images come in: the hook the image core (OCR, perceptual hashes) fills.

``Screener`` asks an ImageScreener for the findings of a listing that has images: text read from
them (matched like the title, reported as ``ocr``), and matches of the images against the brands'
reference and known-counterfeit images (reported as ``image``, with the points each is worth). Until
the image core exists, ``image_screener_for`` gives one that finds nothing, so images add nothing.
"""

from dataclasses import dataclass
from typing import Protocol


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
    """Images contribute nothing (no image core yet, or images turned off)."""

    def findings(self, listing):
        return NO_FINDINGS


def image_screener_for(snapshot):
    """The image screener for a snapshot (its reference and counterfeit images)."""
    return NoImageScreening()
