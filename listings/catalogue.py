"""Listings written one at a time or a thousand at once: creation, changes and removal.

One path for one listing and for many (STYLE.md habit 14): ``listing_create`` and
``listing_remove`` (listings.services) and the marketplace's bulk ingest (the API)
all call ``listings_apply``, which checks every row with the same rules, then
writes what it planned set-based: the stores and listings named are read (and
locked) in one query each, new listings are inserted in one statement, changed
ones upserted in one, removals are one ``UPDATE``, and the audit entries one
insert. A row that breaks a rule is reported with its index and field and
written nowhere; the others are applied.

The rules a row meets:

- ``external_id`` names the listing (the marketplace's own id); a request names
  each listing once.
- ``upsert`` creates the listing if it is new and changes it otherwise; ``create``
  refuses one that exists, ``update`` one that does not; ``remove`` takes it off
  the marketplace (status ``removed``). A new listing needs a store, a title, a
  category and a price.
- A store under a restriction, suspended, closed or banned adds no listings
  (``store_refusal``); it may still change or remove the ones it has.
- A listing is not created in a category the marketplace prohibits, nor moved
  into one (``banned_category``, listings.categories); the refusal is audited.
  One already in a category banned since keeps its category (screening reports
  it ``blocked``).
- A listing stays in its store: the store is part of what penalties count.
- A removed listing stays removed (``takedowns.listing_sync`` keeps it so too):
  it is not changed again, and its external id is not reused. Open notice items
  on a listing do not stop its removal: they go on to their decision (a penalty
  still applies to the store), and a listing removed cannot be named in a new
  notice (``takedowns.notices``).

Listings created or changed are announced after the commit (``listings.announcements``): the
screening app screens them.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy

from listings.announcements import CHANGED, CREATED, listings_changed_on_commit
from listings.categories import (
    BANNED_CATEGORY,
    banned_category_message,
    banned_category_refusal_entry,
    category_banned,
)
from listings.models import Listing, ListingStatus, Store, StoreStatus
from portal.audit import audit_log_entry
from portal.forms import text_problem
from portal.models import AuditLogEntry

MAX_ROWS = 1000


class ListingAction(models.TextChoices):
    UPSERT = "upsert", gettext_lazy("Create the listing or change it")
    CREATE = "create", gettext_lazy("Create a new listing")
    UPDATE = "update", gettext_lazy("Change an existing listing")
    REMOVE = "remove", gettext_lazy("Remove the listing from the marketplace")


class ListingOutcome(models.TextChoices):
    CREATED = "created", gettext_lazy("Created")
    UPDATED = "updated", gettext_lazy("Updated")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")
    REMOVED = "removed", gettext_lazy("Removed")


# The values a row may set, in the order they are checked.
VALUE_FIELDS = ("title", "description", "category", "price", "currency")
REQUIRED_TO_CREATE = ("title", "category", "price")
DEFAULTS = {"description": "", "currency": "EUR"}
_CURRENCY = re.compile(r"[A-Z]{3}")
_PRICE_MAX = Decimal(10) ** (Listing._meta.get_field("price").max_digits - 2)


@dataclass
class ListingChange:
    """One row: what to do to the listing ``external_id``. ``values`` holds only the fields given."""

    external_id: object
    action: str = ListingAction.UPSERT
    store_public_id: object = None  # a UUID (the API decodes ``sto_…``); required to create
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    index: int
    field: str  # "" when the row as a whole is refused
    code: str
    message: str


@dataclass(frozen=True)
class RowOutcome:
    index: int
    listing: Listing
    outcome: str


@dataclass
class ListingsApplied:
    outcomes: list
    errors: list


def store_refusal(store, *, now):
    """Why this store may not add listings now, or None."""
    if store.status in {StoreStatus.CLOSED, StoreStatus.BANNED}:
        return f"Store \u201c{store.name}\u201d is {store.get_status_display().lower()} and cannot add listings."
    if store.status == StoreStatus.SUSPENDED:
        return f"Store \u201c{store.name}\u201d is suspended and cannot add listings."
    if store.status == StoreStatus.RESTRICTED and store.restricted_until and store.restricted_until > now:
        return (
            f"Store \u201c{store.name}\u201d may not add new listings until "
            f"{store.restricted_until:%Y-%m-%d %H:%M} UTC (a penalty restriction)."
        )
    return None


def _text(value, *, name, multiline, max_length, required):
    """(clean text, None) or (None, (code, message))."""
    if not isinstance(value, str):
        return None, ("invalid", f"Give the {name} as text.")
    if problem := text_problem(value, multiline=multiline, max_length=max_length):
        return None, ("invalid", problem)
    if required and not value.strip():
        return None, ("blank", f"Give the listing a {name}.")
    return value, None


def _price(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None, ("invalid", "Give the price as a number, e.g. 19.99.")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        return None, ("invalid", "Give the price as a number, e.g. 19.99.")
    if not price.is_finite() or price <= 0:
        return None, ("invalid", "A price is more than zero.")
    if price >= _PRICE_MAX or price != price.quantize(Decimal("0.01")):
        return None, ("invalid", f"Give the price with at most two decimals and below {_PRICE_MAX:,}.")
    return price.quantize(Decimal("0.01")), None


def _currency(value):
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value.upper()):
        return None, ("invalid", "Give the currency as a three-letter ISO 4217 code, e.g. EUR.")
    return value.upper(), None


def _clean_value(name, value):
    limit = Listing._meta.get_field(name).max_length
    if name == "title":
        return _text(value, name="title", multiline=False, max_length=limit, required=True)
    if name == "category":
        return _text(value, name="category", multiline=False, max_length=limit, required=True)
    if name == "description":
        return _text(value, name="description", multiline=True, max_length=None, required=False)
    if name == "price":
        return _price(value)
    return _currency(value)


def listing_values_clean(values):
    """(clean values, {field: (code, message)}) for the fields given; the rules every channel shares."""
    clean, problems = {}, {}
    for name in VALUE_FIELDS:
        if name in values:
            value, problem = _clean_value(name, values[name])
            if problem:
                problems[name] = problem
            else:
                clean[name] = value
    return clean, problems


def _external_id_problem(value):
    if not isinstance(value, str):
        return "invalid", "Give the listing's external id as text."
    if not value.strip():
        return "blank", "Give the listing's external id."
    problem = text_problem(value, multiline=False, max_length=Listing._meta.get_field("external_id").max_length)
    return ("invalid", problem) if problem else None


@dataclass
class _Plan:
    create: list = field(default_factory=list)  # (index, Listing)
    update: list = field(default_factory=list)  # (index, Listing, changed fields)
    remove: list = field(default_factory=list)  # (index, Listing, status before)
    unchanged: list = field(default_factory=list)  # (index, Listing)
    errors: list = field(default_factory=list)
    # (store id, Listing or None when new, external id, category, banned category it is in): audited refusals
    banned: list = field(default_factory=list)


def _plan_row(plan, index, change, values, *, listing, stores, now):
    def refuse(field_name, code, message):
        plan.errors.append(RowError(index, field_name, code, message))

    action = change.action
    store = stores.get(change.store_public_id) if change.store_public_id is not None else None
    if change.store_public_id is not None and store is None:
        return refuse("store", "not_found", "No such store.")
    if listing is None:
        if action in (ListingAction.UPDATE, ListingAction.REMOVE):
            return refuse("external_id", "not_found", f"No listing has the external id {change.external_id}.")
        if store is None:
            return refuse("store", "required", "Name the store of a new listing.")
        missing = [name for name in REQUIRED_TO_CREATE if name not in values]
        for name in missing:
            refuse(name, "required", f"Give the new listing a {name}.")
        if missing:
            return None
        if refusal := store_refusal(store, now=now):
            return refuse("store", f"store_{store.status}", refusal)
        if banned := category_banned(values["category"]):
            plan.banned.append((store.pk, None, change.external_id, values["category"], banned))
            return refuse("category", BANNED_CATEGORY, banned_category_message(values["category"], banned))
        new = Listing(
            store=store,
            external_id=change.external_id,
            status=ListingStatus.LIVE,
            created_at=now,
            updated_at=now,
            **{**DEFAULTS, **values},
        )
        plan.create.append((index, new))
        return None
    if action == ListingAction.CREATE:
        return refuse("external_id", "exists", f"A listing with id {change.external_id} exists already.")
    if store is not None and store.pk != listing.store_id:
        return refuse("store", "store_change", "A listing stays in its store; remove it and list it anew.")
    if action == ListingAction.REMOVE:
        if listing.status == ListingStatus.REMOVED:
            plan.unchanged.append((index, listing))
        else:
            plan.remove.append((index, listing, listing.status))
        return None
    if listing.status == ListingStatus.REMOVED:
        return refuse(
            "external_id",
            "listing_removed",
            f"Listing {change.external_id} was removed; a removed listing is not changed again "
            "(list the product anew under a new external id).",
        )
    changed = [name for name, value in values.items() if getattr(listing, name) != value]
    if not changed:
        plan.unchanged.append((index, listing))
        return None
    if "category" in changed and (banned := category_banned(values["category"])):
        plan.banned.append((listing.store_id, listing, change.external_id, values["category"], banned))
        return refuse("category", BANNED_CATEGORY, banned_category_message(values["category"], banned))
    for name in changed:
        setattr(listing, name, values[name])
    listing.updated_at = now
    plan.update.append((index, listing, changed))
    return None


def _check_rows(changes):
    """Row checks that need no database: ({index: clean values}, errors). Each listing once per request."""
    cleaned, errors, first_seen = {}, [], {}
    for index, change in enumerate(changes):
        if change.action not in ListingAction.values:
            errors.append(
                RowError(index, "action", "invalid_choice", f"Choose one of {', '.join(ListingAction.values)}.")
            )
            continue
        if problem := _external_id_problem(change.external_id):
            errors.append(RowError(index, "external_id", *problem))
            continue
        if change.external_id in first_seen:
            errors.append(
                RowError(
                    index,
                    "external_id",
                    "duplicate",
                    f"Listing {change.external_id} is already in this request (row {first_seen[change.external_id]}).",
                )
            )
            continue
        first_seen[change.external_id] = index
        values, problems = listing_values_clean(change.values if change.action != ListingAction.REMOVE else {})
        if problems:
            errors.extend(RowError(index, name, code, message) for name, (code, message) in problems.items())
            continue
        cleaned[index] = values
    return cleaned, errors


def _audit_entries(plan, *, actor, merchant_orgs):
    def entry(action, listing, data):
        return audit_log_entry(
            action=action,
            actor=actor,
            obj=listing,
            organisation_id=merchant_orgs[listing.store_id],
            data=data,
        )

    entries = [entry("listings.listing.created", listing, {"store": listing.store_id}) for _, listing in plan.create]
    entries += [entry("listings.listing.updated", listing, {"changed": changed}) for _, listing, changed in plan.update]
    entries += [
        entry("listings.listing.removed", listing, {"before": before, "after": ListingStatus.REMOVED})
        for _, listing, before in plan.remove
    ]
    entries += [
        banned_category_refusal_entry(
            actor=actor,
            listing=listing,
            external_id=external_id,
            store_id=store_id,
            organisation_id=merchant_orgs[store_id],
            category=category,
            banned_category=banned_category,
        )
        for store_id, listing, external_id, category, banned_category in plan.banned
    ]
    return entries


def _stores_share_lock(store_public_ids):
    """Hold the stores named against a change of their status until this transaction ends.

    A restriction, suspension or closure applied at this moment (an ``UPDATE`` of the
    store) waits for the listings added here, or is seen before they are: the refusal
    above reads the store after this lock. A share lock, so ingests naming the same
    stores run side by side. SQLite takes the database's write lock at the start of the
    transaction instead (``IMMEDIATE`` transactions), so it needs none.
    """
    if not store_public_ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Store._meta.db_table} WHERE public_id = ANY(%s) ORDER BY id FOR SHARE",  # noqa: S608 (our table)
            [list(store_public_ids)],
        )


def _upsert_row(listing):
    return Listing(
        store_id=listing.store_id,
        external_id=listing.external_id,
        status=listing.status,
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        **{name: getattr(listing, name) for name in VALUE_FIELDS},
    )


def _apply_once(changes, cleaned, *, actor, now):
    wanted = [changes[i] for i in cleaned]
    store_ids = {c.store_public_id for c in wanted if c.store_public_id is not None}
    _stores_share_lock(store_ids)
    stores = {
        store.public_id: store for store in Store.objects.select_related("merchant").filter(public_id__in=store_ids)
    }
    # Locked in id order, as takedowns.listing_sync locks them: a listing's status recomputed at this
    # moment waits for this transaction, and two writers of the same listings cannot deadlock.
    listings = {
        listing.external_id: listing
        for listing in Listing.objects.select_for_update(of=("self",))
        .annotate(merchant_organisation_id=F("store__merchant__organisation_id"))
        .filter(external_id__in=[c.external_id for c in wanted])
        .order_by("pk")
    }
    plan = _Plan()
    for index, values in cleaned.items():
        change = changes[index]
        _plan_row(
            plan,
            index,
            change,
            values,
            listing=listings.get(change.external_id),
            stores=stores,
            now=now,
        )
    if plan.create:
        # A plain insert: a listing another request created since the read above fails the unique
        # constraint, and the caller plans again, instead of overwriting it unchecked.
        Listing.objects.bulk_create([listing for _, listing in plan.create])
    # Every one of these exists and is locked: the conflict clause turns each insert into an update of
    # the values that changed, one statement per set of changed fields (a feed of new prices is one);
    # a price alone touches no indexed column, so PostgreSQL updates the row in place (HOT). The rows
    # inserted carry no id and a fresh public id, so the external id is the only unique value that can
    # conflict (SQLite checks the others first).
    by_fields = defaultdict(list)
    for _, listing, changed in plan.update:
        by_fields[tuple(sorted(changed))].append(listing)
    for fields, group in by_fields.items():
        Listing.objects.bulk_create(
            [_upsert_row(listing) for listing in group],
            update_conflicts=True,
            unique_fields=["external_id"],
            update_fields=[*fields, "updated_at"],
        )
    if plan.remove:
        Listing.objects.filter(pk__in=[listing.pk for _, listing, _ in plan.remove]).update(
            status=ListingStatus.REMOVED, updated_at=now
        )
        for _, listing, _ in plan.remove:
            listing.status, listing.updated_at = ListingStatus.REMOVED, now
    merchant_orgs = {store.pk: store.merchant.organisation_id for store in stores.values()}
    merchant_orgs.update({listing.store_id: listing.merchant_organisation_id for listing in listings.values()})
    AuditLogEntry.objects.bulk_create(_audit_entries(plan, actor=actor, merchant_orgs=merchant_orgs))
    outcomes = [RowOutcome(i, listing, ListingOutcome.CREATED) for i, listing in plan.create]
    outcomes += [RowOutcome(i, listing, ListingOutcome.UPDATED) for i, listing, _ in plan.update]
    outcomes += [RowOutcome(i, listing, ListingOutcome.REMOVED) for i, listing, _ in plan.remove]
    outcomes += [RowOutcome(i, listing, ListingOutcome.UNCHANGED) for i, listing in plan.unchanged]
    return outcomes, plan.errors


def listings_apply(changes, *, actor=None, now=None, max_rows=MAX_ROWS):
    """Apply ``changes`` (a list of ListingChange); the valid rows are written, each bad row reported.

    Returns ListingsApplied: ``outcomes`` (index, listing, created / updated /
    unchanged / removed) and ``errors`` (index, field, code, message), both in row
    order. More than ``max_rows`` rows is refused whole (a ValueError: the caller
    bounds its input). Runs in one transaction (the caller's, if any).
    """
    if len(changes) > max_rows:
        raise ValueError(f"At most {max_rows} listings at a time.")
    now = now or timezone.now()
    cleaned, errors = _check_rows(changes)
    outcomes, row_errors = [], []
    if cleaned:
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    outcomes, row_errors = _apply_once(changes, cleaned, actor=actor, now=now)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        # Every listing created or changed is screened (issue 11) once this is committed: every value
        # field is one screening reads.
        listings_changed_on_commit([o.listing.pk for o in outcomes if o.outcome == ListingOutcome.CREATED], CREATED)
        listings_changed_on_commit([o.listing.pk for o in outcomes if o.outcome == ListingOutcome.UPDATED], CHANGED)
    return ListingsApplied(
        outcomes=sorted(outcomes, key=lambda o: o.index),
        errors=sorted(errors + row_errors, key=lambda e: e.index),
    )
