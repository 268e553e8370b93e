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

Most listings name no brand and cost a normalisation and one automaton pass. For those that do,
each brand is judged on numbers alone; the evidence (quotes of the listing, the price worked out)
is written for the brand reported only.
"""

from bisect import bisect_right
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, itemgetter

from screening.core.images import NO_FINDINGS, image_screener_for
from screening.core.matcher import Hit, Matcher
from screening.core.money import PER_EURO
from screening.core.normalise import ViewMap, plain, views
from screening.core.results import Outcome, ScreeningResult, Signal, SignalKind
from screening.core.snapshot import category_key
from screening.core.terms import (
    ACCESSORY_AFTER,
    ACCESSORY_BEFORE,
    CONTEXT_CHARACTERS,
    NEGATION_JOINS,
    NEGATIONS,
    ReplicaTerm,
    ends_with_any,
    starts_with_any,
)
from screening.core.thresholds import DEFAULT_THRESHOLDS, score_of

FIELDS = ("title", "description", "ocr")
FIELD_NAMES = {"title": "title", "description": "description", "ocr": "image text"}
QUOTE_CHARACTERS = 80
KEYWORD_SIGNALS_SHOWN = 5
EUROS_PER = {currency: 1.0 / float(rate) for currency, rate in PER_EURO.items()}
_ID, _CATEGORY, _IMAGES = attrgetter("id"), attrgetter("category"), attrgetter("images")
_TEXTS = attrgetter("title", "description")
_BANNED = itemgetter(1)


@dataclass(slots=True)
class _Verdict:
    """One brand's judgement, in numbers; ``signals`` writes its evidence."""

    brand_index: int
    score: float
    outcome: Outcome
    direct: bool  # named in the title, an image's text or an image
    keywords: object  # _KeywordFindings
    in_category: bool
    price_ratio: float | None  # when the price signal applies and fires
    price_points: float
    images: list  # ImageMatch
    authorised: bool
    reported: str | None = None  # evidence of a seller this brand reported (merchant facts)


@dataclass(slots=True)
class _KeywordFindings:
    """One brand's keyword hits, judged: the brand is named once however often it appears."""

    points: float  # the best hit's (title, image text, description, accessory), plus a disguise's
    direct: bool  # named in the title or an image's text, not as an accessory
    accessory_only: bool
    disguised: bool
    shown: list  # (hit, accessory, the plain spelling the text writes or "" if disguised) of the hits quoted


class _Texts:
    """A listing's fields, their views, and what evidence quotes of them (made on first use)."""

    __slots__ = ("texts", "views", "_maps", "_plain", "_lowered")

    def __init__(self, texts, views):
        self.texts = texts
        self.views = views
        self._maps = {}
        self._plain = {}
        self._lowered = {}

    def lowered(self, field):
        """The field in lower case, or "" when lower case would move positions (a rare few characters)."""
        lowered = self._lowered.get(field)
        if lowered is None:
            text = self.texts[field]
            lowered = text.lower()
            self._lowered[field] = lowered = lowered if len(lowered) == len(text) else ""
        return lowered

    def spelling(self, field, forms):
        """The first of ``forms`` (normalise.plain forms) the field spells as it is (beyond case, accents and
        spacing, nothing disguised), or "" when it spells none."""
        lowered = self.lowered(field)
        for form in forms:
            # Lower case first: cheaper than plain, and enough for a word in most texts (a form of several
            # words, or a text with accents or odd spacing, goes on to plain).
            if form in lowered:
                return form
        if field not in self._plain:
            self._plain[field] = plain(self.texts[field])
        return next((form for form in forms if form in self._plain[field]), "")

    def quote(self, field, start, end, written=""):
        """What the field says where its view says view[start:end].

        ``written``: how the match is spelled when not disguised (normalise.plain); it is looked for
        first, in the text in lower case, and what it quotes is then exact. Otherwise (disguised, or
        spelled with other accents or spacing) the view is mapped back.
        """
        text = self.texts[field]
        if written:
            at = self.lowered(field).find(written)
            if at >= 0:
                return text[at : at + len(written)]
        if field not in self._maps:
            self._maps[field] = ViewMap(text)
        first, last = self._maps[field].original_span(start, end)
        quoted = " ".join(text[first:last].split())
        return quoted if len(quoted) <= QUOTE_CHARACTERS else quoted[: QUOTE_CHARACTERS - 1] + "…"


