"""Items whose counter-notice window has closed, inserted in bulk (for the sweep benchmark and tests).

The items are written straight into ``awaiting_counter_notice`` with a past
deadline: this is fixture setup for measuring and testing the sweep, not a
way to move items (nothing else assigns a status).
"""

import decimal
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from listings.models import Listing, ListingStatus, Merchant, Store
from takedowns.models import Channel, InfringementType, ItemStatus, Notice, NoticeItem, Track

ITEMS_PER_NOTICE = 1000
TYPES = (InfringementType.COUNTERFEIT, InfringementType.TRADEMARK_MISUSE, InfringementType.COPYRIGHT)


def bench_notice(*, submitted_at, **fields):
    """An unsaved notice as the bulk builders and the benchmarks file them: one filer, every declaration made."""
    return Notice(
        filer_name="Bench Filer",
        filer_address="1 Bench Street",
        filer_phone="+33 1 00 00 00 00",
        filer_email="bench@example.test",
        signature="Bench Filer",
        signed_at=submitted_at,
        good_faith_statement=True,
        accuracy_statement=True,
        authority_statement=True,
        submitted_at=submitted_at,
        **fields,
    )


def due_items_bulk_create(count, *, deadline=None, infringement_types=TYPES, chunk=5000):
    """Create ``count`` due items (one listing each) for one brand and store. Returns their ids."""
    from tests import factories

    deadline = deadline or timezone.now() - timedelta(minutes=5)
    opened = deadline - timedelta(hours=72)
    tag = uuid.uuid4().hex[:8]
    # Explicit unique names: factory sequences restart in every process.
    holder = factories.RightsHolderFactory(legal_name=f"Bench Brand {tag}")
    asset = factories.IPAssetFactory(rights_holder=holder, name=f"BENCH{tag}", registration_number=f"B{tag}")
    merchant = factories.MerchantFactory(
        legal_name=f"Bench Merchant {tag}", business_licence_number=f"BL-{tag}", contact_phone=f"+31{tag}"
    )
    store = factories.StoreFactory(merchant=merchant, name=f"Bench Store {tag}", payout_account_hash=f"bench-{tag}")
    ids = []
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        with transaction.atomic():
            listings = Listing.objects.bulk_create(
                [
                    Listing(
                        store=store,
                        external_id=f"B{tag}-{start + n}",
                        title=f"Sneaker {start + n}",
                        category="shoes",
                        price=decimal.Decimal("19.00"),
                        status=ListingStatus.UNDER_COMPLAINT,
                    )
                    for n in range(size)
                ],
                batch_size=chunk,
            )
            notices = Notice.objects.bulk_create(
                [
                    bench_notice(submitted_at=opened, rights_holder=asset.rights_holder)
                    for _ in range(0, size, ITEMS_PER_NOTICE)
                ]
            )
            items = NoticeItem.objects.bulk_create(
                [
                    NoticeItem(
                        notice=notices[n // ITEMS_PER_NOTICE],
                        listing=listing,
                        ip_asset=asset,
                        infringement_type=infringement_types[(start + n) % len(infringement_types)],
                        explanation=f"Counterfeit logo on listing {listing.external_id}.",
                        status=ItemStatus.AWAITING_COUNTER_NOTICE,
                        status_changed_at=opened,
                        version=3,
                        track=Track.STANDARD,
                        opened_at=opened,
                        counter_notice_deadline=deadline,
                    )
                    for n, listing in enumerate(listings)
                ],
                batch_size=chunk,
            )
            ids += [item.pk for item in items]
    return ids


# --- Realistic data: many holders, assets and stores, every type, stores already carrying points ---

ALL_TYPES = tuple(InfringementType.values)
CHANNEL_SHARES = ((Channel.WEB, 70), (Channel.API, 20), (Channel.BULK, 5), (Channel.PROACTIVE, 5))
# Live points a store carries before the sweep: each sits just below a step of the default ladder
# (6 warning, 12/24/36 restriction, 48 closure), so any upheld item at the store crosses one.
POINTS_BEFORE = (4, 10, 22, 34, 46)
ITEMS_PER_MIXED_NOTICE = 10


@dataclass
class MixedWorld:
    """What ``mixed_due_items_bulk_create`` made: the due items and the stores set up to step up the ladder."""

    ids: list  # the due items, in id order
    stores_with_points: list  # store ids carrying live points before the sweep
    repeat_stores: list  # store ids with two counterfeit penalties on one right and a third one due
    counts: dict = field(default_factory=dict)


def mixed_due_items_bulk_create(count, *, holders, assets, stores, deadline=None, seed=9, chunk=5000):
    """Create ``count`` due items spread over many rights holders, assets and stores, with every type.

    One listing per item, on a store drawn at random; each item names one of the
    ``assets`` (spread over the ``holders``) and an infringement type drawn from all
    six. Notices hold up to ten items of one holder, filed on the web, the API, a
    bulk file or by proactive screening. A tenth of the stores already carry live
    penalty points just below a step of the ladder, so the sweep's penalties give
    warnings, restrictions and closures; a third of those have two upheld counterfeit
    items against one right and a third one due (repeat-infringer closure). Every
    organisation has one member with an e-mail address, so notifications go out.
    Deadlines are spread over the hour before ``deadline``.
    """
    import random

    from portal.models import Membership, Organisation, OrganisationKind, User
    from rights_holders.models import IPAsset, IPAssetKind, RightsHolder, VerificationStatus
    from takedowns.models import Penalty

    rng = random.Random(seed)
    deadline = deadline or timezone.now() - timedelta(minutes=5)
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]

    def members(orgs):
        users = User.objects.bulk_create(
            [User(username=f"u{tag}-{org.pk}", email=f"u{org.pk}@{tag}.example.test", password="!") for org in orgs],
            batch_size=chunk,
        )
        Membership.objects.bulk_create(
            [Membership(user=user, organisation=org, role="owner") for user, org in zip(users, orgs, strict=True)],
            batch_size=chunk,
        )

    with transaction.atomic():
        holder_orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Brand {tag}-{n}", kind=OrganisationKind.RIGHTS_HOLDER, country="FR")
                for n in range(holders)
            ],
            batch_size=chunk,
        )
        holder_rows = RightsHolder.objects.bulk_create(
            [RightsHolder(organisation=org, legal_name=org.name) for org in holder_orgs], batch_size=chunk
        )
        members(holder_orgs)
        kinds = list(IPAssetKind.values)
        asset_rows = IPAsset.objects.bulk_create(
            [
                IPAsset(
                    rights_holder=holder_rows[n % holders],
                    kind=kinds[n % len(kinds)],
                    name=f"MARK{tag}{n}",
                    registration_number="" if n % 5 == 4 else f"R{tag}{n}",
                    office="EUIPO" if n % 2 else "USPTO",
                    verification_status=VerificationStatus.VERIFIED,
                    keywords=[f"mark{tag}{n}"],
                )
                for n in range(assets)
            ],
            batch_size=chunk,
        )
        # Four merchants for five stores: a fifth of the merchants run two stores.
        merchant_count = max(1, stores * 4 // 5)
        merchant_orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Merchant {tag}-{n}", kind=OrganisationKind.MERCHANT, country="CN")
                for n in range(merchant_count)
            ],
            batch_size=chunk,
        )
        members(merchant_orgs)
        merchants = Merchant.objects.bulk_create(
            [
                Merchant(
                    organisation=org,
                    legal_name=org.name,
                    business_licence_number=f"BL-{tag}-{n}",
                    contact_phone=f"+86{n:09d}",
                )
                for n, org in enumerate(merchant_orgs)
            ],
            batch_size=chunk,
        )
        store_rows = Store.objects.bulk_create(
            [
                Store(
                    merchant=merchants[n % merchant_count],
                    name=f"Store {tag}-{n}",
                    payout_account_hash=f"h{tag}{n}",
                    region="Zhejiang",
                    city="Yiwu",
                    security_deposit=decimal.Decimal("5000.00"),
                )
                for n in range(stores)
            ],
            batch_size=chunk,
        )

    # Stores that already carry points, and the repeat infringers among them.
    with_points = store_rows[::10]
    repeat = with_points[::3]
    repeat_asset = {store.pk: asset_rows[rng.randrange(assets)] for store in repeat}
    prior = []  # (store, asset, type)
    for k, store in enumerate(with_points):
        if store.pk in repeat_asset:
            prior += [(store, repeat_asset[store.pk], InfringementType.COUNTERFEIT)] * 2
            continue
        points = POINTS_BEFORE[k % len(POINTS_BEFORE)]
        while points >= 4:
            prior.append((store, asset_rows[rng.randrange(assets)], InfringementType.TRADEMARK_MISUSE))
            points -= 4
        if points:
            prior.append((store, asset_rows[rng.randrange(assets)], InfringementType.DESIGN))
    decided = now - timedelta(days=30)
    prior_items = _items_insert(
        [(store, asset, kind, ItemStatus.UPHELD) for store, asset, kind in prior],
        tag=f"{tag}p",
        deadline=decided - timedelta(days=1),
        rng=rng,
        chunk=chunk,
        decided_at=decided,
    )
    from django.conf import settings

    Penalty.objects.bulk_create(
        [
            Penalty(
                item=item,
                decision_generation=1,
                store=store,
                ip_asset=asset,
                infringement_type=kind,
                points=settings.PENALTY_POINTS[kind],
                awarded_at=decided,
                expires_at=decided + timedelta(days=settings.PENALTY_POINTS_EXPIRE_DAYS),
            )
            for item, (store, asset, kind) in zip(prior_items, prior, strict=True)
        ],
        batch_size=chunk,
    )

    # The due items: the repeat infringers' third counterfeit first, then drawn at random.
    due = [(store, repeat_asset[store.pk], InfringementType.COUNTERFEIT) for store in repeat][:count]
    while len(due) < count:
        due.append((store_rows[rng.randrange(stores)], asset_rows[rng.randrange(assets)], rng.choice(ALL_TYPES)))
    rng.shuffle(due)
    items = _items_insert(
        [(store, asset, kind, ItemStatus.AWAITING_COUNTER_NOTICE) for store, asset, kind in due],
        tag=tag,
        deadline=deadline,
        rng=rng,
        chunk=chunk,
    )
    ids = sorted(item.pk for item in items)
    return MixedWorld(
        ids=ids,
        stores_with_points=[store.pk for store in with_points],
        repeat_stores=[store.pk for store in repeat],
        counts={
            "items": count,
            "rights_holders": holders,
            "assets": assets,
            "stores": stores,
            "merchants": merchant_count,
            "stores_with_points": len(with_points),
            "repeat_infringer_stores": len(repeat),
            "notices": len({item.notice_id for item in items}),
            "types": sorted({kind for _, _, kind in due}),
        },
    )


