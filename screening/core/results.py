"""What screening says about a listing: an outcome, the brand, a score and every signal with its evidence."""

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    BLOCKED = "blocked"  # a banned category: refused at creation
    NOTICE = "notice"  # high confidence: a platform-initiated fast-track takedown
    ALERT = "alert"  # the rights holder is asked
    CLEAR = "clear"


class SignalKind(StrEnum):
    KEYWORD = "keyword"
    OCR = "ocr"
    IMAGE = "image"
    PRICE = "price"
    REPLICA = "replica"
    CATEGORY = "category"
    MERCHANT = "merchant"


# Made for every listing: plain slotted dataclasses (a frozen one costs four times as much to make).
@dataclass(slots=True)
class Signal:
    kind: SignalKind
    evidence: str
    points: float = 0.0
    # What the evidence says, as data (the pipeline stores it): keyword, field and quote; the image, the
    # reference image and the distance; the price and the ratio... Not part of RESULTS.jsonl.
    details: dict | None = None

    def as_dict(self):
        return {"kind": str(self.kind), "evidence": self.evidence}


@dataclass(slots=True)
class ScreeningResult:
    listing_id: object
    outcome: Outcome
    brand_id: object = None
    score: float = 0.0
    signals: tuple = ()

    def as_dict(self):
        """One line of RESULTS.jsonl (issue 11's contract)."""
        return {
            "id": self.listing_id,
            "outcome": str(self.outcome),
            "brand": self.brand_id,
            "score": self.score,
            "signals": [signal.as_dict() for signal in self.signals],
        }
