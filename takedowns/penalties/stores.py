"""A store's status follows from its live sanctions; every change goes through ``store_sanction_apply``.

Recomputing instead of flipping keeps the penalty, reversal and lifting paths
idempotent and correct when several sanctions overlap: a store is closed
while a closure holds, banned while its merchant is banned through another
store, restricted until the latest live restriction ends, active otherwise.
"""

from django.db.models import Max
from django.utils import timezone

from listings.models import Store, StoreStatus
from portal.audit import audit_log_record
from portal.transactions import durable_atomic
from takedowns.models import Sanction, SanctionKind


def merchant_stores_lock(merchant_id):
    """Lock every store of a merchant, in id order.

    Penalties on sibling stores (a closure bans them all) and reversals then
    serialise per merchant, and always taking the locks in the same order
    cannot deadlock. The ladder reads live points only after this lock, so
    two penalties for one store never both see the same "points before".
    """
    return list(
        Store.objects.select_for_update(of=("self",))
        .select_related("merchant__organisation")
        .filter(merchant_id=merchant_id)
        .order_by("pk")
    )


def store_status_wanted(store, *, now):
    """(status, restricted_until) the store's live sanctions call for."""
    live = Sanction.objects.filter(reversed_at__isnull=True)
    if live.filter(store=store, kind=SanctionKind.CLOSURE).exists():
        return StoreStatus.CLOSED, None
    if live.filter(store__merchant_id=store.merchant_id, kind=SanctionKind.BAN).exists():
        return StoreStatus.BANNED, None
    until = live.filter(store=store, kind=SanctionKind.RESTRICTION, ends_at__gt=now).aggregate(until=Max("ends_at"))[
        "until"
    ]
    if until is not None:
        return StoreStatus.RESTRICTED, until
    return StoreStatus.ACTIVE, None


def store_sanction_apply(store, *, now, cause, actor=None):
    """Bring a locked store's status in line with its sanctions. Returns True if it changed.

    The only place the ladder writes Store.status and restricted_until. A
    suspension is someone else's decision: the ladder overrides it only with
    a closure or a ban.
    """
    status, until = store_status_wanted(store, now=now)
    if store.status == StoreStatus.SUSPENDED and status not in {StoreStatus.CLOSED, StoreStatus.BANNED}:
        return False
    if store.status == status and store.restricted_until == until:
        return False
    before, before_until = store.status, store.restricted_until
    store.status = status
    store.restricted_until = until
    store.save(update_fields=["status", "restricted_until"])
    audit_log_record(
        action=f"listings.store.{status}",
        actor=actor,
        obj=store,
        organisation=store.merchant.organisation,
        data={
            "before": before,
            "after": status,
            "restricted_until_before": before_until.isoformat() if before_until else None,
            "restricted_until": until.isoformat() if until else None,
            "cause": cause,
        },
    )
    return True


def store_restrictions_lift(*, now=None):
    """Lift restrictions whose time is up (beat, every minute). Returns how many stores changed."""
    now = now or timezone.now()
    lifted = 0
    due = Store.objects.filter(status=StoreStatus.RESTRICTED, restricted_until__lte=now).values_list("pk", flat=True)
    for store_id in list(due):
        with durable_atomic():
            # A store locked by a penalty right now is left for the next run, which re-checks it.
            store = (
                Store.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("merchant__organisation")
                .filter(pk=store_id, status=StoreStatus.RESTRICTED, restricted_until__lte=now)
                .first()
            )
            if store is not None and store_sanction_apply(store, now=now, cause="the listing restriction ended"):
                lifted += 1
    return lifted
