"""Penalty points and the escalation ladder (DOMAIN.md "Penalties"), for one upheld item or a batch.

One Penalty per (item, decision generation), created inside the effects'
transaction (``takedowns.effects`` locks the Effect rows and marks them done in
the same transaction), so a second run finds the row and does nothing. The
ladder fires only thresholds a penalty *crosses*: the store's live points
before it are read after locking the merchants' stores, so concurrent batches
naming one store queue up and each sees the other's points.

A batch is planned in memory, then written with one insert per table. The
stores' penalties are read once (``StoreLedger``) and each penalty of the
batch, in the order its effect was written, is added to its store's ledger
before the next is planned: the second penalty for a store sees the first's
points exactly as if it had been applied alone, before it. One effect is a
batch of one, through the same code (STYLE.md habit 14).

Everything is dated at the decision that upheld the item (``decided``), not
when the worker ran: the points expire 365 days after the decision, a
restriction ends its days after the decision, and points live at the decision
are the ones that count. Only the store's status is computed for the present.
"""

import copy
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.audit import audit_log_entry
from portal.bulk_insert import bulk_insert
from portal.i18n import record_label
from takedowns.models import (
    InfringementType,
    NoticeItem,
    Penalty,
    PublicRegisterEntry,
    RestrictionKind,
    Sanction,
    SanctionKind,
)
from takedowns.penalties.bans import banned_identities_insert, banned_identity_rows
from takedowns.penalties.decisions import decision_times, decisions_reversed
from takedowns.penalties.points import penalty_live_at
from takedowns.penalties.stores import merchants_stores_lock, stores_sanction_apply
from takedowns.reasons import ground_text, statement_rows
from takedowns.recorded import penalties as penalty_texts

REPEAT_LEVEL = "repeat"


def _points_window():
    return timedelta(days=settings.PENALTY_POINTS_EXPIRE_DAYS)


class StoreLedger:
    """The unreversed penalties of some stores and which of them a closure holds, read once for a batch.

    Every question the ladder asks about a store's record is answered here, from
    the rows read and the penalties the batch added since (``add``), so a batch
    sees what applying its penalties one at a time would have seen.
    """

    def __init__(self, store_ids, *, since):
        """Read the stores' penalties that can count for a decision taken at ``since`` or later."""
        self.penalties = {store_id: [] for store_id in store_ids}
        rows = Penalty.objects.filter(store_id__in=self.penalties, reversed_at__isnull=True).filter(
            Q(expires_at__gt=since) | Q(awarded_at__gt=since - _points_window())
        )
        for penalty in rows.order_by("pk"):
            self.penalties[penalty.store_id].append(penalty)
        self.closed = set(
            Sanction.objects.filter(store_id__in=self.penalties, kind=SanctionKind.CLOSURE, reversed_at__isnull=True)
            .order_by()
            .values_list("store_id", flat=True)
        )

    def add(self, penalty):
        self.penalties[penalty.store_id].append(penalty)

    def live_points(self, store_id, *, at, excluding=None):
        """The store's points live at ``at`` (those expiring after it), ``excluding`` one penalty."""
        return sum(p.points for p in self.penalties[store_id] if penalty_live_at(p, at=at) and p is not excluding)

    def counterfeits_of_right(self, store_id, ip_asset_id, *, decided):
        """Counterfeit penalties of the store on one right awarded within the points window before ``decided``."""
        return sum(
            1
            for p in self.penalties[store_id]
            if p.ip_asset_id == ip_asset_id
            and p.infringement_type == InfringementType.COUNTERFEIT
            and p.awarded_at > decided - _points_window()
        )

    def has_live_counterfeits(self, store_id, *, at):
        return any(
            penalty_live_at(p, at=at) and p.infringement_type == InfringementType.COUNTERFEIT
            for p in self.penalties[store_id]
        )


def ladder_steps_crossed(penalty, *, ledger, decided):
    """The ladder steps this penalty crosses: [(kind, level, days)], plus the facts that explain them.

    Points count if they were live when the decision was taken (``decided``). The
    penalty is in ``ledger`` already.
    """
    before = ledger.live_points(penalty.store_id, at=decided, excluding=penalty)
    after = before + penalty.points
    steps = [
        (kind, str(threshold), days) for threshold, kind, days in settings.PENALTY_LADDER if before < threshold <= after
    ]
    facts = [penalty_texts.POINTS_WENT % {"before": before, "after": after}]
    if penalty.infringement_type == InfringementType.COUNTERFEIT:
        count = ledger.counterfeits_of_right(penalty.store_id, penalty.ip_asset_id, decided=decided)
        # Penalties for one store are planned one at a time, in order: the count crosses the bar
        # exactly when it equals it.
        if count == settings.PENALTY_REPEAT_INFRINGER_COUNT:
            facts.append(penalty_texts.REPEAT_INFRINGER % {"count": count, "days": settings.PENALTY_POINTS_EXPIRE_DAYS})
            if not any(kind == SanctionKind.CLOSURE for kind, _, _ in steps):
                steps.append((SanctionKind.CLOSURE, REPEAT_LEVEL, None))
    return steps, after, facts


