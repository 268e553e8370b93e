"""The Good Faith part of the demo world: a member, a brand close to the bar, a suspended misuser, a vetted small brand.

Made the way ``demo.lifecycle`` makes the lifecycle demo: ``notice_submit``,
the lifecycle verbs and the deadline sweep, each with ``now=`` an instant in
the last five months, in time order; then the nightly evaluation
(``memberships_evaluate``) at a past instant. No item status, membership or
misuse measure is written by hand:

- **Lumen Optics** (filed by its law firm, login ``demo-agent``) has months of
  counterfeit notices upheld, is enrolled by the nightly run, and its newest
  notice takes the fast track (listings down at once, one drawn for a quality
  audit);
- **Kestrel Audio** (``demo-near-member``) is close to the bar: too few
  decided items and one rejection, so its Good Faith page lists shortfalls;
- **Everyday Essentials** (``demo-misuser``) filed notices against listings
  that merely use the word "everyday": rejected as manifestly unfounded, a
  warning at the third, a filing suspension at the fifth (``misuse_evaluate``,
  called by the rejection itself);
- **Kiln & Clay Studio**, a small design brand vetted by the demo partner
  association, whose notice filed by the partner takes the fast track.

Upheld counterfeits cost the store penalty points, and three against one
right close it: the history is filed against the two counterfeit stores
outside the demo merchant's (the ring store the lifecycle demo closes, and
a second one this history closes), so ``demo-merchant`` keeps trading.

Called by ``seed_demo`` inside its one transaction (all or nothing), after the lifecycle demo. It
runs once: its notices carry fixed filer e-mail addresses, and if any notice
with one of them exists, nothing is done.
"""

import datetime
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from demo.lifecycle import DECLARATIONS, DEMO_MERCHANT_STORES, DemoLifecycle, Step
from good_faith.audits import quality_audit_maybe_select
from good_faith.membership import membership_eligibility, memberships_evaluate
from good_faith.misuse import measure_in_force
from good_faith.models import OVERALL, MembershipChange, MisuseMeasure, QualityAudit
from good_faith.records import TrackRecord, track_records
from good_faith.selectors import membership_active_for
from listings.models import Listing, Store
from portal.models import Organisation, OrganisationKind
from portal.organisations import organisation_slug_for
from rights_holders.models import IPAsset, IPAssetKind, Partner, RightsHolder, TrademarkType, VerificationStatus
from takedowns import lifecycle
from takedowns.models import ItemStatus, Notice, NoticeItem, Track
from takedowns.notices import ItemDraft, filing_suspension_of, notice_submit

MEMBER = "Lumen Optics"
NEAR = "Kestrel Audio"
MISUSER = "Everyday Essentials Ltd"
SMALL = "Kiln & Clay Studio"
# The counterfeit stores whose merchants are not the demo merchant: the ring store (closed by the lifecycle
# demo) and Soundwave Direct (closed by this history). Upheld notices there cost demo-merchant nothing.
HISTORY_STORES = ("Grand Bazaar Online", "Soundwave Direct")

# Brands this part adds to the world (seed_demo creates them with the others; see demo_good_faith_brands).
PROGRAMME_BRANDS = [
    {
        "name": MISUSER,
        "country": "GB",
        "website": "https://everyday-essentials.example",
        "asset": {
            "kind": IPAssetKind.TRADEMARK,
            "name": "EVERYDAY",
            "trademark_type": TrademarkType.WORD,
            "office": "UKIPO",
            "registration_number": "UK00003512345",
            "nice_classes": [18, 21],
            "description": "EVERYDAY word mark for bags and kitchenware.",
        },
    },
    {
        "name": SMALL,
        "country": "NL",
        "website": "https://kilnandclay.example",
        "asset": {
            "kind": IPAssetKind.DESIGN,
            "name": "Ribbed stoneware mug",
            "office": "EUIPO",
            "registration_number": "008812345-0001",
            "description": "Registered Community design: a tapered stoneware mug with eleven vertical ribs.",
            "keywords": ["ribbed mug"],
            "reference_price": Decimal("34.00"),
        },
    },
]

