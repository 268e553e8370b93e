"""Every number screening decides with, in one place: the pipeline's settings read these defaults.

A listing's evidence for one brand adds up to *points*; the score is a logistic of the points,
``1 / (1 + 3 ** (2 - points))``: 2 points score 0.5 (the alert threshold), 4 points 0.9 (the
notice threshold), and each point triples the odds. Thresholds apply to the score rounded to four
decimals, the score that results report.

Precision comes before recall at the notice threshold (DOMAIN.md: a wrongful automated takedown
costs a merchant its sales), so a brand named in a title with a category and a low price reaches
an alert, not a notice: a notice needs the listing to say it is not genuine (replica words), or
an obfuscated brand name or a known counterfeit image next to a low price. A brand's mention
alone, at a normal price, is clear: genuine goods are resold.

The weights were set on the labelled set (tests/screening/labelled.py) and are asserted by its
floors; the rights holders' confirmations and dismissals of alerts tune them later.
"""

from dataclasses import dataclass, fields, replace

# Score from points (see above).
SCORE_HALF_POINTS = 2.0
SCORE_ODDS_PER_POINT = 3.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    # Outcomes, on the score 0-1.
    notice: float = 0.90
    alert: float = 0.50

    # Price far below the brand's reference price, as a ratio after conversion to euros.
    price_ratio_strong: float = 0.30
    price_ratio_moderate: float = 0.50

    # Merchant facts the pipeline supplies.
    merchant_new_store_days: int = 30
    merchant_penalty_points: int = 12
    merchant_branded_share: float = 0.5

    # Points. The brand named: in the title, in text read from an image (OCR), in the description only,
    # or only as what an accessory is "for" ("case for Northwind phone").
    keyword_title: float = 1.0
    keyword_ocr: float = 1.0
    keyword_description: float = 0.5
    keyword_accessory: float = 0.25
    # The brand's name disguised ("N0rthw1nd", Cyrillic letters, "N.o.r.t.h"): someone hides from filters.
    obfuscated: float = 1.5
    # Words that say the goods are not genuine; the strongest term counts, each further term adds a little.
    replica_strong: float = 2.5
    replica: float = 1.5
    replica_weak: float = 1.0
    replica_more: float = 0.5
    replica_more_cap: float = 1.0
    # The listing's category is one of the brand's.
    category: float = 0.5
    price_strong: float = 1.5
    # A moderate discount alone (a sale, used goods) stays clear: 1.9 points with the brand and its category.
    price_moderate: float = 0.4
    merchant_banned_link: float = 1.5
    merchant_penalties: float = 0.5
    merchant_new_store: float = 0.3
    merchant_branded: float = 0.3
    # A seller the brand itself reported shares an identifier with the store's merchant: an accusation by
    # one side, not a ban, so half a banned link's weight, and for that brand's verdict only.
    merchant_reported: float = 0.75
    # Image similarity: a listing image within this many bits (of 64) of the perceptual hash of a brand's
    # reference image or of a known counterfeit image is a copy of it (core/phash.py, core/hash_index.py).
    image_max_distance: int = 10
    # ... and confirmed by the 256-bit hash of the same crop within this many bits (core/phash.py says why).
    image_confirm_max_distance: int = 80
    # A picture of which this share or more is one shade of grey (core/phash.py: ``plain_share``) carries no
    # image signal and is compared with nothing, on either side: any two such pictures hash a few bits apart.
    # Measured: flat, noisy flat, JPEG'd flat and faint gradients 1.0; the demo's cards (one colour, a thin
    # frame, small text) 0.93 to 0.94; of 1,100 synthetic product photos (tests/screening/imaging.py) 99 % under
    # 0.89, 5 over 0.90 (small shapes on a backdrop of about their own grey: what the hash sees is blank); a
    # bold black wordmark across half a white logo 0.899 (kept, just), one half that size 0.97 (left to OCR,
    # which reads it: keyword_ocr). Precision first: a match between two near-blank pictures proves nothing.
    image_plain_share: float = 0.90
    # A copy of the brand's own picture alerts on its own (genuine goods are resold with the maker's photos,
    # counterfeits too); a copy of a known counterfeit's picture counts more.
    image_reference: float = 2.0
    image_counterfeit: float = 3.0

    def overridden(self, **values):
        """A copy with some values replaced (per brand: ``notice`` and ``alert``); unknown names refused."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown threshold {', '.join(unknown)}")
        return replace(self, **values)


DEFAULT_THRESHOLDS = Thresholds()


def score_of(points):
    """The score 0-1 of a number of points, rounded to four decimals."""
    return round(1.0 / (1.0 + SCORE_ODDS_PER_POINT ** (SCORE_HALF_POINTS - points)), 4)
