"""The lifecycle demo's moves and its clock: filing, decisions, counter-notices, appeals, the sweeper, the effects."""

import functools
import operator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import Min, Q

from demo.files import logo_png, minimal_pdf
from demo.lifecycle.cast import (
    DECLARATIONS,
    EXPLANATIONS,
    FILERS,
)
from listings.models import Listing, Merchant
from portal.models import Organisation, OrganisationKind, User
from portal.uploads import validate_upload
from rights_holders.models import IPAsset, Partner, RightsHolder, VerificationStatus
from takedowns import lifecycle
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.effects import effect_run
from takedowns.models import Effect, EffectStatus, ItemStatus, NoticeItem
from takedowns.notices import ItemDraft, notice_submit
from takedowns.sweep import deadlines_sweep


@dataclass
class Step:
    at: object
    order: int
    run: object
    label: str


class DemoActions:
    """The moves a demo step makes, each through the domain function with ``now=`` the step's instant,
    and the clock between steps (the sweeper at every deadline that falls due, the effects after each).

    The scenarios are ``steps()``: ``demo.lifecycle.story.DemoLifecycle``, ``demo.good_faith``."""

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
        evidence = [pdf_upload("purchase-invoice.pdf", "Invoice 2026-0412: 40 pairs, paid in full.")] if invoice else []
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

    def steps(self):
        """The scenarios, as ``Step``s; ``run`` plays them in time order."""
        raise NotImplementedError

    def run(self):
        for step in sorted(self.steps(), key=lambda s: (s.at, s.order)):
            self.advance_to(step.at)
            try:
                step.run(step.at)
            except Exception as exc:
                raise RuntimeError(f"Demo step {step.label!r} at {step.at:%Y-%m-%d %H:%M} failed: {exc}") from exc
            self.effects_run()
        self.advance_to(self.now)


def image_upload(name, text):
    return validate_upload(ContentFile(logo_png(text, (90, 90, 90), size=(640, 480)), name=name), kind="image")


def pdf_upload(name, text):
    return validate_upload(ContentFile(minimal_pdf(text), name=name), kind="document")
