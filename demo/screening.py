"""The demo world's screening (issue 11).

* ``demo_proactive_seed``: one brand, Kestrel Audio, opted in to proactive enforcement by its owner
  (``rights_holder_proactive_enforcement_set``, audited, as on its page), and a handful of showcase
  listings made through the listings service by the demo merchant's new store in Yiwu, opened days
  ago (``world_data.NEW_STORE``; ``SHOWCASE``: the brand disguised ("K3strel", "KESTRE1"), replica
  words ("AAA quality", "1:1", "高仿"), prices far below the reference) screened at once by the real
  pipeline: Kestrel's become proactive notices filed by the marketplace (listing down at once), those
  of brands that did not opt in (Northwind, Lumen) alerts to their holders. Run again, nothing new:
  the listings exist and are screened already.
* ``demo_screening_seed``: the world's other listings are inserted in bulk (``world.py``), not through
  ``listings_apply``, so nothing announces them; every listing without a screening result is sent to
  the screening pipeline once the world is committed (a worker screens them: ``make run`` starts one).
  Run again, it sends only those still unscreened; the pipeline skips any screened meanwhile.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from demo.world_data import NEW_STORE
from listings.models import Listing, Store
from listings.services import listing_create
from portal.models import Membership, MembershipRole
from rights_holders.models import RightsHolder
from rights_holders.services import rights_holder_proactive_enforcement_set
from screening.feeding import listings_screen_enqueue
from screening.models import ScreeningAlert, ScreeningTrigger
from screening.pipeline import listings_screen
from takedowns.models import Channel, NoticeItem

PROACTIVE_BRAND = "Kestrel Audio"
SHOWCASE_STORE = NEW_STORE[1][0]
SHOWCASE_PREFIX = "DEMO-SCREEN-"
# (title, category, price in EUR, description): the first three name the opted-in brand.
SHOWCASE = [
    ("K3strel Studio Pro headphones AAA quality", "electronics", "24.00", "Same as original, mirror quality."),
    ("KESTRE1 wireless earbuds 1:1 copy", "electronics", "19.50", "Factory direct, 1:1 with the shop version."),
    ("Kestrel noise cancelling headset 高仿 replica", "electronics", "29.00", "High copy, fast shipping."),
    ("N0rthw1nd Trail Runner GTX replica AAA quality", "shoes", "15.00", "Mirror quality runners."),
    ("Nørthwind Aero Knit running shoe 1:1", "shoes", "18.00", "Replica, all sizes."),
    ("1umen polarised aviator sunglasses replica", "eyewear", "12.00", "AAA grade lenses."),
]


@dataclass(frozen=True)
class ProactiveDemo:
    brand: str
    notices: int  # proactive notice items in the world
    alerts: int  # open screening alerts in the world
    created: int  # showcase listings made by this run


def demo_proactive_seed(*, now):
    """Opt Kestrel Audio in and screen the showcase listings now (see the module). Returns a ProactiveDemo."""
    holder = RightsHolder.objects.get(legal_name=PROACTIVE_BRAND)
    owner = (
        Membership.objects.people()
        .filter(organisation_id=holder.organisation_id, role=MembershipRole.OWNER)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if owner is not None:
        rights_holder_proactive_enforcement_set(rights_holder=holder, enabled=True, actor=owner.user)
    store = Store.objects.get(name=SHOWCASE_STORE)
    ids, created = [], 0
    for number, (title, category, price, description) in enumerate(SHOWCASE, start=1):
        external_id = f"{SHOWCASE_PREFIX}{number:03d}"
        listing = Listing.objects.filter(external_id=external_id).first()
        if listing is None:
            listing = listing_create(
                store=store,
                external_id=external_id,
                title=title,
                category=category,
                price=Decimal(price),
                description=description,
                now=now,
            )
            created += 1
        ids.append(listing.pk)
    # The real pipeline, now: the listings already screened at this version are skipped.
    listings_screen(ids, trigger=ScreeningTrigger.CREATED, now=now)
    return ProactiveDemo(
        brand=holder.legal_name,
        notices=NoticeItem.objects.filter(notice__channel=Channel.PROACTIVE).count(),
        alerts=ScreeningAlert.objects.filter(status="open").count(),
        created=created,
    )


def demo_screening_seed():
    """Sends the unscreened listings to screening after the commit; returns how many."""
    ids = list(Listing.objects.filter(screening_results__isnull=True).order_by("pk").values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: listings_screen_enqueue(ids, ScreeningTrigger.CREATED))
    return len(ids)