FILERS = {
    "lumen": {
        "brand": MEMBER,
        "username": "demo-agent",
        # The agent firm files, under its letter of authorisation for the brand.
        "acting_organisation": "Hale & Partners LLP",
        "data": {
            "filer_name": "Amelia Hale",
            "filer_address": "Hale & Partners LLP, 7 Chancery Lane, London WC2A 1LS, United Kingdom",
            "filer_phone": "+44 20 7946 0312",
            "filer_email": "lumen-enforcement@hale-partners.example",
            "signature": "Amelia Hale",
        },
    },
    "kestrel": {
        "brand": NEAR,
        "username": "demo-near-member",
        "data": {
            "filer_name": "Oliver Grant",
            "filer_address": "Kestrel Audio Ltd, Unit 4, Riverside Works, Bristol BS1 6XN, United Kingdom",
            "filer_phone": "+44 117 496 0555",
            "filer_email": "brand-protection@kestrel-audio.example",
            "signature": "Oliver Grant",
        },
    },
    "everyday": {
        "brand": MISUSER,
        "username": "demo-misuser",
        "data": {
            "filer_name": "Gavin Marsh",
            "filer_address": "Everyday Essentials Ltd, 22 Commerce Way, Croydon CR0 4XZ, United Kingdom",
            "filer_phone": "+44 20 8496 0911",
            "filer_email": "enforcement@everyday-essentials.example",
            "signature": "Gavin Marsh",
        },
    },
    "kiln": {
        "brand": SMALL,
        "username": "demo-partner",
        "partner": True,
        "data": {
            "filer_name": "Sanne de Vries",
            "filer_address": "Independent Brands Association, Keizersgracht 100, 1015 CV Amsterdam, Netherlands",
            "filer_phone": "+31 20 555 0147",
            "filer_email": "small-brands@iba.example",
            "signature": "Sanne de Vries",
        },
    },
}
DEMO_GOOD_FAITH_EMAILS = frozenset(spec["data"]["filer_email"] for spec in FILERS.values())

COUNTERFEIT = {
    MEMBER: (
        "Counterfeit LUMEN eyewear: the photos show frames without the serial engraving on the temple that every "
        "genuine frame carries, and the price ({price} EUR) is about a tenth of our reference price."
    ),
    NEAR: (
        "Counterfeit KESTREL headphones: the box in the photos has no hologram seal and the wrong model number, "
        "and the price ({price} EUR) is about a tenth of our reference price."
    ),
}
# Lumen's notices, then Kestrel's: (days ago filed, number of items). The last Lumen decision falls before
# the nightly run that enrols it; Kestrel stays short of the number of decided items the bar asks for.
LUMEN_BATCHES = [(150, 3), (126, 3), (101, 3), (77, 3), (53, 3), (30, 4)]
KESTREL_BATCHES = [(140, 3), (112, 3), (86, 3), (62, 3), (38, 2), (21, 2)]
# The misuser's notices (days ago filed); each is rejected a day later. Warning at the third, suspension at
# the fifth: it still runs (MISUSE_SUSPENSION_DAYS) when the demo is seeded.
MISUSE_FILED = [75, 61, 47, 18, 11]
EVALUATED_DAYS_AGO = 4  # the nightly run that enrols Lumen Optics


class _Drawn:
    """An rng whose draw always selects: the demo shows one quality audit in the queue, not a 5% chance of one."""

    def random(self):
        return 0.0


@dataclass
class Result:
    created: bool
    lines: list = field(default_factory=list)


