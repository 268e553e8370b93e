"""Items whose counter-notice window has closed, inserted in bulk (for the sweep benchmark and tests).

The items are written straight into ``awaiting_counter_notice`` with a past
deadline: this is fixture setup for measuring and testing the sweep, not a
way to move items (nothing else assigns a status).
"""

import decimal
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from listings.models import Listing, ListingStatus
from takedowns.models import InfringementType, ItemStatus, Notice, NoticeItem, Track

ITEMS_PER_NOTICE = 1000
TYPES = (InfringementType.COUNTERFEIT, InfringementType.TRADEMARK_MISUSE, InfringementType.COPYRIGHT)


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
                    Notice(
                        rights_holder=asset.rights_holder,
                        filer_name="Bench Filer",
                        filer_address="1 Bench Street",
                        filer_phone="+33 1 00 00 00 00",
                        filer_email="bench@example.test",
                        signature="Bench Filer",
                        signed_at=opened,
                        good_faith_statement=True,
                        accuracy_statement=True,
                        authority_statement=True,
                        submitted_at=opened,
                    )
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