@dataclass
class _Award:
    """A penalty planned for one upheld item, and the ladder steps it crosses."""

    effect_id: int
    item: NoticeItem
    store: object
    stores: list  # every store of the merchant, locked
    decided: object
    penalty: Penalty
    steps: list = field(default_factory=list)  # (kind, level, days)
    points: int = 0
    facts: list = field(default_factory=list)
    # Whether counterfeit points were among the live ones when a closure came (its register entry says so).
    counterfeits_live: bool = False
    sanctions: list = field(default_factory=list)  # (step's Sanction, its ban or None)


def effects_penalise(effects):
    """Award the points of upheld items and apply every ladder step they cross. Idempotent; one effect or many.

    Returns {effect id: its Penalty (made now or before), or None if the decision was reversed}.
    """
    effects = sorted(effects, key=lambda effect: effect.pk)
    items = (
        NoticeItem.objects.select_related("listing__store", "ip_asset", "notice__rights_holder")
        .order_by()
        .in_bulk({effect.item_id for effect in effects})
    )
    decisions = [(effect, items[effect.item_id], effect.payload["generation"]) for effect in effects]
    stores = merchants_stores_lock({item.listing.store.merchant_id for _, item, _ in decisions})
    # The appeal came first: a reversed decision never earns points.
    reversed_ = decisions_reversed({(item.pk, generation) for _, item, generation in decisions})
    existing = {
        (p.item_id, p.decision_generation): p
        for p in Penalty.objects.filter(item_id__in={item.pk for _, item, _ in decisions}).order_by()
    }
    results = {}
    todo = []
    for effect, item, generation in decisions:
        if (item.pk, generation) in reversed_:
            results[effect.pk] = None
        elif (item.pk, generation) in existing:
            results[effect.pk] = existing[item.pk, generation]
        else:
            todo.append((effect, item, generation))
    if not todo:
        return results
    decided = decision_times([(item, generation) for _, item, generation in todo])
    ledger = StoreLedger({item.listing.store_id for _, item, _ in todo}, since=min(decided.values()))
    awards = []
    for effect, item, generation in todo:
        when = decided[item.pk, generation]
        merchant_stores = stores[item.listing.store.merchant_id]
        store = next(s for s in merchant_stores if s.pk == item.listing.store_id)
        penalty = Penalty(
            item=item,
            decision_generation=generation,
            store=store,
            ip_asset=item.ip_asset,
            infringement_type=item.infringement_type,
            points=settings.PENALTY_POINTS.get(item.infringement_type, 0),
            awarded_at=when,
            expires_at=when + _points_window(),
        )
        award = _Award(effect.pk, item, store, merchant_stores, when, penalty)
        ledger.add(penalty)
        # Closure is the last step; later upheld items still record their points.
        if store.pk not in ledger.closed:
            award.steps, award.points, award.facts = ladder_steps_crossed(penalty, ledger=ledger, decided=when)
            if any(kind == SanctionKind.CLOSURE for kind, _, _ in award.steps):
                ledger.closed.add(store.pk)
                award.counterfeits_live = ledger.has_live_counterfeits(store.pk, at=when)
        awards.append(award)
        results[effect.pk] = penalty
    _awards_write(awards)
    return results


def effect_penalise(effect):
    """Award the points of one upheld item (``effects_penalise`` of one). Returns its Penalty or None."""
    return effects_penalise([effect])[effect.pk]