def _items_insert(rows, *, tag, deadline, rng, chunk, decided_at=None):
    """Insert one listing and one item per (store, asset, type, status); notices of up to ten items per holder."""
    opened = deadline - timedelta(hours=72)
    # Items of one holder next to each other, so that they share notices.
    order = sorted(range(len(rows)), key=lambda n: (rows[n][1].rights_holder_id, n))
    channels = [channel for channel, share in CHANNEL_SHARES for _ in range(share)]
    items = [None] * len(rows)
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        with transaction.atomic():
            listings = Listing.objects.bulk_create(
                [
                    Listing(
                        store=rows[n][0],
                        external_id=f"M{tag}-{n}",
                        title=f"Product {n}",
                        category="shoes",
                        price=decimal.Decimal("19.00"),
                        status=ListingStatus.TAKEN_DOWN if decided_at or n % 3 == 0 else ListingStatus.UNDER_COMPLAINT,
                    )
                    for n in part
                ],
                batch_size=chunk,
            )
            notices, notice_of = [], {}
            for n in part:
                holder_id = rows[n][1].rights_holder_id
                current = notices[-1] if notices else None
                if current is None or current[0] != holder_id or current[2] >= ITEMS_PER_MIXED_NOTICE:
                    current = [holder_id, rng.choice(channels), 0, None]
                    notices.append(current)
                current[2] += 1
                notice_of[n] = current
            rows_notices = Notice.objects.bulk_create(
                [
                    bench_notice(submitted_at=opened, rights_holder_id=holder_id, channel=channel)
                    for holder_id, channel, _, _ in notices
                ],
                batch_size=chunk,
            )
            for entry, notice in zip(notices, rows_notices, strict=True):
                entry[3] = notice
            created = NoticeItem.objects.bulk_create(
                [
                    NoticeItem(
                        notice=notice_of[n][3],
                        listing=listing,
                        ip_asset=rows[n][1],
                        infringement_type=rows[n][2],
                        explanation=f"Listing {listing.external_id} copies the mark: logo, packaging, price.",
                        status=rows[n][3],
                        status_changed_at=decided_at or opened,
                        version=3,
                        track=Track.FAST if n % 3 == 0 else Track.STANDARD,
                        opened_at=opened,
                        # Spread over the hour before the deadline: the sweep takes the oldest first.
                        counter_notice_deadline=deadline - timedelta(seconds=rng.randrange(3600)),
                        took_down_listing=bool(decided_at or n % 3 == 0),
                        decided_at=decided_at,
                        automated_decision=bool(decided_at),
                        decision_generation=1 if decided_at else 0,
                    )
                    for n, listing in zip(part, listings, strict=True)
                ],
                batch_size=chunk,
            )
            for n, item in zip(part, created, strict=True):
                items[n] = item
    return items


