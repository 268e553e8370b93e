"""Screening's precision, read from what people decided: per brand and per signal kind, over a period.

``screening_report(since=, until=, rights_holder_ids=None)`` reads, in five queries whatever the
number of decisions:

- **Alerts** decided in ``[since, until)``: confirmed by the brand, or closed as already under its
  open notice (right), or dismissed (wrong, with the dismissal reason);
- **Proactive notices' items** (``NoticeItem.screening_reference``: the screening result's public id)
  decided in the period: upheld (right); dismissed (after a counter-notice, on appeal, reversed by
  a quality audit) or rejected (wrong). Withdrawn and invalid items judged nothing and are not
  counted; open ones not yet;
- the screening results behind those items (their scores and signals), the brands' names and thresholds.

A result counts once for each signal kind it carried (a keyword and a price: once under each).
``rights_holder_ids`` limits the report to those brands (a brand's staff see their own); None is
every brand (platform staff). Threshold suggestions (``suggestions.py``) come with each brand's
figures; they are never applied from here.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy

from rights_holders.models import RightsHolder
from screening.models import AlertStatus, BrandScreeningSettings, DismissalReason, ScreeningAlert, ScreeningResult
from screening.report.suggestions import MIN_DECISIONS, Decision, threshold_suggestions
from takedowns.models import Channel, ItemStatus, NoticeItem

DEFAULT_DAYS = 90
MAX_DAYS = 730
KINDS = ("keyword", "ocr", "image", "price", "replica", "category", "merchant")
RIGHT_ITEM_STATUSES = (ItemStatus.UPHELD,)
# The brand said "a copy" either way: it confirmed, or the listing was under its open notice already.
RIGHT_ALERT_STATUSES = (AlertStatus.CONFIRMED, AlertStatus.ALREADY_FILED)
WRONG_ITEM_STATUSES = (ItemStatus.DISMISSED, ItemStatus.REJECTED)
REASON_LABELS = dict(DismissalReason.choices)
KIND_LABELS = {
    "keyword": gettext_lazy("Keyword"),
    "ocr": gettext_lazy("Text in an image"),
    "image": gettext_lazy("Image match"),
    "price": gettext_lazy("Price"),
    "replica": gettext_lazy("Replica words"),
    "category": gettext_lazy("Category"),
    "merchant": gettext_lazy("Merchant facts"),
}


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0

    @property
    def decided(self):
        return self.right + self.wrong

    @property
    def precision(self):
        """right / decided, to three decimals; None when nothing was decided."""
        return round(self.right / self.decided, 3) if self.decided else None

    def add(self, right):
        if right:
            self.right += 1
        else:
            self.wrong += 1

    def as_dict(self):
        return {"right": self.right, "wrong": self.wrong, "decided": self.decided, "precision": self.precision}


@dataclass
class Figures:
    """Alerts (confirmed / dismissed) and proactive notices (upheld / wrong), and the two together."""

    alerts: Tally = field(default_factory=Tally)
    notices: Tally = field(default_factory=Tally)

    @property
    def overall(self):
        return Tally(self.alerts.right + self.notices.right, self.alerts.wrong + self.notices.wrong)

    def as_dict(self):
        return {"alerts": self.alerts.as_dict(), "notices": self.notices.as_dict(), "overall": self.overall.as_dict()}


@dataclass
class BrandReport:
    rights_holder_id: int
    name: str
    notice_threshold: float
    alert_threshold: float
    figures: Figures = field(default_factory=Figures)
    by_kind: dict = field(default_factory=lambda: {kind: Figures() for kind in KINDS})
    dismissal_reasons: dict = field(default_factory=dict)  # reason -> count
    decisions: list = field(default_factory=list)  # [Decision]
    suggestions: list = field(default_factory=list)  # [Suggestion]

    @property
    def kind_rows(self):
        return [(kind, self.by_kind[kind]) for kind in KINDS if self.by_kind[kind].overall.decided]

    @property
    def reason_rows(self):
        return [(REASON_LABELS.get(r, r), n) for r, n in sorted(self.dismissal_reasons.items())]

    @property
    def table_rows(self):
        """[(label, Figures)]: every signal together, then each kind the brand's decisions carried."""
        return [(gettext_lazy("All signals"), self.figures), *[(KIND_LABELS[kind], f) for kind, f in self.kind_rows]]

    @property
    def enough_decisions(self):
        return len(self.decisions) >= MIN_DECISIONS

    def as_dict(self):
        return {
            "rights_holder": self.rights_holder_id,
            "name": self.name,
            "thresholds": {"notice": self.notice_threshold, "alert": self.alert_threshold},
            **self.figures.as_dict(),
            "by_signal": {kind: figures.as_dict() for kind, figures in self.kind_rows},
            "dismissal_reasons": dict(sorted(self.dismissal_reasons.items())),
            "suggestions": [s.as_dict() for s in self.suggestions],
        }


