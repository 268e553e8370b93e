"""The lifecycle part of the demo world: notices in every state, with their full histories.

Everything here goes through the domain functions (``notice_submit``, the
lifecycle verbs, the appeals, the deadline sweep) with the clock moved back:
each step passes ``now=`` an instant in the last three weeks, and the steps
run in time order, with the sweeper run at every deadline that falls due in
between, exactly as the beat would have done. No status is written by hand.
Effects (delisting, penalties, notifications) are run synchronously after
each step so the next step sees the listing and the store as they would be.

Called by ``seed_demo`` inside its one transaction (all or nothing), after the rest of the demo
world exists. It runs once: the demo notices carry fixed filer e-mail
addresses, and if any notice with one of them exists, nothing is done.
"""

import functools
import operator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Count, Min, Q

from demo.files import logo_png, minimal_pdf
from listings.models import Listing, Merchant
from portal.models import Organisation, OrganisationKind, User
from portal.uploads import validate_upload
from rights_holders.models import IPAsset, Partner, RightsHolder, VerificationStatus
from takedowns import lifecycle
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.effects import effect_run
from takedowns.models import Appeal, Effect, EffectStatus, ItemStatus, Notice, NoticeItem
from takedowns.notices import ItemDraft, notice_submit
from takedowns.sweep import deadlines_sweep

# Who files for which brand, with the contact details the notice carries. The e-mail addresses mark the
# demo notices: their presence means the lifecycle demo was seeded already.
FILERS = {
    "northwind": {
        "brand": "Northwind Athletics",
        "username": "demo-brand-owner",
        "data": {
            "filer_name": "Nora Lindqvist",
            "filer_address": "Northwind Athletics GmbH, Legal, Hafenstrasse 12, 20457 Hamburg, Germany",
            "filer_phone": "+49 40 5550 1200",
            "filer_email": "brand-protection@northwind-athletics.example",
            "signature": "Nora Lindqvist",
        },
    },
    "lumen": {
        "brand": "Lumen Optics",
        "username": "demo-agent",
        # The agent firm files, under its letter of authorisation for the brand.
        "acting_organisation": "Hale & Partners LLP",
        "data": {
            "filer_name": "Amelia Hale",
            "filer_address": "Hale & Partners LLP, 7 Chancery Lane, London WC2A 1LS, United Kingdom",
            "filer_phone": "+44 20 7946 0312",
            "filer_email": "lumen-notices@hale-partners.example",
            "signature": "Amelia Hale",
        },
    },
    "marlow": {
        "brand": "Marlow & Finch",
        "username": "demo-partner",
        "partner": True,
        "data": {
            "filer_name": "Sanne de Vries",
            "filer_address": "Independent Brands Association, Keizersgracht 100, 1015 CV Amsterdam, Netherlands",
            "filer_phone": "+31 20 555 0147",
            "filer_email": "vetting-desk@iba.example",
            "signature": "Sanne de Vries",
        },
    },
}
DEMO_FILER_EMAILS = frozenset(spec["data"]["filer_email"] for spec in FILERS.values())
DECLARATIONS = {"good_faith_statement": True, "accuracy_statement": True, "authority_statement": True}

DEMO_MERCHANT_STORES = ("BrightDeals Global", "Bright Outlet")  # demo-merchant's (Yiwu Bright Trading Co)
OTHER_STORES = ("Soundwave Direct",)
RING_STORE = "Grand Bazaar Online"  # three upheld counterfeits: the repeat-infringer rule closes it
AUTHORISED_STORE = "Sportivo Rotterdam"  # Northwind's authorised reseller: flagged, never fast-tracked

EXPLANATIONS = {
    "counterfeit": (
        "The listing sells counterfeit {mark} goods: the photos show a logo with the wrong letter spacing and "
        "stitching we never use, and the price ({price} EUR) is about a tenth of our reference price."
    ),
    "trademark_misuse": (
        "The title uses our registered mark {mark} to sell goods we did not make; buyers will believe they come "
        "from us."
    ),
    "design": "The product copies our registered design (shape and pattern) and is sold under the {mark} name.",
}

CN_GENUINE = (
    "These goods are genuine. We bought them from the brand's authorised distributor for our region; the "
    "purchase invoice and the distributor's authorisation letter are attached."
)
CN_WHOLESALE = (
    "We bought this stock from a wholesaler in Guangzhou as original factory surplus and believe it is genuine. "
    "The wholesaler's invoice is attached."
)