# --- Lists: many notices of one brand, one item each (the list pages' query-count tests) ---


def notices_bulk_create(asset, store, count, *, channel=Channel.WEB, status=ItemStatus.PENDING_REVIEW):
    """``count`` notices of ``asset``'s brand against new listings of ``store``, one item each, in three
    statements. Fixture setup for list pages: nothing else writes notices or statuses this way."""
    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        listings = Listing.objects.bulk_create(
            [
                Listing(
                    store=store,
                    external_id=f"L{tag}-{n}",
                    title=f"Listed shoe {n}",
                    category="shoes",
                    price=decimal.Decimal("19.00"),
                    status=ListingStatus.UNDER_COMPLAINT,
                )
                for n in range(count)
            ]
        )
        notices = Notice.objects.bulk_create(
            [
                Notice(
                    rights_holder=asset.rights_holder,
                    filer_organisation=asset.rights_holder.organisation,
                    channel=channel,
                    filer_name="List Filer",
                    filer_address="1 List Street",
                    filer_phone="+33 1 00 00 00 00",
                    filer_email="list@example.test",
                    signature="List Filer",
                    signed_at=now,
                    good_faith_statement=True,
                    accuracy_statement=True,
                    authority_statement=True,
                    submitted_at=now - timedelta(minutes=n),
                )
                for n in range(count)
            ]
        )
        NoticeItem.objects.bulk_create(
            [
                NoticeItem(
                    notice=notice,
                    listing=listing,
                    ip_asset=asset,
                    infringement_type=InfringementType.COUNTERFEIT,
                    explanation=f"Counterfeit logo on listing {listing.external_id}.",
                    status=status,
                    status_changed_at=now,
                    track=Track.STANDARD,
                    opened_at=now,
                    review_due_at=now + timedelta(hours=24),
                )
                for notice, listing in zip(notices, listings, strict=True)
            ]
        )
    return notices


def register_entries_bulk_create(asset, store, count):
    """``count`` public register entries for ``store``, each on its own penalty and closure (fixture setup)."""
    from takedowns.models import Penalty, PublicRegisterEntry, Sanction

    notices = notices_bulk_create(asset, store, count, status=ItemStatus.UPHELD)
    items = NoticeItem.objects.filter(notice__in=notices).order_by("pk")
    now = timezone.now()
    with transaction.atomic():
        penalties = Penalty.objects.bulk_create(
            [
                Penalty(
                    item=item,
                    store=store,
                    ip_asset=asset,
                    infringement_type=item.infringement_type,
                    points=48,
                    expires_at=now + timedelta(days=365),
                )
                for item in items
            ]
        )
        sanctions = Sanction.objects.bulk_create(
            [Sanction(store=store, penalty=p, kind="closure", level="closure") for p in penalties]
        )
        PublicRegisterEntry.objects.bulk_create(
            [
                PublicRegisterEntry(
                    store=store,
                    sanction=s,
                    store_name=f"{store.name} {n}",
                    merchant_name="Merchant",
                    region="CN",
                    reason="Counterfeits",
                    listed_at=now - timedelta(minutes=n),
                )
                for n, s in enumerate(sanctions)
            ]
        )
