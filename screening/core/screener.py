"""Screening one listing: the signals for each brand it names, a score, an outcome.

A ``Screener`` is compiled once from a snapshot (``version`` says which) and then screens any
number of listings; it holds no state between them, so a worker keeps one per snapshot version.

For each brand the listing names (by keyword, by text read from an image, or by an image match):

- a store on the brand's authorised list is never alerted on, nor given a notice: clear;
- a brand named only by an ordinary word ("Harbor") counts only inside its categories, or with
  another signal (replica words, an obfuscated spelling, merchant facts, an image);
- a brand named only as what an accessory is for ("case for Northwind phone") earns few points
  and no price signal (an accessory's price says nothing against the brand's), and no notice;
- points add up (``thresholds``), the score follows from them, and the outcome from the score:
  a notice also needs the brand named directly (title, image text, or image), not only as an
  ordinary word outside its categories; the listing itself showing a copy (replica words, a low
  price, a disguised name, an image), not only circumstances (category, merchant facts); and the
  brand's opt-in to platform-initiated notices.

The listing's outcome is that of the brand with the highest score. A banned category is
``blocked`` before anything else.
"""

from collections import defaultdict
from dataclasses import dataclass

from screening.core.images import NO_FINDINGS, image_screener_for
from screening.core.matcher import Matcher
from screening.core.money import in_euros
from screening.core.normalise import original_span, plain, view, view_with_origin
from screening.core.results import Outcome, ScreeningResult, Signal, SignalKind
from screening.core.snapshot import category_key
from screening.core.terms import (
    ACCESSORY_AFTER,
    ACCESSORY_BEFORE,
    NEGATION_JOINS,
    NEGATIONS,
    ends_with_any,
    starts_with_any,
)
from screening.core.thresholds import DEFAULT_THRESHOLDS, score_of

FIELD_NAMES = {"title": "title", "description": "description", "ocr": "image text"}
QUOTE_CHARACTERS = 80
KEYWORD_SIGNALS_SHOWN = 5
COPY_SIGNALS = frozenset({SignalKind.REPLICA, SignalKind.PRICE, SignalKind.IMAGE})


@dataclass(frozen=True, slots=True)
class _Verdict:
    brand_index: int
    score: float
    outcome: Outcome
    direct: bool
    signals: tuple


class _Texts:
    """A listing's fields, their views, and (made on first use) the way back to the original text."""

    def __init__(self, texts, views):
        self.texts = texts
        self.views = views
        self._origins = {}

    def quote(self, field, start, end):
        if field not in self._origins:
            self._origins[field] = view_with_origin(self.texts[field])[1]
        first, last = original_span(self._origins[field], start, end)
        quoted = " ".join(self.texts[field][first:last].split())
        return quoted if len(quoted) <= QUOTE_CHARACTERS else quoted[: QUOTE_CHARACTERS - 1] + "…"