def demo_good_faith_brands(*, today, partner):
    """Create the brands this part adds (idempotent); the partner vets the small one. Returns {name: holder}."""
    holders = {}
    for spec in PROGRAMME_BRANDS:
        domain = spec["website"].split("//")[1]
        org, _ = Organisation.objects.get_or_create(
            kind=OrganisationKind.RIGHTS_HOLDER,
            name=spec["name"],
            defaults={
                "country": spec["country"],
                "contact_email": f"legal@{domain}",
                "slug": organisation_slug_for(spec["name"]),
            },
        )
        holder, _ = RightsHolder.objects.get_or_create(
            organisation=org, defaults={"legal_name": spec["name"], "website": spec["website"]}
        )
        asset = dict(spec["asset"])
        IPAsset.objects.get_or_create(
            rights_holder=holder,
            kind=asset.pop("kind"),
            office=asset.pop("office"),
            registration_number=asset.pop("registration_number"),
            defaults={
                **asset,
                "registered_on": datetime.date(2021, 5, 3),
                "expires_on": datetime.date(2031, 5, 3),
                "verification_status": VerificationStatus.VERIFIED,
                "verification_reason": "Registration checked against the office register.",
                "verified_at": datetime.datetime.combine(today, datetime.time(9), tzinfo=datetime.UTC),
                "reference_currency": "EUR" if asset.get("reference_price") else "",
            },
        )
        holders[spec["name"]] = holder
    partner.vetted_rights_holders.add(holders[SMALL])
    return holders


def demo_good_faith_seeded():
    return Notice.objects.filter(filer_email__in=DEMO_GOOD_FAITH_EMAILS).exists()


def demo_good_faith_seed(*, now):
    """Create the Good Faith demo once; returns a Result with what exists (created=False on a re-run)."""
    if demo_good_faith_seeded():
        return demo_good_faith_summary(created=False, now=now)
    DemoGoodFaith(now).run()
    return demo_good_faith_summary(created=True, now=now)


