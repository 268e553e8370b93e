"""The screening core: plain Python, no database, no Django (an import-linter contract holds it so).

Built from a snapshot of the registered IP (``Snapshot.from_dict``), a ``Screener`` screens
listings (``ListingInput``) into results (``ScreeningResult``): normalised text matched against
every keyword in one pass, replica words, price, category and merchant signals, image findings
through a hook, a score and an outcome with the thresholds of ``thresholds``. The pipeline
(models, tasks, alerts, notices) and ``manage.py screen_file`` both run it.
"""

from screening.core.listing import ListingError, ListingInput, MerchantFacts
from screening.core.results import Outcome, ScreeningResult, Signal, SignalKind
from screening.core.screener import Screener
from screening.core.snapshot import Snapshot, SnapshotError
from screening.core.thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "ListingError",
    "ListingInput",
    "MerchantFacts",
    "Outcome",
    "Screener",
    "ScreeningResult",
    "Signal",
    "SignalKind",
    "Snapshot",
    "SnapshotError",
    "Thresholds",
]
