"""A store's status follows from its live sanctions; every change goes through ``store_sanction_apply``.

Recomputing instead of flipping keeps the penalty, reversal and lifting paths
idempotent and correct when several sanctions overlap: a store is closed
while a closure holds, banned while its merchant is banned through another
store, restricted until the latest live restriction ends, active otherwise.
"""

from django.db.models import Q
from django.utils import timezone

from listings.models import Store, StoreStatus
from portal.audit import audit_log_entry
from portal.bulk_insert import bulk_insert
from portal.transactions import durable_atomic
from takedowns.models import Sanction, SanctionKind


def merchants_stores_lock(merchant_ids):
    """Lock every store of these merchants, in id order, in one statement. Returns {merchant id: [stores]}.

    Penalties on sibling stores (a closure bans them all) and reversals then
    serialise per merchant, and always taking the locks in the same order
    cannot deadlock: two batches of penalties naming some of the same merchants
    lock their stores in one order. The ladder reads live points only after this
    lock, so two penalties for one store never both see the same "points before".
    """
    stores = {}
    for store in (
        Store.objects.select_for_update(of=("self",))
        .select_related("merchant__organisation")
        .filter(merchant_id__in=set(merchant_ids))
        .order_by("pk")
    ):
        stores.setdefault(store.merchant_id, []).append(store)
    return stores


def merchant_stores_lock(merchant_id):
    """Lock every store of a merchant, in id order (``merchants_stores_lock`` of one)."""
    return merchants_stores_lock([merchant_id]).get(merchant_id, [])


def stores_status_wanted(stores, *, now):
    """{store id: (status, restricted_until)} the stores' live sanctions call for, in one query for any number.

    Closed while a closure of the store holds, banned while a ban holds on any store of
    its merchant, restricted until the latest live restriction of the store ends, active
    otherwise.
    """
    store_ids = {store.pk for store in stores}
    merchant_ids = {store.merchant_id for store in stores}
    closed, banned, until = set(), set(), {}
    for store_id, merchant_id, kind, ends_at in (
        Sanction.objects.filter(reversed_at__isnull=True)
        .filter(
            Q(store_id__in=store_ids, kind__in=[SanctionKind.CLOSURE, SanctionKind.RESTRICTION])
            | Q(store__merchant_id__in=merchant_ids, kind=SanctionKind.BAN)
        )
        .order_by()
        .values_list("store_id", "store__merchant_id", "kind", "ends_at")
    ):
        if kind == SanctionKind.CLOSURE:
            closed.add(store_id)
        elif kind == SanctionKind.BAN:
            banned.add(merchant_id)
        elif ends_at is not None and ends_at > now:
            until[store_id] = max(ends_at, until.get(store_id, ends_at))
    wanted = {}
    for store in stores:
        if store.pk in closed:
            wanted[store.pk] = (StoreStatus.CLOSED, None)
        elif store.merchant_id in banned:
            wanted[store.pk] = (StoreStatus.BANNED, None)
        elif store.pk in until:
            wanted[store.pk] = (StoreStatus.RESTRICTED, until[store.pk])
        else:
            wanted[store.pk] = (StoreStatus.ACTIVE, None)
    return wanted


def store_status_wanted(store, *, now):
    """(status, restricted_until) the store's live sanctions call for."""
    return stores_status_wanted([store], now=now)[store.pk]


def stores_sanction_apply(stores, *, now, causes, actor=None, audit_entries=None):
    """Bring locked stores' statuses in line with their sanctions. Returns the stores that changed.

    The only place the ladder writes Store.status and restricted_until. A
    suspension is someone else's decision: the ladder overrides it only with
    a closure or a ban. ``causes``: store id -> the cause its audit entry names.
    A few queries for any number of stores (the sanctions, one update, the audit entries).
    ``audit_entries``: a list the caller inserts with its own entries, in this transaction;
    the changes' entries are appended to it instead of being inserted here.
    """
    wanted = stores_status_wanted(stores, now=now)
    changed, entries = [], []
    for store in stores:
        status, until = wanted[store.pk]
        if store.status == StoreStatus.SUSPENDED and status not in {StoreStatus.CLOSED, StoreStatus.BANNED}:
            continue
        if store.status == status and store.restricted_until == until:
            continue
        before, before_until = store.status, store.restricted_until
        store.status = status
        store.restricted_until = until
        changed.append(store)
        entries.append(
            audit_log_entry(
                action=f"listings.store.{status}",
                actor=actor,
                obj=store,
                organisation=store.merchant.organisation,
                data={
                    "before": before,
                    "after": status,
                    "restricted_until_before": before_until.isoformat() if before_until else None,
                    "restricted_until": until.isoformat() if until else None,
                    "cause": causes[store.pk],
                },
            )
        )
    if changed:
        Store.objects.bulk_update(changed, ["status", "restricted_until"])
        if audit_entries is None:
            bulk_insert(entries)
        else:
            audit_entries.extend(entries)
    return changed


def store_sanction_apply(store, *, now, cause, actor=None):
    """Bring a locked store's status in line with its sanctions. Returns True if it changed."""
    return bool(stores_sanction_apply([store], now=now, causes={store.pk: cause}, actor=actor))


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