def _awards_write(awards):
    """Write the planned penalties and everything they cause: one insert per table for the whole batch."""
    bulk_insert([award.penalty for award in awards])
    for award in awards:
        for kind, level, days in award.steps:
            ends_at = award.decided + timedelta(days=days) if days else None
            sanction = Sanction(
                store=award.store,
                penalty=award.penalty,
                kind=kind,
                level=level,
                starts_at=award.decided,
                ends_at=ends_at,
                deposit_confiscated=award.store.security_deposit if kind == SanctionKind.CLOSURE else None,
            )
            ban = None
            if kind == SanctionKind.CLOSURE:
                # Closure: deposit confiscated (on the sanction), merchant banned, store on the public register.
                ban = Sanction(
                    store=award.store,
                    penalty=award.penalty,
                    kind=SanctionKind.BAN,
                    level=level,
                    starts_at=award.decided,
                )
            award.sanctions.append((sanction, ban))
    bulk_insert([row for award in awards for pair in award.sanctions for row in pair if row is not None])
    entries, identities, register, statements = [], [], [], []
    for award in awards:
        store, penalty, item = award.store, award.penalty, award.item
        organisation = store.merchant.organisation
        entries.append(
            audit_log_entry(
                action="takedowns.penalty.awarded",
                obj=penalty,
                organisation=organisation,
                data={
                    "item": item.pk,
                    "generation": penalty.decision_generation,
                    "points": penalty.points,
                    "store": store.pk,
                },
            )
        )
        restrictions = {}
        for sanction, ban in award.sanctions:
            entries.append(
                audit_log_entry(
                    action=f"takedowns.sanction.{sanction.kind}",
                    obj=sanction,
                    organisation=organisation,
                    data={
                        "penalty": penalty.pk,
                        "item": item.pk,
                        "level": sanction.level,
                        "points": award.points,
                        **_ends(sanction.ends_at),
                    },
                )
            )
            if sanction.kind == SanctionKind.WARNING:
                restrictions[RestrictionKind.STORE_WARNING] = None
            elif sanction.kind == SanctionKind.RESTRICTION:
                # One statement per decision and restriction kind: it names the longest restriction.
                restrictions[RestrictionKind.STORE_RESTRICTED] = max(
                    filter(None, [restrictions.get(RestrictionKind.STORE_RESTRICTED), sanction.ends_at])
                )
            elif sanction.kind == SanctionKind.CLOSURE:
                rows = banned_identity_rows(ban, merchant=store.merchant, stores=award.stores, now=award.decided)
                identities += rows
                register.append(_register_entry(sanction, award))
                entries.append(
                    audit_log_entry(
                        action="takedowns.sanction.ban",
                        obj=ban,
                        organisation=organisation,
                        data={
                            "closure": sanction.pk,
                            "deposit_confiscated": str(sanction.deposit_confiscated),
                            "identities": sorted({row.kind for row in rows}),
                            "stores": [s.pk for s in award.stores],
                        },
                    )
                )
                restrictions[RestrictionKind.STORE_CLOSED] = None
                restrictions[RestrictionKind.MERCHANT_BANNED] = None
        if restrictions:
            statements += _statement_rows(award, restrictions)
    if identities:
        banned_identities_insert(identities)
    if register:
        bulk_insert(register)
    if statements:
        # One statement per decision and restriction (unique): one already written stays.
        bulk_insert(statements, ignore_conflicts=True)
    # The stores' status is for the present: a restriction whose days are already over
    # (a worker far behind) does not restrict the store now. Every store of each merchant:
    # a closure bans them all. Once for the batch, after all of its penalties: a store that
    # a batch takes from a warning to a closure is audited as closed, by the penalties named.
    causes = {}
    for award in awards:
        for each in award.stores:
            causes.setdefault(each.pk, []).append(f"penalty {award.penalty.pk} for item {award.item.pk}")
    all_stores = list({each.pk: each for award in awards for each in award.stores}.values())
    stores_sanction_apply(
        all_stores,
        now=timezone.now(),
        causes={pk: _cause(texts) for pk, texts in causes.items()},
        audit_entries=entries,
    )
    bulk_insert(entries)


def _cause(texts, shown=5):
    if len(texts) <= shown:
        return ", ".join(texts)
    return f"{', '.join(texts[:shown])} and {len(texts) - shown} more penalties"


def _ends(ends_at):
    return {"ends_at": ends_at.isoformat()} if ends_at else {}


def _register_entry(closure, award):
    """The store's public register entry for ``closure``, with the reason it was closed."""
    store = award.store
    days = settings.PENALTY_POINTS_EXPIRE_DAYS
    if closure.level == REPEAT_LEVEL:
        reason = penalty_texts.CLOSED_FOR_COUNTERFEITING % {
            "count": settings.PENALTY_REPEAT_INFRINGER_COUNT,
            "days": days,
        }
    elif award.counterfeits_live:
        reason = penalty_texts.CLOSED_FOR_POINTS_COUNTERFEITS % {"points": award.points, "days": days}
    else:
        reason = penalty_texts.CLOSED_FOR_POINTS % {"points": award.points, "days": days}
    return PublicRegisterEntry(
        store=store,
        sanction=closure,
        store_name=store.name,
        merchant_name=store.merchant.legal_name,
        region=store.region,
        reason=reason,
        listed_at=closure.starts_at,
    )


def _statement_rows(award, restrictions):
    """The store-level statements of reasons of an award's decision (unsaved), dated at the decision."""
    store, penalty, item = award.store, award.penalty, award.item
    # The records' English, whoever's worker writes them (takedowns.recorded reads them on a page).
    points = penalty_texts.ITEM_UPHELD % {
        "item": item.pk,
        "type": record_label(InfringementType, item.infringement_type).lower(),
        "points": penalty.points,
        "expires": f"{penalty.expires_at:%Y-%m-%d}",
    }
    specs = []
    for restriction, ends_at in restrictions.items():
        what = penalty_texts.RESTRICTION_TEXT[restriction] % {
            "ends": f"{ends_at:%Y-%m-%d %H:%M} UTC" if ends_at else "",
            "deposit": f"{store.security_deposit} {store.deposit_currency}",
        }
        specs.append(
            {
                "restriction": restriction,
                "ends_at": ends_at,
                "ground": penalty_texts.SANCTION_GROUND % {"ground": ground_text(item)},
                "facts": "\n".join([points, *award.facts, what]),
                "automated_decision": True,
            }
        )
    # Statements are keyed by the decision they follow from, which is the penalty's generation
    # even if the item has moved on since (a copy: the item itself is left as it was read).
    decision = copy.copy(item)
    decision.decision_generation = penalty.decision_generation
    return statement_rows(decision, specs, now=award.decided)