class Screener:
    def __init__(self, snapshot, thresholds=DEFAULT_THRESHOLDS, images=None):
        self.snapshot = snapshot
        self.thresholds = thresholds
        self.matcher = Matcher(snapshot.brands)
        self.images = images if images is not None else image_screener_for(snapshot, thresholds)
        self._brand_thresholds = [brand.thresholds_from(thresholds) for brand in snapshot.brands]
        self._reference_euros = [
            None if brand.reference_price is None else float(brand.reference_price) * EUROS_PER[brand.currency]
            for brand in snapshot.brands
        ]
        self._brand_index = {brand.id: index for index, brand in enumerate(snapshot.brands)}
        self._category_keys = {}

    @property
    def version(self):
        return self.snapshot.version

    def screen(self, listing):
        """The result of one listing (``screen_many`` of one)."""
        return self.screen_many((listing,))[0]

    def screen_many(self, listings):
        """The results of many listings, in their order: one normalisation and one automaton pass for all.

        The same rules as for one: each listing's fields are normalised and matched exactly as alone
        (``normalise.views``), then each listing that names a brand is judged on its own.
        """
        listings = list(listings)
        keys = self._category_keys
        known = list(map(keys.get, map(_CATEGORY, listings)))  # (category key, banned) of each
        if None in known:
            known = [
                pair or self._category_key(listing.category) for pair, listing in zip(known, listings, strict=True)
            ]
        # Every listing clear to begin with: the banned, and those that name a brand, are then judged.
        results = list(map(ScreeningResult, map(_ID, listings), repeat(Outcome.CLEAR)))
        if any(map(_BANNED, known)) or any(map(_IMAGES, listings)):
            pending, findings, texts, ocr = self._prepare(listings, known, results)
        else:  # most batches: every listing's title and description, nothing else
            pending, findings, ocr = range(len(listings)), None, []
            texts = list(chain.from_iterable(map(_TEXTS, listings)))
        listed = len(texts)
        texts += (findings[position].ocr_text for position in ocr)
        joined, starts = views(texts)
        found = {}  # position in pending -> [(field, index of the key's last character in its view, value)]
        named = set()  # positions in pending of the listings whose keys name a brand
        for last, value in self.matcher.scan(joined):
            text_index = bisect_right(starts, last) - 1
            position, field = divmod(text_index, 2) if text_index < listed else (ocr[text_index - listed], 2)
            found.setdefault(position, []).append((field, last - starts[text_index], value))
            if value[2]:
                named.add(position)
        if findings is not None:
            named.update(position for position, image_findings in enumerate(findings) if image_findings.matches)
        ocr_text_index = {position: listed + n for n, position in enumerate(ocr)} if ocr else {}
        for position in sorted(named):
            views_of = {}
            for field, name in enumerate(FIELDS):
                text_index = 2 * position + field if field < 2 else ocr_text_index.get(position)
                piece = " " if text_index is None else joined[starts[text_index] : starts[text_index + 1] - 1]
                views_of[name] = piece if piece != " " else "  "
            index = pending[position]
            image_findings = NO_FINDINGS if findings is None else findings[position]
            scanned = found.get(position, ())
            results[index] = self._judge(listings[index], known[index][0], image_findings, scanned, views_of)
        return results

    def _prepare(self, listings, known, results):
        """(pending, findings, texts, ocr) of a batch with a banned category or images: the indexes of the
        listings not blocked (the blocked given their result), their image findings, their titles and
        descriptions, and the positions in pending of those with text read from their images."""
        pending, findings, texts, ocr = [], [], [], []
        for index, listing in enumerate(listings):
            if known[index][1]:
                evidence = f'category "{listing.category}" is banned'
                signal = Signal(SignalKind.CATEGORY, evidence, 0.0, {"category": listing.category, "banned": True})
                results[index] = ScreeningResult(listing.id, Outcome.BLOCKED, None, 1.0, (signal,))
                continue
            image_findings = self.images.findings(listing) if listing.images else NO_FINDINGS
            if image_findings.ocr_text:
                ocr.append(len(pending))
            pending.append(index)
            findings.append(image_findings)
            texts += (listing.title, listing.description)
        return pending, findings, texts, ocr

    def _category_key(self, category):
        """(category_key, banned) of a listing's category. Listings share few categories: each is worked out
        once (a bounded memo)."""
        known = self._category_keys.get(category)
        if known is None:
            key = category_key(category) if category else ""
            known = (key, bool(key) and self.snapshot.is_banned(key))
            if len(self._category_keys) < 100_000:
                self._category_keys[category] = known
        return known

    def _judge(self, listing, category, findings, scanned, views_of):
        """Judges a listing that names a brand (or whose images match one), from what the pass found:
        ``scanned``, [(field, index of a key's last character in the field's view, the key's value)]."""
        texts = _Texts({"title": listing.title, "description": listing.description, "ocr": findings.ocr_text}, views_of)
        by_brand = {}
        replica_hits = []
        for field, last, (length, values, _) in scanned:
            name = FIELDS[field]
            for value in values:
                hit = Hit(name, last - length + 2, last, value)
                if value.__class__ is ReplicaTerm:
                    replica_hits.append(hit)
                else:
                    by_brand.setdefault(value.brand_index, []).append(hit)
        images_by_brand = {}
        for match in findings.matches:
            if match.brand_id in self._brand_index:
                images_by_brand.setdefault(self._brand_index[match.brand_id], []).append(match)
        if not by_brand and not images_by_brand:
            return ScreeningResult(listing.id, Outcome.CLEAR)
        replica = self._replica_terms(texts, replica_hits) if replica_hits else ()
        merchant_signals = self._merchant_signals(listing.merchant) if listing.merchant is not None else ()
        circumstances = (
            sum(self._replica_points(replica)) if replica else 0.0,
            sum(signal.points for signal in merchant_signals),
        )
        best = None
        for brand_index in sorted(by_brand.keys() | images_by_brand.keys()) if images_by_brand else sorted(by_brand):
            verdict = self._brand_verdict(
                listing,
                category,
                brand_index,
                texts,
                by_brand.get(brand_index, ()),
                images_by_brand.get(brand_index, ()),
                replica,
                circumstances,
            )
            if verdict is not None and (
                best is None or (verdict.score, verdict.direct) > (best.score, best.direct)  # ties: the first brand
            ):
                best = verdict
        if best is None:
            return ScreeningResult(listing.id, Outcome.CLEAR)
        signals = self._signals(listing, texts, best, replica, merchant_signals)
        return ScreeningResult(listing.id, best.outcome, self.snapshot.brands[best.brand_index].id, best.score, signals)

    def _brand_verdict(self, listing, category, brand_index, texts, hits, images, replica, circumstances):
        brand = self.snapshot.brands[brand_index]
        t = self._brand_thresholds[brand_index]
        replica_points, merchant_points = circumstances
        reported = _reported_evidence(listing.merchant, brand.id)
        if reported is not None:
            merchant_points += t.merchant_reported
        in_category = bool(category) and brand.in_categories(category)
        ordinary_only = bool(hits) and not images and all(hit.entry.ordinary_word for hit in hits)
        # Outside its categories and alone, an ordinary word counts only disguised ("H4rbor"): tested first.
        if (
            ordinary_only
            and not in_category
            and not replica
            and not merchant_points
            and all(texts.spelling(hit.field, hit.entry.plain_forms) for hit in hits)
        ):
            return None
        keywords = self._keyword_findings(texts, hits, t)
        direct = keywords.direct or (bool(images) and any(match.identifies for match in images))
        if listing.store is not None and listing.store in brand.authorised_stores:
            return _Verdict(brand_index, 0.0, Outcome.CLEAR, direct, keywords, in_category, None, 0.0, images, True)
        points = keywords.points + replica_points + merchant_points
        if images:
            points += sum(match.signal.points for match in images)
        if in_category:
            points += t.category
        price_ratio, price_points = None, 0.0
        if not keywords.accessory_only and (in_category or not brand.categories or not category):
            price_ratio = self._price_ratio(listing, brand_index)
            if price_ratio is not None and price_ratio <= t.price_ratio_moderate:
                price_points = t.price_strong if price_ratio <= t.price_ratio_strong else t.price_moderate
                points += price_points
            else:
                price_ratio = None
        score = score_of(points)
        # Merchant facts and the category are circumstances: a notice also needs the listing itself to
        # show a copy (its words, its price, a disguised name, an image).
        shows_a_copy = keywords.disguised or bool(replica) or price_ratio is not None or bool(images)
        if score >= t.notice and (
            brand.proactive_notices and direct and shows_a_copy and not (ordinary_only and not in_category)
        ):
            outcome = Outcome.NOTICE
        elif score >= t.alert:
            outcome = Outcome.ALERT
        else:
            outcome = Outcome.CLEAR
        return _Verdict(
            brand_index,
            score,
            outcome,
            direct,
            keywords,
            in_category,
            price_ratio,
            price_points,
            images,
            False,
            reported,
        )

    def _keyword_findings(self, texts, hits, t):
        points = 0.0
        direct = False
        accessory_only = bool(hits)
        disguised_any = False
        shown = {}
        for hit in hits:
            text_view = texts.views[hit.field]
            start, end = hit.start, hit.end
            accessory = text_view.endswith(ACCESSORY_BEFORE, max(0, start - CONTEXT_CHARACTERS), start) or (
                text_view.startswith(ACCESSORY_AFTER, end, end + CONTEXT_CHARACTERS)
            )
            # Disguised: the view found the keyword, but the text nowhere spells it as the brand does (its
            # plain spellings, beyond case, accents and spacing): digits for letters, look-alikes, spelled
            # out, full-width...
            written = texts.spelling(hit.field, hit.entry.plain_forms)
            disguised = not written
            if accessory:
                hit_points = t.keyword_accessory
            else:
                accessory_only = False
                if hit.field == "description":
                    hit_points = t.keyword_description
                else:
                    hit_points = t.keyword_title if hit.field == "title" else t.keyword_ocr
                    direct = True
                disguised_any = disguised_any or disguised
            points = max(points, hit_points)
            key = (hit.field, hit.entry.keyword.text)
            if key not in shown and len(shown) < KEYWORD_SIGNALS_SHOWN:
                shown[key] = (hit, accessory, written)
        if disguised_any:
            points += t.obfuscated
        return _KeywordFindings(points, direct, accessory_only, disguised_any, list(shown.values()))

    def _price_ratio(self, listing, brand_index):
        reference = self._reference_euros[brand_index]
        if reference is None or listing.price is None:
            return None
        # Rounded as the score is: a price at exactly a threshold's ratio is not pushed past it by floats.
        return round(float(listing.price) * EUROS_PER[listing.currency] / reference, 4)

    def _replica_terms(self, texts, hits):
        """[(term, hit)] of the replica terms the listing uses, once each; not the denied ones ("not a
        replica", "no fakes or replicas") nor materials ("fake fur")."""
        found = {}
        denied_until = {}  # field -> where the last denied term ends
        for hit in sorted(hits, key=lambda hit: (hit.field, hit.start)):
            term, text_view = hit.entry, texts.views[hit.field]
            denied_end = denied_until.get(hit.field)
            joined = denied_end is not None and text_view[denied_end : hit.start] in NEGATION_JOINS
            if joined or ends_with_any(text_view, hit.start, NEGATIONS):
                denied_until[hit.field] = hit.end
                continue
            if term.not_before and starts_with_any(text_view, hit.end, term.not_before):
                continue
            found.setdefault(term.text, (term, hit))
        strength = {"strong": 0, "replica": 1, "weak": 2}
        return sorted(found.values(), key=lambda pair: strength[pair[0].strength])

    def _replica_points(self, replica):
        """Each term's points: the strongest term's own, a little for each further one, up to a cap."""
        t = self.thresholds
        points = [{"strong": t.replica_strong, "replica": t.replica, "weak": t.replica_weak}[replica[0][0].strength]]
        extra = 0.0
        for _ in replica[1:]:
            more = min(t.replica_more, t.replica_more_cap - extra)
            extra += more
            points.append(more)
        return points

    def _merchant_signals(self, merchant):
        t = self.thresholds
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

    # --- evidence, for the brand reported ---------------------------------------------------------

    def _signals(self, listing, texts, verdict, replica, merchant_signals):
        """Every signal of the verdict, with its evidence; their points add up to the verdict's."""
        brand = self.snapshot.brands[verdict.brand_index]
        t = self._brand_thresholds[verdict.brand_index]
        signals = self._keyword_signals(texts, verdict.keywords)
        if verdict.authorised:
            evidence = f"{_store_words(listing)} is on the brand's list of authorised stores"
            authorised = Signal(SignalKind.MERCHANT, evidence, 0.0, {"store": listing.store, "authorised": True})
            return (*(Signal(s.kind, s.evidence, 0.0, s.details) for s in signals), authorised)
        for (term, hit), points in zip(replica, self._replica_points(replica) if replica else (), strict=True):
            quote = texts.quote(hit.field, hit.start, hit.end, term.written)
            details = {"term": term.text, "field": hit.field, "quote": quote}
            signals.append(Signal(SignalKind.REPLICA, f'{FIELD_NAMES[hit.field]}: "{quote}"', points, details))
        if verdict.images:
            signals.extend(match.signal for match in verdict.images)
        if verdict.in_category:
            evidence = f'category "{listing.category}" is one of the brand\'s'
            signals.append(Signal(SignalKind.CATEGORY, evidence, t.category, {"category": listing.category}))
        if verdict.price_ratio is not None:
            shown = f"{listing.price:.2f} {listing.currency}"
            if listing.currency != "EUR":
                shown += f" ({float(listing.price) * EUROS_PER[listing.currency]:.2f} EUR)"
            evidence = (
                f"{shown} is {verdict.price_ratio:.0%} of the reference price {brand.reference_price} {brand.currency}"
            )
            details = {
                "price": str(listing.price),
                "currency": listing.currency,
                "ratio": verdict.price_ratio,
                "reference_price": str(brand.reference_price),
                "reference_currency": brand.currency,
            }
            signals.append(Signal(SignalKind.PRICE, evidence, verdict.price_points, details))
        signals.extend(merchant_signals)
        if verdict.reported is not None:
            signals.append(Signal(SignalKind.MERCHANT, verdict.reported, t.merchant_reported, {"reported": True}))
        return tuple(signals)

    def _keyword_signals(self, texts, keywords):
        """The evidence of a brand's keyword hits; their points go on the first."""
        signals = []
        for hit, accessory, written in keywords.shown:
            keyword = hit.entry.keyword
            quote = texts.quote(hit.field, hit.start, hit.end, written)
            disguised = not written
            notes = [f'keyword "{keyword.text}"']
            if disguised:
                notes.append("disguised")
            if accessory:
                notes.append("what an accessory is for")
            if hit.entry.ordinary_word:
                notes.append("an ordinary word")
            kind = SignalKind.OCR if hit.field == "ocr" else SignalKind.KEYWORD
            points = keywords.points if not signals else 0.0
            details = {
                "keyword": keyword.text,
                "field": hit.field,
                "quote": quote,
                "disguised": disguised,
                "accessory": accessory,
                "ordinary_word": hit.entry.ordinary_word,
            }
            signals.append(Signal(kind, f'{FIELD_NAMES[hit.field]}: "{quote}" ({", ".join(notes)})', points, details))
        return signals


def _reported_evidence(merchant, brand_id):
    """The evidence of a seller ``brand_id`` reported that the listing's merchant shares an identifier with, or None."""
    if merchant is None or not merchant.reported_by:
        return None
    key = str(brand_id)
    for reported_brand, evidence in merchant.reported_by:
        if str(reported_brand) == key:
            return evidence or "the store's merchant shares an identifier with a seller the brand reported"
    return None


def _store_words(listing):
    """The listing's store as evidence names it: its name and id when the pipeline knows the name."""
    name = listing.merchant.store_name if listing.merchant is not None else ""
    return f'store "{name}" ({listing.store})' if name else f'store "{listing.store}"'