@dataclass
class Step:
    at: object
    order: int
    run: object
    label: str


@dataclass
class Result:
    created: bool
    by_status: dict = field(default_factory=dict)
    notices: int = 0
    appeals: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)


def demo_lifecycle_seeded():
    return Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS).exists()


def demo_lifecycle_seed(*, now):
    """Create the demo notices once; returns a Result with what exists (created=False on a re-run)."""
    if demo_lifecycle_seeded():
        return _summary(created=False)
    DemoLifecycle(now).run()
    return _summary(created=True)


def _demo_items():
    return NoticeItem.objects.filter(notice__filer_email__in=DEMO_FILER_EMAILS)


def _summary(*, created):
    items = _demo_items()
    return Result(
        created=created,
        by_status=dict(items.values_list("status").annotate(n=Count("id")).order_by("status")),
        notices=Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS).count(),
        appeals=dict(
            Appeal.objects.filter(item__in=items).values_list("status").annotate(n=Count("id")).order_by("status")
        ),
        effects=dict(
            Effect.objects.filter(item__in=items).values_list("status").annotate(n=Count("id")).order_by("status")
        ),
    )


class DemoLifecycle:
    def __init__(self, now):
        self.now = now
        self.users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
        self.reviewer = self.users["demo-reviewer"]
        self.senior = self.users["demo-senior-reviewer"]
        self.merchant_user = self.users["demo-merchant"]
        self.merchant = Merchant.objects.get(organisation__memberships__user=self.merchant_user)
        # The association demo-partner works for; it files only for the brands it vets.
        self.partner = Partner.objects.get(organisation__memberships__user=self.users["demo-partner"])
        self.holders = {h.legal_name: h for h in RightsHolder.objects.all()}
        self.items = {}  # scenario key -> [NoticeItem]
        self.appeals = {}
        self.used_listings = set()
        self.assets = {}
        self.item_ids = set()

    # --- Time -------------------------------------------------------------------
    def ago(self, hours):
        return self.now - timedelta(hours=hours)

    # --- Picking listings ---------------------------------------------------------
    def asset(self, brand):
        """The brand's first verified asset (its main word mark)."""
        if brand not in self.assets:
            self.assets[brand] = (
                IPAsset.objects.filter(
                    rights_holder=self.holders[brand], verification_status=VerificationStatus.VERIFIED
                )
                .order_by("id")
                .first()
            )
        return self.assets[brand]

    def listing(self, brand, stores, *, infringing=True):
        """The next unused listing naming ``brand`` in one of ``stores`` (deterministic: by external id).

        Infringing ones sell under a fifth of the brand's reference price; the others near it.
        """
        asset = self.asset(brand)
        by_keyword = functools.reduce(operator.or_, [Q(title__icontains=k) for k in asset.keywords])
        queryset = Listing.objects.filter(by_keyword, store__name__in=stores).exclude(pk__in=self.used_listings)
        ceiling = asset.reference_price * Decimal("0.2")
        queryset = queryset.filter(price__lte=ceiling) if infringing else queryset.filter(price__gt=ceiling)
        listing = queryset.order_by("external_id").first()
        if listing is None:
            raise RuntimeError(f"The demo world has no spare {brand} listing in {', '.join(stores)}.")
        self.used_listings.add(listing.pk)
        return listing

    def draft(self, brand, stores, kind="counterfeit", *, infringing=True, evidence=(), explanation=None, **extra):
        listing = self.listing(brand, stores, infringing=infringing)
        asset = self.asset(brand)
        text = explanation or EXPLANATIONS[kind].format(mark=asset.name, price=listing.price)
        return ItemDraft(
            listing_ref=listing.external_id,
            ip_asset_id=asset.pk,
            infringement_type=kind,
            explanation=text,
            evidence=list(evidence),
            **extra,
        )

    # --- Actions (each one domain call at a given instant) --------------------------
    def acting_organisation(self, spec):
        """The organisation the spec names as filing: a partner files as itself, brand staff as the brand."""
        if spec.get("partner"):
            return None
        if spec.get("acting_organisation"):
            return Organisation.objects.get(kind=OrganisationKind.AGENT, name=spec["acting_organisation"])
        return self.holders[spec["brand"]].organisation

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
        items = sorted(receipt.accepted + receipt.invalid, key=lambda i: i.pk)
        self.items[key] = items
        self.item_ids.update(i.pk for i in items)

    def item(self, key, index=0):
        return NoticeItem.objects.get(pk=self.items[key][index].pk)

    def accept(self, key, at, index=0):
        item = self.item(key, index)
        # Partner-vetted notices are fast-tracked only while the partner is approved for vetting;
        # otherwise they wait for a reviewer like any other.
        if item.status == ItemStatus.PENDING_REVIEW:
            lifecycle.notice_item_accept(item_id=item.pk, actor=self.reviewer, now=at)

    def counter_notice(self, key, at, statement, index=0, invoice=True):
        merchant = self.merchant
        fields = {
            "statement": statement,
            "signature": "Li Wei",
            "signed_at": at,
            "submitted_at": at,
            "accuracy_statement": True,
            "good_faith_mistake_statement": True,
            "consent_to_jurisdiction": True,
            "consent_to_service": True,
            "contact_name": "Li Wei",
            "contact_address": merchant.address,
            "contact_phone": merchant.contact_phone,
            "contact_email": merchant.contact_email,
        }
        evidence = (
            [_pdf_upload("purchase-invoice.pdf", "Invoice 2026-0412: 40 pairs, paid in full.")] if invoice else []
        )
        lifecycle.notice_item_counter_notice(
            item_id=self.item(key, index).pk,
            actor=self.merchant_user,
            counter_notice_fields=fields,
            evidence=evidence,
            now=at,
        )

    def reply(self, key, at, filer, statement, index=0):
        lifecycle.notice_item_reply(
            item_id=self.item(key, index).pk, actor=self.users[FILERS[filer]["username"]], statement=statement, now=at
        )

    def reject(self, key, at, reason, index=0):
        lifecycle.notice_item_reject(item_id=self.item(key, index).pk, actor=self.reviewer, reason=reason, now=at)

    def uphold(self, key, at, reason, index=0):
        lifecycle.notice_item_uphold(item_id=self.item(key, index).pk, actor=self.reviewer, reason=reason, now=at)

    def dismiss(self, key, at, reason, index=0):
        lifecycle.notice_item_dismiss(item_id=self.item(key, index).pk, actor=self.reviewer, reason=reason, now=at)

    def withdraw(self, key, at, filer, reason, index=0):
        lifecycle.notice_item_withdraw(
            item_id=self.item(key, index).pk, actor=self.users[FILERS[filer]["username"]], reason=reason, now=at
        )

    def appeal(self, key, at, username, statement, index=0):
        self.appeals[key] = appeal_file(
            item_id=self.item(key, index).pk, actor=self.users[username], statement=statement, now=at
        )

    def decide_appeal(self, key, at, *, reverse, reason):
        appeal_decide(appeal_id=self.appeals[key].pk, actor=self.senior, reverse=reverse, reason=reason, now=at)

    # --- The clock --------------------------------------------------------------------
    def next_deadline(self):
        due = NoticeItem.objects.filter(pk__in=self.item_ids).aggregate(
            counter=Min("counter_notice_deadline", filter=Q(status=ItemStatus.AWAITING_COUNTER_NOTICE)),
            reply=Min("reply_deadline", filter=Q(status=ItemStatus.COUNTER_NOTICED)),
        )
        return min((d for d in due.values() if d is not None), default=None)

    def advance_to(self, at):
        """Run the sweeper at every deadline that falls due before ``at``, a minute after it, as the beat would."""
        swept = None
        while (deadline := self.next_deadline()) is not None and deadline < at:
            if deadline == swept:
                raise RuntimeError(f"The deadline sweep at {deadline:%Y-%m-%d %H:%M} moved nothing.")
            swept = deadline
            deadlines_sweep(now=deadline + timedelta(minutes=1))
            self.effects_run()

    def effects_run(self):
        """Carry out the demo items' pending effects now, in the order they were written."""
        pending = (
            Effect.objects.filter(item_id__in=self.item_ids, status=EffectStatus.PENDING)
            .order_by("id")
            .values_list("pk", flat=True)
        )
        # A failing handler raises here and rolls the whole seed back: a demo with half-applied effects
        # would show states the portal never produces.
        for effect_id in list(pending):
            effect_run(effect_id)

    # --- The story --------------------------------------------------------------------
    def steps(self):
        h = self.ago
        Y, OTHER = DEMO_MERCHANT_STORES, OTHER_STORES
        steps = []

        def at(when, label, run):
            steps.append(Step(at=when, order=len(steps), run=run, label=label))

        # 1. A counterfeit ring store: three items accepted, none answered, upheld by the sweeper. The third
        #    upheld counterfeit against one right closes the store (repeat infringer) and lists it publicly.
        at(
            h(480),
            "ring filed",
            lambda t: self.file(
                "ring",
                "northwind",
                [
                    self.draft(
                        "Northwind Athletics",
                        (RING_STORE,),
                        evidence=[_image_upload("test-buy-photo.png", "TEST BUY: fake NORTHWIND logo")],
                        test_buy_order_number="TB-2026-0187",
                        test_buy_report="Test buy received 3 days after ordering; logo misprinted, no serial label.",
                    ),
                    self.draft("Northwind Athletics", (RING_STORE,)),
                    self.draft("Northwind Athletics", (RING_STORE,)),
                ],
                t,
            ),
        )
        for index in range(3):
            at(h(477 - index), f"ring {index} accepted", lambda t, i=index: self.accept("ring", t, i))

        # 2. Upheld by default on the demo merchant's store, then reversed on the merchant's appeal.
        at(
            h(456),
            "reversed filed",
            lambda t: self.file(
                "reversed", "northwind", [self.draft("Northwind Athletics", Y[:1], "trademark_misuse")], t
            ),
        )
        at(h(454), "reversed accepted", lambda t: self.accept("reversed", t))
        at(
            h(360),
            "reversed appealed",
            lambda t: self.appeal(
                "reversed",
                t,
                "demo-merchant",
                "These are genuine Northwind shoes from Northwind's distributor for China (invoice attached to our "
                "account). We missed the three-day window during the national holiday.",
            ),
        )
        at(
            h(338),
            "reversed decided",
            lambda t: self.decide_appeal(
                "reversed",
                t,
                reverse=True,
                reason="The merchant's invoices from Northwind's authorised distributor match the goods in the "
                "listing. The takedown is reversed, the penalty removed and the listing reinstated.",
            ),
        )

        # 3. Standard track, counter-notice, the agent's reply, upheld by a reviewer; the appeal is confirmed.
        at(h(384), "confirmed filed", lambda t: self.file("confirmed", "lumen", [self.draft("Lumen Optics", Y[1:])], t))
        at(h(380), "confirmed accepted", lambda t: self.accept("confirmed", t))
        at(h(360), "confirmed counter-notice", lambda t: self.counter_notice("confirmed", t, CN_WHOLESALE))
        at(
            h(340),
            "confirmed reply",
            lambda t: self.reply(
                "confirmed",
                t,
                "lumen",
                "Lumen Optics sells no factory surplus and has no distributor in Guangzhou. Our test buy from this "
                "store had no serial engraving on the temple, which every genuine frame carries.",
            ),
        )
        at(
            h(318),
            "confirmed upheld",
            lambda t: self.uphold(
                "confirmed",
                t,
                "The merchant's invoice names a wholesaler that is not one of Lumen Optics' distributors, and the "
                "rights holder's test buy shows frames without the serial engraving every genuine frame carries. "
                "The listing offers counterfeit goods and is removed.",
            ),
        )
        at(
            h(290),
            "confirmed appealed",
            lambda t: self.appeal(
                "confirmed", t, "demo-merchant", "We bought the stock in good faith and did not know it was fake."
            ),
        )
        at(
            h(266),
            "confirmed decided",
            lambda t: self.decide_appeal(
                "confirmed",
                t,
                reverse=False,
                reason="Good faith in buying does not make the goods genuine; the evidence that they are counterfeit "
                "stands. The decision is confirmed.",
            ),
        )

        # 4. Fast track (partner-vetted): taken down at once, no counter-notice, upheld by the sweeper.
        at(
            h(312),
            "fast upheld filed",
            lambda t: self.file("fast-upheld", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(h(310), "fast upheld accepted if not fast", lambda t: self.accept("fast-upheld", t))

        # 5. Rejected by a reviewer; the rights holder's appeal is still open.
        at(
            h(432),
            "rejected filed",
            lambda t: self.file(
                "rejected",
                "northwind",
                [
                    self.draft(
                        "Northwind Athletics",
                        OTHER,
                        "design",
                        explanation="Looks suspicious, please remove.",
                    )
                ],
                t,
            ),
        )
        at(
            h(414),
            "rejected",
            lambda t: self.reject(
                "rejected",
                t,
                "The notice does not explain how the listing infringes the right named and gives no evidence; the "
                "registration named is a word mark, not a design. You may file again with photos or a test buy.",
            ),
        )
        at(
            h(8),
            "rejected appealed",
            lambda t: self.appeal(
                "rejected",
                t,
                "demo-brand-owner",
                "Our test buy (order TB-2026-0203) arrived yesterday: the shoes carry a fake NORTHWIND logo. "
                "Photos attached to our new notice; please reopen this one.",
            ),
        )

        # 6. Standard track, counter-notice with invoices, the reply window lapses, dismissed by a reviewer.
        at(
            h(288),
            "dismissed filed",
            lambda t: self.file("dismissed", "northwind", [self.draft("Northwind Athletics", Y[1:])], t),
        )
        at(h(285), "dismissed accepted", lambda t: self.accept("dismissed", t))
        at(h(264), "dismissed counter-notice", lambda t: self.counter_notice("dismissed", t, CN_GENUINE))
        at(
            h(170),
            "dismissed",
            lambda t: self.dismiss(
                "dismissed",
                t,
                "The merchant's invoices trace the goods to Northwind's authorised distributor, and the rights "
                "holder did not reply to the counter-notice. The listing stays.",
            ),
        )

        # 7. Fast track, counter-notice, the partner's reply, dismissed: the listing is reinstated.
        at(
            h(264),
            "fast dismissed filed",
            lambda t: self.file("fast-dismissed", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(h(263), "fast dismissed accepted if not fast", lambda t: self.accept("fast-dismissed", t))
        at(h(242), "fast dismissed counter-notice", lambda t: self.counter_notice("fast-dismissed", t, CN_GENUINE))
        at(
            h(228),
            "fast dismissed reply",
            lambda t: self.reply(
                "fast-dismissed", t, "marlow", "We cannot confirm the distributor named; please check the letter."
            ),
        )
        at(
            h(216),
            "fast dismissed",
            lambda t: self.dismiss(
                "fast-dismissed",
                t,
                "The authorisation letter from Marlow & Finch's Benelux distributor is genuine (confirmed with the "
                "distributor). The takedown is lifted and the listing reinstated.",
            ),
        )

        # 8. Withdrawn: by the brand after a settlement (standard), by the partner after its own check (fast).
        at(
            h(216),
            "withdrawn filed",
            lambda t: self.file("withdrawn", "northwind", [self.draft("Northwind Athletics", OTHER)], t),
        )
        at(h(214), "withdrawn accepted", lambda t: self.accept("withdrawn", t))
        at(
            h(190),
            "withdrawn",
            lambda t: self.withdraw(
                "withdrawn", t, "northwind", "Settled with the seller, who agreed to stop using our mark."
            ),
        )
        at(
            h(144),
            "fast withdrawn filed",
            lambda t: self.file("fast-withdrawn", "marlow", [self.draft("Marlow & Finch", Y[1:])], t),
        )
        at(
            h(130),
            "fast withdrawn",
            lambda t: self.withdraw(
                "fast-withdrawn",
                t,
                "marlow",
                "Our second check found this is a licensed collaboration product; withdrawn with apologies.",
            ),
        )

        # 9. Waiting for adjudication: after the agent's reply, and after the reply window lapsed.
        at(
            h(100),
            "adjudication (reply) filed",
            lambda t: self.file("adj-reply", "lumen", [self.draft("Lumen Optics", Y[:1])], t),
        )
        at(h(99), "adjudication (reply) accepted", lambda t: self.accept("adj-reply", t))
        at(h(60), "adjudication (reply) counter-notice", lambda t: self.counter_notice("adj-reply", t, CN_WHOLESALE))
        at(
            h(10),
            "adjudication (reply) reply",
            lambda t: self.reply(
                "adj-reply",
                t,
                "lumen",
                "The wholesaler named is not a Lumen Optics distributor; genuine LUMEN frames are never sold as "
                "factory surplus.",
            ),
        )
        at(
            h(150),
            "adjudication (lapse) filed",
            lambda t: self.file("adj-lapse", "northwind", [self.draft("Northwind Athletics", Y[1:])], t),
        )
        at(h(148), "adjudication (lapse) accepted", lambda t: self.accept("adj-lapse", t))
        at(h(80), "adjudication (lapse) counter-notice", lambda t: self.counter_notice("adj-lapse", t, CN_GENUINE))

        # 10. Counter-noticed, the rights holder's reply window still open (standard and fast track).
        at(
            h(60),
            "counter-noticed filed",
            lambda t: self.file("countered", "northwind", [self.draft("Northwind Athletics", Y[:1])], t),
        )
        at(h(58), "counter-noticed accepted", lambda t: self.accept("countered", t))
        at(h(20), "counter-noticed", lambda t: self.counter_notice("countered", t, CN_GENUINE))
        at(
            h(40),
            "fast counter-noticed filed",
            lambda t: self.file("fast-countered", "marlow", [self.draft("Marlow & Finch", Y[1:])], t),
        )
        at(h(39), "fast counter-noticed accepted if not fast", lambda t: self.accept("fast-countered", t))
        at(h(6), "fast counter-noticed", lambda t: self.counter_notice("fast-countered", t, CN_GENUINE, invoice=False))

        # 11. Awaiting a counter-notice with the deadline still ahead: the demo merchant has these to answer.
        at(
            h(30),
            "awaiting filed",
            lambda t: self.file(
                "awaiting",
                "northwind",
                [
                    self.draft("Northwind Athletics", Y[:1]),
                    self.draft("Northwind Athletics", Y[1:], "trademark_misuse"),
                ],
                t,
            ),
        )
        at(h(26), "awaiting 0 accepted", lambda t: self.accept("awaiting", t, 0))
        at(h(25), "awaiting 1 accepted", lambda t: self.accept("awaiting", t, 1))
        at(
            h(20),
            "fast awaiting filed",
            lambda t: self.file("fast-awaiting", "marlow", [self.draft("Marlow & Finch", Y[:1])], t),
        )
        at(
            h(28),
            "agent awaiting filed",
            lambda t: self.file("agent-awaiting", "lumen", [self.draft("Lumen Optics", OTHER)], t),
        )
        at(h(24), "agent awaiting accepted", lambda t: self.accept("agent-awaiting", t))

        # 12. In the reviewer's queue, with invalid items kept beside valid ones in the same notice: a duplicate
        #     of an open complaint, an asset that is not the filer's, and the brand's own authorised reseller
        #     (flagged for the reviewer, never fast-tracked).
        def queue_northwind(t):
            duplicate = self.item("awaiting", 0)
            self.file(
                "queue",
                "northwind",
                [
                    self.draft("Northwind Athletics", Y[1:]),
                    self.draft("Northwind Athletics", (AUTHORISED_STORE,), infringing=False),
                    ItemDraft(
                        listing_ref=duplicate.listing.external_id,
                        ip_asset_id=duplicate.ip_asset_id,
                        infringement_type="counterfeit",
                        explanation="Same fake shoes again, still online.",
                    ),
                ],
                t,
            )

        at(h(5), "queue filed", queue_northwind)

        def queue_agent(t):
            self.file(
                "agent-queue",
                "lumen",
                [
                    self.draft("Lumen Optics", OTHER),
                    ItemDraft(
                        listing_ref=self.listing("Northwind Athletics", OTHER).external_id,
                        ip_asset_id=self.asset("Northwind Athletics").pk,
                        infringement_type="counterfeit",
                        explanation="Counterfeit running shoes.",
                    ),
                ],
                t,
            )

        at(h(2), "agent queue filed", queue_agent)
        return steps

    def run(self):
        for step in sorted(self.steps(), key=lambda s: (s.at, s.order)):
            self.advance_to(step.at)
            try:
                step.run(step.at)
            except Exception as exc:
                raise RuntimeError(f"Demo step {step.label!r} at {step.at:%Y-%m-%d %H:%M} failed: {exc}") from exc
            self.effects_run()
        self.advance_to(self.now)


def _image_upload(name, text):
    return validate_upload(ContentFile(logo_png(text, (90, 90, 90), size=(640, 480)), name=name), kind="image")


def _pdf_upload(name, text):
    return validate_upload(ContentFile(minimal_pdf(text), name=name), kind="document")