class DemoGoodFaith(DemoLifecycle):
    """The lifecycle demo's machinery (clock, sweeps, effects, listing picks) with this part's story."""

    def __init__(self, now):
        super().__init__(now)
        # Never a listing another demo item names: no duplicate open complaints, no history on the same goods.
        self.used_listings = set(NoticeItem.objects.values_list("listing_id", flat=True))

    def d(self, days, hours=0):
        return self.now - timedelta(days=days, hours=hours)

    def file(self, key, filer, drafts, at):
        spec = FILERS[filer]
        receipt = notice_submit(
            actor=self.users[spec["username"]],
            rights_holder=self.holders[spec["brand"]],
            data={**spec["data"], **DECLARATIONS},
            drafts=drafts,
            acting_organisation=self.acting_organisation(spec),
            partner=self.partner if spec.get("partner") else None,
            now=at,
        )
        if receipt.invalid or receipt.refused:
            raise RuntimeError(f"Demo notice {key!r} had invalid lines: {receipt.invalid or receipt.refused}")
        self.items[key] = sorted(receipt.accepted, key=lambda i: i.pk)
        self.item_ids.update(i.pk for i in receipt.accepted)

    def counterfeit(self, brand, stores):
        listing = self.listing(brand, stores)
        return ItemDraft(
            listing_ref=listing.external_id,
            ip_asset_id=self.asset(brand).pk,
            infringement_type="counterfeit",
            explanation=COUNTERFEIT[brand].format(price=listing.price),
        )

    def pick(self, queryset, what):
        listing = queryset.exclude(pk__in=self.used_listings).order_by("external_id").first()
        if listing is None:
            raise RuntimeError(f"The demo world has no spare listing for {what}.")
        self.used_listings.add(listing.pk)
        return listing

    def other_stores(self):
        """Every store but the demo merchant's: what the other stories are filed against."""
        return tuple(Store.objects.exclude(name__in=DEMO_MERCHANT_STORES).values_list("name", flat=True))

    def accept_all(self, key, at):
        for index in range(len(self.items[key])):
            self.accept(key, at + timedelta(minutes=40 * index), index)

    # --- The story --------------------------------------------------------------------
    def steps(self):
        steps = []

        def at(when, label, run):
            steps.append(Step(at=when, order=len(steps), run=run, label=label))

        d = self.d
        # 1. The member: Lumen Optics' law firm files counterfeit notices every few weeks; reviewers accept
        #    them, no merchant answers, the sweeper upholds each when the counter-notice window closes.
        for number, (days, size) in enumerate(LUMEN_BATCHES):
            key = f"lumen-{number}"
            at(
                d(days),
                f"{key} filed",
                lambda t, key=key, size=size: self.file(
                    key, "lumen", [self.counterfeit(MEMBER, HISTORY_STORES) for _ in range(size)], t
                ),
            )
            at(d(days, -7), f"{key} accepted", lambda t, key=key: self.accept_all(key, t))

        # 2. Close to the bar: Kestrel Audio's own notices, mostly upheld, one rejected by a reviewer.
        for number, (days, size) in enumerate(KESTREL_BATCHES):
            key = f"kestrel-{number}"
            at(
                d(days),
                f"{key} filed",
                lambda t, key=key, size=size: self.file(
                    key, "kestrel", [self.counterfeit(NEAR, HISTORY_STORES) for _ in range(size)], t
                ),
            )
            at(d(days, -5), f"{key} accepted", lambda t, key=key: self.accept_all(key, t))
        at(
            d(70),
            "kestrel genuine filed",
            lambda t: self.file(
                "kestrel-genuine",
                "kestrel",
                [
                    self.draft(
                        NEAR,
                        self.other_stores(),
                        infringing=False,
                        explanation="We do not believe this seller can offer KESTREL headphones; please remove.",
                    )
                ],
                t,
            ),
        )
        at(
            d(70, -20),
            "kestrel genuine rejected",
            lambda t: self.reject(
                "kestrel-genuine",
                t,
                "The listing offers KESTREL headphones at the usual retail price with the serial number shown, and "
                "the notice gives no sign that they are counterfeit. Reselling genuine goods is not an infringement.",
            ),
        )

        # 3. The misuser: notices against listings that use "everyday" as an ordinary word. Each rejection as
        #    manifestly unfounded runs misuse_evaluate: a warning at the third, a suspension at the fifth.
        for number, days in enumerate(MISUSE_FILED):
            key = f"everyday-{number}"
            at(d(days), f"{key} filed", lambda t, key=key: self.file(key, "everyday", [self.everyday_draft()], t))
            at(d(days - 1), f"{key} rejected", lambda t, key=key: self.reject_unfounded(key, t))

        # 4. The nightly evaluation enrols Lumen Optics; Kestrel Audio has too few decided items to be judged.
        nightly = d(EVALUATED_DAYS_AGO).replace(hour=2, minute=30, second=0, microsecond=0)  # the beat's time
        at(nightly, "nightly evaluation", lambda t: memberships_evaluate(now=t))

        # 5. The member's newest notice takes the fast track: both listings down at once, one audited.
        at(
            self.ago(5),
            "member fast track filed",
            lambda t: self.file(
                "lumen-fast",
                "lumen",
                [
                    self.counterfeit(MEMBER, DEMO_MERCHANT_STORES[:1]),
                    self.counterfeit(MEMBER, DEMO_MERCHANT_STORES[1:]),
                ],
                t,
            ),
        )
        at(self.ago(5), "member fast track audit drawn", lambda t: self.audit_draw("lumen-fast", t))

        # 6. The partner association files for the small brand it vets: fast track.
        at(self.ago(3), "small brand filed", lambda t: self.file("kiln", "kiln", [self.kiln_draft()], t))
        return steps

    def everyday_draft(self):
        listing = self.pick(
            Listing.objects.filter(title__istartswith="Everyday ", store__name__in=self.other_stores()),
            "the misuser",
        )
        return self.plain_draft(
            MISUSER,
            listing,
            "trademark_misuse",
            "The title uses our registered trade mark EVERYDAY without our consent. Remove it.",
        )

    def kiln_draft(self):
        listing = self.pick(
            Listing.objects.filter(title__icontains="Ceramic Mug", store__name__in=self.other_stores()),
            "the small brand",
        )
        return self.plain_draft(
            SMALL,
            listing,
            "design",
            "The mug in the photos copies our registered design: the same tapered shape and eleven vertical ribs. "
            "Kiln & Clay Studio makes it by hand in Utrecht and sells it only in its own shop.",
        )

    def plain_draft(self, brand, listing, kind, explanation):
        return ItemDraft(
            listing_ref=listing.external_id,
            ip_asset_id=self.asset(brand).pk,
            infringement_type=kind,
            explanation=explanation,
        )

    def reject_unfounded(self, key, at):
        item = self.item(key)
        lifecycle.notice_item_reject(
            item_id=item.pk,
            actor=self.reviewer,
            reason=(
                f"Manifestly unfounded: the listing ({item.listing.title}) uses \u201ceveryday\u201d as an ordinary "
                "word describing an unbranded product, not as a mark, and the goods have nothing to do with "
                "Everyday Essentials."
            ),
            manifestly_unfounded=True,
            now=at,
        )

    def audit_draw(self, key, at):
        item = self.item(key, 0)
        quality_audit_maybe_select(item, rng=_Drawn(), now=at)