class Screener:
    def __init__(self, snapshot, thresholds=DEFAULT_THRESHOLDS, images=None):
        self.snapshot = snapshot
        self.thresholds = thresholds
        self.matcher = Matcher(snapshot.brands)
        self.images = images if images is not None else image_screener_for(snapshot, thresholds)
        self._brand_thresholds = [brand.thresholds_from(thresholds) for brand in snapshot.brands]
        self._reference_euros = [
            None if brand.reference_price is None else in_euros(brand.reference_price, brand.currency)
            for brand in snapshot.brands
        ]
        self._brand_index = {brand.id: index for index, brand in enumerate(snapshot.brands)}

    @property
    def version(self):
        return self.snapshot.version

    def screen(self, listing):
        category = category_key(listing.category) if listing.category else ""
        if category and self.snapshot.is_banned(category):
            evidence = f'category "{listing.category}" is banned'
            return ScreeningResult(listing.id, Outcome.BLOCKED, None, 1.0, (Signal(SignalKind.CATEGORY, evidence),))
        title_view = view(listing.title)
        description_view = view(listing.description) if listing.description else "  "
        hits = []
        self.matcher.find("title", title_view, hits)
        self.matcher.find("description", description_view, hits)
        findings = self.images.findings(listing) if listing.images else NO_FINDINGS
        views = {"title": title_view, "description": description_view}
        texts = {"title": listing.title, "description": listing.description}
        if findings.ocr_text:
            views["ocr"] = view(findings.ocr_text)
            texts["ocr"] = findings.ocr_text
            self.matcher.find("ocr", views["ocr"], hits)
        if not findings.matches and not any(not hit.is_replica for hit in hits):
            return ScreeningResult(listing.id, Outcome.CLEAR)
        return self._judge(listing, category, _Texts(texts, views), hits, findings)

    def _judge(self, listing, category, texts, hits, findings):
        replica_signals = self._replica_signals(texts, hits)
        merchant_signals = self._merchant_signals(listing.merchant)
        by_brand = defaultdict(list)
        for hit in hits:
            if not hit.is_replica:
                by_brand[hit.entry.brand_index].append(hit)
        images_by_brand = defaultdict(list)
        for match in findings.matches:
            if match.brand_id in self._brand_index:
                images_by_brand[self._brand_index[match.brand_id]].append(match)
        verdicts = []
        for brand_index in sorted(set(by_brand) | set(images_by_brand)):
            verdict = self._brand_verdict(
                listing,
                category,
                brand_index,
                texts,
                by_brand.get(brand_index, []),
                images_by_brand.get(brand_index, []),
                replica_signals,
                merchant_signals,
            )
            if verdict is not None:
                verdicts.append(verdict)
        if not verdicts:
            return ScreeningResult(listing.id, Outcome.CLEAR)
        best = max(verdicts, key=lambda v: (v.score, v.direct, -v.brand_index))
        brand = self.snapshot.brands[best.brand_index]
        return ScreeningResult(listing.id, best.outcome, brand.id, best.score, best.signals)

    def _replica_signals(self, texts, hits):
        """The replica terms the listing uses (not denied: "not a replica"; not a material: "fake fur")."""
        t = self.thresholds
        found = {}
        denied_until = {}  # field -> where the last denied term ends
        for hit in sorted((hit for hit in hits if hit.is_replica), key=lambda hit: (hit.field, hit.start)):
            term, text_view = hit.entry, texts.views[hit.field]
            denied_end = denied_until.get(hit.field)
            joined = denied_end is not None and text_view[denied_end : hit.start] in NEGATION_JOINS
            if joined or ends_with_any(text_view, hit.start, NEGATIONS):
                denied_until[hit.field] = hit.end
                continue
            if term.not_before and starts_with_any(text_view, hit.end, term.not_before):
                continue
            if term.text not in found:
                quote = texts.quote(hit.field, hit.start, hit.end)
                found[term.text] = (term, f'{FIELD_NAMES[hit.field]}: "{quote}"')
        points_of = {"strong": t.replica_strong, "replica": t.replica, "weak": t.replica_weak}
        ordered = sorted(found.values(), key=lambda pair: -points_of[pair[0].strength])
        signals = []
        extra = 0.0
        for index, (term, evidence) in enumerate(ordered):
            if index == 0:
                points = points_of[term.strength]
            else:
                points = min(t.replica_more, t.replica_more_cap - extra)
                extra += points
            signals.append(Signal(SignalKind.REPLICA, evidence, points))
        return signals

    def _merchant_signals(self, merchant):
        t = self.thresholds
        if merchant is None:
            return []
        signals = []
        if merchant.linked_to_banned:
            evidence = merchant.linked_to_banned_evidence or "the store is linked to a banned merchant"
            signals.append(Signal(SignalKind.MERCHANT, evidence, t.merchant_banned_link))
        if merchant.past_penalty_points is not None and merchant.past_penalty_points >= t.merchant_penalty_points:
            evidence = f"the store has {merchant.past_penalty_points} penalty points"
            signals.append(Signal(SignalKind.MERCHANT, evidence, t.merchant_penalties))
        if merchant.store_age_days is not None and merchant.store_age_days < t.merchant_new_store_days:
            evidence = f"the store opened {merchant.store_age_days} days ago"
            signals.append(Signal(SignalKind.MERCHANT, evidence, t.merchant_new_store))
        if merchant.branded_share is not None and merchant.branded_share >= t.merchant_branded_share:
            evidence = f"{merchant.branded_share:.0%} of the store's listings name a brand"
            signals.append(Signal(SignalKind.MERCHANT, evidence, t.merchant_branded))
        return signals

    def _brand_verdict(self, listing, category, brand_index, texts, hits, images, replica_signals, merchant_signals):
        brand = self.snapshot.brands[brand_index]
        t = self._brand_thresholds[brand_index]
        keyword_signals, direct, accessory_only, obfuscated = self._keyword_signals(texts, hits, t)
        image_signals = [match.signal for match in images]
        direct = direct or any(match.identifies for match in images)
        if listing.store is not None and listing.store in brand.authorised_stores:
            evidence = f'store "{listing.store}" is on the brand\'s list of authorised stores'
            signals = (*keyword_signals, Signal(SignalKind.MERCHANT, evidence))
            return _Verdict(brand_index, 0.0, Outcome.CLEAR, direct, signals)
        in_category = brand.in_categories(category)
        ordinary_only = bool(hits) and all(hit.entry.keyword.ordinary_word for hit in hits) and not images
        if ordinary_only and not in_category and not (replica_signals or obfuscated or merchant_signals):
            return None
        signals = list(keyword_signals)
        signals.extend(replica_signals)
        signals.extend(image_signals)
        if in_category:
            evidence = f'category "{listing.category}" is one of the brand\'s'
            signals.append(Signal(SignalKind.CATEGORY, evidence, t.category))
        price_applies = not accessory_only and (in_category or not brand.categories or not category)
        if price_applies:
            price_signal = self._price_signal(listing, brand_index, t)
            if price_signal is not None:
                signals.append(price_signal)
        signals.extend(merchant_signals)
        score = score_of(sum(signal.points for signal in signals))
        # Merchant facts and the category are circumstances: a notice also needs the listing itself to
        # show a copy (its words, its price, a disguised name, an image).
        shows_a_copy = obfuscated or any(signal.kind in COPY_SIGNALS for signal in signals)
        notice_allowed = brand.proactive_notices and direct and shows_a_copy and not (ordinary_only and not in_category)
        if score >= t.notice and notice_allowed:
            outcome = Outcome.NOTICE
        elif score >= t.alert:
            outcome = Outcome.ALERT
        else:
            outcome = Outcome.CLEAR
        return _Verdict(brand_index, score, outcome, direct, tuple(signals))

    def _keyword_signals(self, texts, hits, t):
        """(signals, named directly, only as an accessory, disguised) of one brand's keyword hits.

        The brand is named once however often it appears: the best hit's points (title, image text,
        description, accessory), and those of a disguised spelling, go on the first signal.
        """
        points = 0.0
        direct = False
        accessory_only = bool(hits)
        obfuscated = False
        signals = []
        shown = set()
        for hit in hits:
            text_view = texts.views[hit.field]
            accessory = ends_with_any(text_view, hit.start, ACCESSORY_BEFORE) or starts_with_any(
                text_view, hit.end, ACCESSORY_AFTER
            )
            quote = texts.quote(hit.field, hit.start, hit.end)
            keyword = hit.entry.keyword
            disguised = plain(quote) not in (plain(keyword.text), plain(keyword.text).replace(" ", ""))
            if accessory:
                hit_points = t.keyword_accessory
            else:
                accessory_only = False
                hit_points = {"title": t.keyword_title, "ocr": t.keyword_ocr}.get(hit.field, t.keyword_description)
                direct = direct or hit.field in ("title", "ocr")
                obfuscated = obfuscated or disguised
            points = max(points, hit_points)
            if (hit.field, quote, keyword.text) in shown or len(shown) >= KEYWORD_SIGNALS_SHOWN:
                continue
            shown.add((hit.field, quote, keyword.text))
            notes = [f'keyword "{keyword.text}"']
            if disguised:
                notes.append("disguised")
            if accessory:
                notes.append("what an accessory is for")
            if keyword.ordinary_word:
                notes.append("an ordinary word")
            kind = SignalKind.OCR if hit.field == "ocr" else SignalKind.KEYWORD
            signals.append(Signal(kind, f'{FIELD_NAMES[hit.field]}: "{quote}" ({", ".join(notes)})'))
        if signals:
            points += t.obfuscated if obfuscated else 0.0
            signals[0] = Signal(signals[0].kind, signals[0].evidence, points)
        return signals, direct, accessory_only, obfuscated

    def _price_signal(self, listing, brand_index, t):
        reference = self._reference_euros[brand_index]
        if reference is None or listing.price is None:
            return None
        price = in_euros(listing.price, listing.currency)
        ratio = float(price / reference)
        if ratio > t.price_ratio_moderate:
            return None
        brand = self.snapshot.brands[brand_index]
        shown = f"{listing.price:.2f} {listing.currency}"
        if listing.currency != "EUR":
            shown += f" ({price:.2f} EUR)"
        evidence = f"{shown} is {ratio:.0%} of the reference price {brand.reference_price} {brand.currency}"
        points = t.price_strong if ratio <= t.price_ratio_strong else t.price_moderate
        return Signal(SignalKind.PRICE, evidence, points)
