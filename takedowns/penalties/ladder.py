"""Penalty points and the escalation ladder (DOMAIN.md "Penalties").

One Penalty per (item, decision generation), created inside the effect's
transaction (effects.effect_run locks the Effect row and marks it done in
the same transaction), so a second run finds the row and does nothing. The
ladder fires only thresholds this penalty *crosses*: the store's live points
before it are read after locking the merchant's stores, so concurrent
penalties for one store queue up and each sees the other's points.

Everything is dated at the decision that upheld the item (``decided``), not
when the worker ran: the points expire 365 days after the decision, a
restriction ends its days after the decision, and points live at the decision
are the ones that count. Only the store's status is computed for the present.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from portal.audit import audit_log_record
from takedowns.models import (
    InfringementType,
    NoticeItem,
    Penalty,
    PublicRegisterEntry,
    RestrictionKind,
    Sanction,
    SanctionKind,
)
from takedowns.penalties.bans import merchant_identities_ban
from takedowns.penalties.decisions import decision_reversed, decision_time
from takedowns.penalties.stores import merchant_stores_lock, store_sanction_apply
from takedowns.reasons import ground_text, statements_write

REPEAT_LEVEL = "repeat"


def live_penalties(store, *, now):
    return Penalty.objects.filter(store=store, reversed_at__isnull=True, expires_at__gt=now)


def _points_window():
    return timedelta(days=settings.PENALTY_POINTS_EXPIRE_DAYS)


def effect_penalise(effect):
    """Award the points of an upheld item and apply every ladder step they cross. Idempotent."""
    generation = effect.payload["generation"]
    item = NoticeItem.objects.select_related("listing__store", "ip_asset", "notice__rights_holder").get(
        pk=effect.item_id
    )
    stores = merchant_stores_lock(item.listing.store.merchant_id)
    if decision_reversed(item.pk, generation):
        # The appeal came first: a reversed decision never earns points.
        return None
    existing = Penalty.objects.filter(item=item, decision_generation=generation).first()
    if existing is not None:
        return existing
    decided = decision_time(item, generation)
    store = next(s for s in stores if s.pk == item.listing.store_id)
    penalty = Penalty.objects.create(
        item=item,
        decision_generation=generation,
        store=store,
        ip_asset=item.ip_asset,
        infringement_type=item.infringement_type,
        points=settings.PENALTY_POINTS.get(item.infringement_type, 0),
        awarded_at=decided,
        expires_at=decided + _points_window(),
    )
    audit_log_record(
        action="takedowns.penalty.awarded",
        obj=penalty,
        organisation=store.merchant.organisation,
        data={"item": item.pk, "generation": generation, "points": penalty.points, "store": store.pk},
    )
    ladder_apply(penalty, item=item, store=store, stores=stores, decided=decided)
    return penalty


def ladder_steps_crossed(penalty, *, store, decided):
    """The ladder steps this penalty crosses: [(kind, level, days)], plus the facts that explain them.

    Points count if they were live when the decision was taken (``decided``).
    """
    before = live_penalties(store, now=decided).exclude(pk=penalty.pk).aggregate(points=Sum("points"))["points"] or 0
    after = before + penalty.points
    steps = [
        (kind, str(threshold), days) for threshold, kind, days in settings.PENALTY_LADDER if before < threshold <= after
    ]
    facts = [f"The store's live penalty points went from {before} to {after}."]
    if penalty.infringement_type == InfringementType.COUNTERFEIT:
        count = Penalty.objects.filter(
            store=store,
            ip_asset_id=penalty.ip_asset_id,
            infringement_type=InfringementType.COUNTERFEIT,
            reversed_at__isnull=True,
            awarded_at__gt=decided - _points_window(),
        ).count()
        # Penalties for one store are applied one at a time (store lock): the count crosses
        # the bar exactly when it equals it.
        if count == settings.PENALTY_REPEAT_INFRINGER_COUNT:
            facts.append(
                f"This is the {count}th upheld counterfeit complaint about the same right "
                f"within {settings.PENALTY_POINTS_EXPIRE_DAYS} days (repeat infringer)."
            )
            if not any(kind == SanctionKind.CLOSURE for kind, _, _ in steps):
                steps.append((SanctionKind.CLOSURE, REPEAT_LEVEL, None))
    return steps, after, facts


def ladder_apply(penalty, *, item, store, stores, decided):
    already_closed = Sanction.objects.filter(store=store, kind=SanctionKind.CLOSURE, reversed_at__isnull=True).exists()
    if already_closed:
        # Closure is the last step; later upheld items still record their points.
        return []
    steps, points, facts = ladder_steps_crossed(penalty, store=store, decided=decided)
    sanctions = []
    statements = {}
    for kind, level, days in steps:
        ends_at = decided + timedelta(days=days) if days else None
        sanction = Sanction.objects.create(
            store=store,
            penalty=penalty,
            kind=kind,
            level=level,
            starts_at=decided,
            ends_at=ends_at,
            deposit_confiscated=store.security_deposit if kind == SanctionKind.CLOSURE else None,
        )
        sanctions.append(sanction)
        audit_log_record(
            action=f"takedowns.sanction.{kind}",
            obj=sanction,
            organisation=store.merchant.organisation,
            data={"penalty": penalty.pk, "item": item.pk, "level": level, "points": points, **_ends(ends_at)},
        )
        if kind == SanctionKind.WARNING:
            statements[RestrictionKind.STORE_WARNING] = None
        elif kind == SanctionKind.RESTRICTION:
            # One statement per decision and restriction kind: it names the longest restriction.
            statements[RestrictionKind.STORE_RESTRICTED] = max(
                filter(None, [statements.get(RestrictionKind.STORE_RESTRICTED), ends_at])
            )
        elif kind == SanctionKind.CLOSURE:
            sanctions.append(_close_and_ban(sanction, store=store, stores=stores, points=points, decided=decided))
            statements[RestrictionKind.STORE_CLOSED] = None
            statements[RestrictionKind.MERCHANT_BANNED] = None
    if statements:
        _statements_write(item, penalty, statements, facts=facts, decided=decided)
    # The store's status is for the present: a restriction whose days are already over
    # (a worker far behind) does not restrict the store now.
    present = timezone.now()
    for each in stores:
        store_sanction_apply(each, now=present, cause=f"penalty {penalty.pk} for item {item.pk}")
    return sanctions


def _ends(ends_at):
    return {"ends_at": ends_at.isoformat()} if ends_at else {}


def _close_and_ban(closure, *, store, stores, points, decided):
    """Closure: deposit confiscated (on the sanction), merchant banned, store on the public register."""
    merchant = store.merchant
    ban = Sanction.objects.create(
        store=store, penalty=closure.penalty, kind=SanctionKind.BAN, level=closure.level, starts_at=decided
    )
    kinds = merchant_identities_ban(ban, merchant=merchant, stores=stores, now=decided)
    if closure.level == REPEAT_LEVEL:
        reason = (
            f"Closed for counterfeiting: {settings.PENALTY_REPEAT_INFRINGER_COUNT} upheld counterfeit complaints "
            f"about the same right within {settings.PENALTY_POINTS_EXPIRE_DAYS} days."
        )
    else:
        counterfeits = live_penalties(store, now=decided).filter(infringement_type=InfringementType.COUNTERFEIT)
        reason = (
            "Closed for repeated infringement of intellectual property rights"
            f"{', counterfeits included' if counterfeits.exists() else ''}: "
            f"{points} penalty points within {settings.PENALTY_POINTS_EXPIRE_DAYS} days."
        )
    PublicRegisterEntry.objects.create(
        store=store,
        sanction=closure,
        store_name=store.name,
        merchant_name=merchant.legal_name,
        region=store.region,
        reason=reason,
        listed_at=decided,
    )
    audit_log_record(
        action="takedowns.sanction.ban",
        obj=ban,
        organisation=merchant.organisation,
        data={
            "closure": closure.pk,
            "deposit_confiscated": str(closure.deposit_confiscated),
            "identities": kinds,
            "stores": [s.pk for s in stores],
        },
    )
    return ban


STATEMENT_TEXT = {
    RestrictionKind.STORE_WARNING: "The store receives a formal warning.",
    RestrictionKind.STORE_RESTRICTED: "The store may not add new listings until {ends}.",
    RestrictionKind.STORE_CLOSED: "The store is closed and its security deposit of {deposit} is confiscated.",
    RestrictionKind.MERCHANT_BANNED: (
        "The merchant is permanently banned: its business licence, phone and payout accounts cannot open another store."
    ),
}


def _statements_write(item, penalty, statements, *, facts, decided):
    store = penalty.store
    points = (
        f"Item {item.pk} was upheld ({item.get_infringement_type_display().lower()}): "
        f"{penalty.points} penalty points, expiring {penalty.expires_at:%Y-%m-%d}."
    )
    specs = []
    for restriction, ends_at in statements.items():
        what = STATEMENT_TEXT[restriction].format(
            ends=f"{ends_at:%Y-%m-%d %H:%M} UTC" if ends_at else "",
            deposit=f"{store.security_deposit} {store.deposit_currency}",
        )
        specs.append(
            {
                "restriction": restriction,
                "ends_at": ends_at,
                "ground": f"{ground_text(item)} Repeated infringements are sanctioned by the penalty ladder "
                "of the marketplace's terms of service.",
                "facts": "\n".join([points, *facts, what]),
                "automated_decision": True,
            }
        )
    # Statements are keyed by the decision they follow from, which is the penalty's generation
    # even if the item has moved on since (the instance is not saved).
    item.decision_generation = penalty.decision_generation
    statements_write(item, specs, now=decided)