# --- What exists ---------------------------------------------------------------------------


def _holder(name):
    return RightsHolder.objects.filter(legal_name=name).first()


def demo_good_faith_summary(*, created, now):
    """Lines describing the four cases as they stand (also on a re-run, when nothing was created)."""
    result = Result(created=created)
    lines = result.lines
    member = _holder(MEMBER)
    if member is not None:
        membership = membership_active_for(rights_holder_id=member.pk, infringement_type="counterfeit")
        changes = MembershipChange.objects.filter(membership__rights_holder=member).count()
        fast = NoticeItem.objects.filter(notice__rights_holder=member, track=Track.FAST)
        audits = QualityAudit.objects.filter(item__notice__rights_holder=member).count()
        state = f"member since {membership.member_since:%Y-%m-%d}" if membership else "not a member"
        lines.append(
            f"Good Faith member: {MEMBER} ({state}, {changes} membership change(s)); "
            f"{fast.count()} fast-track item(s), {audits} drawn for a quality audit."
        )
    near = _holder(NEAR)
    if near is not None:
        record = track_records(subject_ids=[near.pk], now=now).get((near.pk, OVERALL)) or TrackRecord()
        _, shortfalls = membership_eligibility(
            record,
            has_verified_asset=IPAsset.objects.usable(now.date()).filter(rights_holder=near).exists(),
            misuse_strikes=record.manifestly_unfounded,
        )
        lines.append(f"Close to the bar: {NEAR} ({'; '.join(shortfalls) or 'qualifies'}).")
    misuser = Organisation.objects.filter(name=MISUSER, kind=OrganisationKind.RIGHTS_HOLDER).first()
    if misuser is not None:
        measures = MisuseMeasure.objects.filter(organisation=misuser).select_related("suspension")
        described = ", ".join(
            f"{m.get_kind_display().lower()} {m.created_at:%Y-%m-%d}" for m in sorted(measures, key=lambda m: m.pk)
        )
        suspension = filing_suspension_of(misuser.pk, now)
        until = f"suspended until {suspension.ends_at:%Y-%m-%d}" if suspension else "not suspended"
        in_force = sum(1 for m in measures if measure_in_force(m, now))
        lines.append(
            f"Misuser: {MISUSER} ({described or 'no measures'}; {until}; {in_force} measure(s) in force; "
            f"suspension after {settings.MISUSE_SUSPENSION_THRESHOLD} manifestly unfounded notices)."
        )
    small = _holder(SMALL)
    if small is not None:
        items = NoticeItem.objects.filter(notice__rights_holder=small, notice__partner__isnull=False)
        partner = Partner.objects.filter(vetted_rights_holders=small).select_related("organisation").first()
        described = ", ".join(f"{ItemStatus(s).label.lower()} ({t})" for s, t in items.values_list("status", "track"))
        lines.append(
            f"Partner-vetted: {SMALL}, vetted by {partner.organisation.name if partner else '-'}: {described}."
        )
    return result
