"""Misuse measures (EU DSA article 23): a warning, then a filing suspension, for manifestly unfounded notices.

Who answers for a notice: the organisation that filed it (``Notice.filer_organisation``):
the brand itself, its agent (a law firm) or a vetting partner. The filer signed the
declarations of good faith and accuracy, so a brand whose law firm misuses the system is
not struck itself; the firm is. ``takedowns.notices.notice_submit`` refuses a suspended
filer organisation, and also anyone filing for a suspended brand's organisation, so a
brand suspended for its own notices cannot file through an agent meanwhile. Proactive
notices have no filer organisation and never count.

The rules (settings ``MISUSE_*``):

- a *strike* is an item a reviewer rejected as manifestly unfounded that is still
  rejected (a rejection reopened on appeal no longer counts), decided within the
  window, and after the organisation's last measure lifted on appeal: lifting clears
  the slate, otherwise the very strikes behind the lifted measure would bring it back
  with the next rejection;
- at ``MISUSE_WARNING_THRESHOLD`` strikes: a warning, unless one issued within the window
  still stands;
- at ``MISUSE_SUSPENSION_THRESHOLD`` strikes, once warned: a filing suspension of
  ``MISUSE_SUSPENSION_DAYS``. Article 23(2) asks for a prior warning, so a count that
  jumps past both thresholds at once gets the warning first and the suspension at the
  next strike. No suspension while one is in force, and none without a strike newer than
  the last warning and the last suspension: evaluating again never escalates on the same
  strikes.

Each measure carries a statement of reasons (facts, ground, duration, redress), an audit
entry, and an in-app notification to every member of the organisation, e-mailed after
commit. Measures move only through the services here.

The package: ``selectors`` (reads), ``evaluation`` (``misuse_evaluate``, registered as the
takedowns policy run after a manifestly unfounded rejection), ``appeals``, ``statements``
(the statement of reasons) and ``notifications``. Its services are importable from
``good_faith.misuse``.
"""

from good_faith.misuse.appeals import misuse_appeal_decide, misuse_measure_appeal
from good_faith.misuse.evaluation import misuse_evaluate
from good_faith.misuse.selectors import (
    measure_in_force,
    misuse_appeals_open,
    misuse_measures_of,
    misuse_measures_recent,
    misuse_strikes,
)
from good_faith.misuse.statements import misuse_redress_text

__all__ = [
    "measure_in_force",
    "misuse_appeal_decide",
    "misuse_appeals_open",
    "misuse_evaluate",
    "misuse_measure_appeal",
    "misuse_measures_of",
    "misuse_measures_recent",
    "misuse_strikes",
    "misuse_redress_text",
]