@dataclass
class ScreeningReport:
    since: datetime
    until: datetime
    brands: list  # [BrandReport], by name
    figures: Figures
    by_kind: dict  # kind -> Figures
    dismissal_reasons: dict
    min_decisions: int = MIN_DECISIONS

    @property
    def kind_rows(self):
        return [(kind, self.by_kind[kind]) for kind in KINDS]

    @property
    def labelled_kind_rows(self):
        return [(KIND_LABELS[kind], figures) for kind, figures in self.kind_rows]

    @property
    def total_rows(self):
        return [("All decisions", self.figures)]

    @property
    def reason_rows(self):
        return [(REASON_LABELS.get(r, r), n) for r, n in sorted(self.dismissal_reasons.items())]

    def as_dict(self):
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "min_decisions_for_suggestions": self.min_decisions,
            **self.figures.as_dict(),
            "by_signal": {kind: figures.as_dict() for kind, figures in self.kind_rows},
            "dismissal_reasons": dict(sorted(self.dismissal_reasons.items())),
            "brands": [brand.as_dict() for brand in self.brands],
        }


def _kinds(signals):
    kinds = set()
    for signal in signals or ():
        kind = signal.get("kind") if isinstance(signal, dict) else None
        if kind in KINDS:
            kinds.add(kind)
    return kinds


def _reference(value):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return None


def _decided_alerts(since, until, holder_filter):
    return list(
        ScreeningAlert.objects.filter(
            status__in=(*RIGHT_ALERT_STATUSES, AlertStatus.DISMISSED), decided_at__gte=since, decided_at__lt=until
        )
        .filter(**holder_filter)
        .order_by("pk")
        .values_list("rights_holder_id", "status", "dismissal_reason", "result__score", "result__signals")
    )


def _decided_items(since, until, holder_filter):
    """[(holder id, right, result public id)] of proactive items decided in the period, and their results."""
    items = list(
        NoticeItem.objects.filter(
            notice__channel=Channel.PROACTIVE,
            status__in=(*RIGHT_ITEM_STATUSES, *WRONG_ITEM_STATUSES),
            decided_at__gte=since,
            decided_at__lt=until,
        )
        .exclude(screening_reference="")
        .filter(**{f"notice__{key}": value for key, value in holder_filter.items()})
        .order_by("pk")
        .values_list("notice__rights_holder_id", "status", "screening_reference")
    )
    references = {ref for _, _, raw in items if (ref := _reference(raw)) is not None}
    results = {
        public_id: (score, signals)
        for public_id, score, signals in ScreeningResult.objects.filter(public_id__in=references).values_list(
            "public_id", "score", "signals"
        )
    }
    return [
        (holder_id, status in RIGHT_ITEM_STATUSES, results.get(_reference(raw))) for holder_id, status, raw in items
    ]


def _brands(holder_ids):
    """{holder id: (name, notice, alert)}: names and each brand's effective thresholds (two queries)."""
    own = {s.rights_holder_id: s for s in BrandScreeningSettings.objects.filter(rights_holder_id__in=holder_ids)}
    portal = (settings.SCREENING_NOTICE_THRESHOLD, settings.SCREENING_ALERT_THRESHOLD)
    return {
        pk: (name, *(own[pk].effective_thresholds() if pk in own else portal))
        for pk, name in RightsHolder.objects.filter(pk__in=holder_ids).values_list("pk", "legal_name")
    }


def screening_report(*, since, until, rights_holder_ids=None):
    """The report of decisions made in ``[since, until)`` (see the module's docstring)."""
    holder_filter = {} if rights_holder_ids is None else {"rights_holder_id__in": sorted(rights_holder_ids)}
    alerts = _decided_alerts(since, until, holder_filter)
    items = _decided_items(since, until, holder_filter)
    holder_ids = {row[0] for row in alerts} | {row[0] for row in items}
    brands = {}
    for pk, (name, notice, alert) in _brands(holder_ids).items():
        brands[pk] = BrandReport(pk, name, notice, alert)
    total = Figures()
    by_kind = {kind: Figures() for kind in KINDS}
    reasons = {}

    def count(brand, source, right, score, signals):
        tally_of = (lambda f: f.alerts) if source == "alert" else (lambda f: f.notices)
        tally_of(brand.figures).add(right)
        tally_of(total).add(right)
        for kind in _kinds(signals):
            tally_of(brand.by_kind[kind]).add(right)
            tally_of(by_kind[kind]).add(right)
        if score is not None:
            brand.decisions.append(Decision(float(score), right, source))

    for holder_id, status, reason, score, signals in alerts:
        right = status in RIGHT_ALERT_STATUSES
        brand = brands[holder_id]
        count(brand, "alert", right, score, signals)
        if not right:
            key = reason or DismissalReason.OTHER
            brand.dismissal_reasons[key] = brand.dismissal_reasons.get(key, 0) + 1
            reasons[key] = reasons.get(key, 0) + 1
    for holder_id, right, result in items:
        score, signals = result if result is not None else (None, ())
        count(brands[holder_id], "notice", right, score, signals)
    for brand in brands.values():
        brand.suggestions = threshold_suggestions(
            brand.decisions, notice=brand.notice_threshold, alert=brand.alert_threshold
        )
    ordered = sorted(brands.values(), key=lambda b: (b.name.lower(), b.rights_holder_id))
    return ScreeningReport(since, until, ordered, total, by_kind, reasons)
