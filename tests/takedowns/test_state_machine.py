"""Property-based test of the item lifecycle: random actions by random actors while the clock moves.

A hypothesis ``RuleBasedStateMachine`` drives a small world (a rights holder
with a verified asset and its owner, a partner whose vetted notices take the
fast track, a merchant with three listings, a reviewer, two senior reviewers
and an outsider from another brand) through every verb of the lifecycle,
the deadline sweep, appeals and the effect runner (one item's effects, or every
item's in one batch, as a sweep's chunk runs them). Refused actions
(TransitionError, PermissionDenied, ValidationError) are normal; they must
leave no trace (no row, no status or version change, no audit entry), and
only the actors in ``MAY`` ever succeed: never the outsider. After every
step, ``every_invariant_holds`` checks:

* every item's status is reachable in lifecycle's transition table; its event
  history starts at '' -> submitted/invalid, each event leaves from where the
  previous one arrived, by an allowed move, and ends at the current status;
  the item's version counts its moves;
* each event's action made the move the table gives that action
  (``lifecycle.TRANSITIONS``, ``lifecycle.CREATIONS``), and a decided item
  moved only by a reversed appeal on it or by a quality audit's reversal;
* every move has exactly one notify effect; no effect twice per (kind, key);
* penalties: one penalise effect per entry into upheld, one reverse_penalty
  per reversal out of it; at most one Penalty per (item, generation) and one
  unreversed per item, which exists exactly while the item is upheld (once
  its effects ran); an upheld item has its statement of reasons;
* listings (oracle written from DOMAIN.md, not the implementation's own
  function): once its listing effects ran, a listing is taken down while an
  item on it is upheld or on the fast track and not yet decided, under
  complaint while a standard-track item's window runs, live otherwise;
* store sanctions: DOMAIN.md's penalty ladder replayed over the penalties in
  the order they were applied (points by type, 365-day expiry, the ladder's
  steps and the repeat-infringer closure, nothing after a closure, reversed
  penalties' sanctions reversed and register entries removed) gives exactly
  the store's sanctions, dated at the decisions, and its status; the test
  sets a ladder with closer steps so a few upheld items climb it;
* reimbursements: one live record per order of a listing exactly while a
  counterfeit item on it is upheld, for the order's amount;
* appeals are decided by senior reviewers only.

The sweep rule also checks that nothing due is left behind, and running an
item's effects twice does nothing the second time. Notices hold one to three
items and the sweep runs with batches of 1, 2 or the default: on PostgreSQL
the filing and the sweep take their set-based paths, and the test checks
that both did (the filing with several items in one statement).

The machine is sequential: one step at a time in one process. Races (two
reviewers, a sweep beside a counter-notice, workers killed mid-batch) are
the concurrency tests' job (``test_concurrency.py``, ``test_penalty_worker_kill.py``).

Each example runs inside a savepoint of the test's transaction (what
``django.test.TestCase`` does per test), rolled back in ``teardown``, so the
world is built once per test and every example starts from it clean. The
savepoint is taken with ``transaction.savepoint()``, not ``atomic()``: the
verbs' transactions are durable and refuse to nest in an ``atomic`` block
other than the test case's own. The
wall clock is frozen with time-machine and moved by the ``advance_clock``
rule; the verbs also get ``now=`` so both agree.
"""

import os
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from listings.models import Listing, ListingStatus, Order, Store, StoreStatus
from portal.errors import DomainError, TransitionError
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import Partner, PartnerKind
from takedowns import appeals, lifecycle
from takedowns.effects import items_effects_run
from takedowns.lifecycle import ALLOWED_MOVES, CREATIONS, TRANSITIONS
from takedowns.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Appeal,
    AppealStatus,
    CounterNotice,
    Effect,
    EffectKind,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    Penalty,
    PublicRegisterEntry,
    Reimbursement,
    RestrictionKind,
    RightsHolderReply,
    Sanction,
    SanctionKind,
    StatementOfReasons,
    Track,
)
from takedowns.notices import notice_submit
from takedowns.sweep import deadlines_sweep
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice, run_on_commit

S = ItemStatus
EXPECTED_ERRORS = (DomainError, PermissionDenied, ValidationError)
FIRST_STATUSES = set(CREATIONS.values())
LISTING_EFFECTS = {EffectKind.DELIST, EffectKind.REINSTATE, EffectKind.MARK_UNDER_COMPLAINT}
PENALTY_EFFECTS = {EffectKind.PENALISE, EffectKind.REVERSE_PENALTY}
# DOMAIN.md: the windows during which a listing is under complaint (standard track) or down (fast track).
WINDOW_STATUSES = {S.AWAITING_COUNTER_NOTICE, S.COUNTER_NOTICED, S.PENDING_ADJUDICATION}
ACTORS = ("owner", "partner_user", "merchant_user", "reviewer", "senior_1", "senior_2", "outsider")
REVIEWERS = {"reviewer", "senior_1", "senior_2"}
SENIORS = {"senior_1", "senior_2"}
HOLDER_SIDE = {"owner", "partner_user"}
# Who may ever succeed at each action; anyone else must be refused.
MAY = {
    "file": HOLDER_SIDE,
    "accept": REVIEWERS,
    "reject": REVIEWERS,
    "uphold": REVIEWERS,
    "dismiss": REVIEWERS,
    "counter_notice": {"merchant_user"},
    "reply": HOLDER_SIDE,
    "withdraw": HOLDER_SIDE,
    "appeal": HOLDER_SIDE | {"merchant_user"},
    "decide_appeal": SENIORS,
    "audit_reverse": REVIEWERS,
}


def _reachable():
    seen, todo = set(FIRST_STATUSES), list(FIRST_STATUSES)
    while todo:
        for nxt in ALLOWED_MOVES[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


REACHABLE = _reachable()

# Which move each action's event may record: the table's, plus the creations ('' -> first status).
ACTION_MOVES = {action: (set(t.sources), t.target) for action, t in TRANSITIONS.items()}
for _action, _status in CREATIONS.items():
    ACTION_MOVES.setdefault(_action, (set(), _status))[0].add("")
# An index into the candidates, and whether to pick among those the action fits (else among all).
PICK = st.tuples(st.integers(0, 50), st.sampled_from([True, True, True, False]))


def actor_for(action):
    """Mostly someone who may do it, else anyone (the outsider included)."""
    right = st.sampled_from(sorted(MAY[action]))
    return st.one_of(right, right, st.sampled_from(ACTORS))


COUNTER_NOTICE = {
    "statement": "Genuine stock bought from the brand's distributor; invoice attached.",
    "signature": "Mo Merchant",
    "contact_name": "Mo Merchant",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "mo@shop.test",
    "accuracy_statement": True,
    "good_faith_mistake_statement": True,
    "consent_to_jurisdiction": True,
    "consent_to_service": True,
}


class World:
    """Built once per test; every example of the machine starts from it."""

    def __init__(self):
        brand = factories.RightsHolderFactory(legal_name="Brand A")
        self.rights_holder = brand
        self.asset = factories.IPAssetFactory(rights_holder=brand, name="ACME")
        partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Fake Association")
        self.partner = Partner.objects.create(
            organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True
        )
        self.partner.vetted_rights_holders.add(brand)
        merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
        self.store = store = factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))
        self.listings = [factories.ListingFactory(store=store, title=f"ACME sneakers {n}") for n in range(3)]
        factories.OrderFactory(listing=self.listings[0])
        outsider_brand = factories.RightsHolderFactory(legal_name="Brand B")
        self.actors = {
            "owner": factories.member_of(brand.organisation, role="owner"),
            "partner_user": factories.member_of(partner_org),
            "merchant_user": factories.member_of(merchant_org, role="owner"),
            "reviewer": factories.UserFactory(),
            "senior_1": factories.UserFactory(),
            "senior_2": factories.UserFactory(),
            "outsider": factories.member_of(outsider_brand.organisation, role="owner"),
        }
        self.actors["reviewer"].groups.add(Group.objects.get(name="reviewer"))
        for name in SENIORS:
            self.actors[name].groups.add(Group.objects.get(name="senior_reviewer"))
        # The organisation each actor files for, as the filing form asks (None: the reviewers have none).
        self.organisations = {
            name: membership.organisation if (membership := user.memberships.first()) else None
            for name, user in self.actors.items()
        }


class LifecycleMachine(RuleBasedStateMachine):
    world: World = None  # set by the test before the run
    # What the whole run reached, over all examples: (action, outcome) and moves (from, to).
    reached: Counter = None

    def __init__(self):
        super().__init__()
        self.w = type(self).world
        # One savepoint per example, rolled back in teardown: TestCase isolation per example.
        self._savepoint = transaction.savepoint()
        self.now = timezone.now().replace(microsecond=0)
        self._traveller = time_machine.travel(self.now, tick=False)
        self._clock = self._traveller.start()
        self.item_ids = []
        # Refreshed by the invariant after every step; preconditions read them instead of querying.
        self.statuses = {}
        self.open_appeals = False
        self.pending_effects = False

    def teardown(self):
        for move in ItemEvent.objects.values_list("from_status", "to_status"):
            self.reached[move] += 1
        try:
            self._traveller.stop()
        finally:
            transaction.savepoint_rollback(self._savepoint)

    # --- helpers ------------------------------------------------------------

    def _trace(self):
        """Everything a refused action must leave untouched (row counts in one query)."""
        counted = [Notice, ItemEvent, Effect, CounterNotice, RightsHolderReply, StatementOfReasons, Penalty]
        counted += [Appeal, AuditLogEntry]
        sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {m._meta.db_table})" for m in counted)  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql)
            counts = cursor.fetchone()
        return (
            counts,
            list(NoticeItem.objects.order_by("pk").values_list("pk", "status", "version", "decision_generation")),
            list(Appeal.objects.order_by("pk").values_list("pk", "status")),
            list(Listing.objects.order_by("pk").values_list("pk", "status")),
        )

    def _attempt(self, action, actor_name, func, **kwargs):
        """Call a verb; a refusal must leave no trace, a success must come from an actor who may do it."""
        before = self._trace()
        try:
            result = func(**kwargs)
        except EXPECTED_ERRORS as exc:
            after = self._trace()
            assert after == before, f"{action} by {actor_name} was refused ({exc!r}) but left a trace"
            event(f"{action}: refused ({type(exc).__name__})")
            self.reached[(action, "refused", actor_name, str(exc)[:60])] += 1
            return None
        assert actor_name != "outsider", f"the outsider succeeded at {action}"
        assert actor_name in MAY[action], f"{actor_name} succeeded at {action}"
        event(f"{action}: done")
        self.reached[(action, "done")] += 1
        return result

    def _item(self, pick, statuses):
        """An item: mostly one the verb fits (``statuses``), sometimes any, to exercise refusals."""
        number, fitting = pick
        ids = sorted(pk for pk, status in self.statuses.items() if status in statuses) if fitting else self.item_ids
        return ids[number % len(ids)] if ids else None

    def _any(self, statuses):
        """Some item is in one of ``statuses``: the rule has something to work on (skip wasted steps)."""
        return any(status in statuses for status in self.statuses.values())

    def _run_effects(self, item_ids):
        """Run the items' pending effects as a worker would, in batches; returns how many ran."""
        return items_effects_run(item_ids)

    # --- rules ----------------------------------------------------------------

    @initialize(listings=st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True), fast=st.booleans())
    def first_notice(self, listings, fast):
        """Every example starts with one notice of one to three counterfeit items, standard or fast track."""
        self.file_notice(
            actor="partner_user" if fast else "owner",
            lines=[(listing, "counterfeit") for listing in listings],
            via_partner=False,
        )

    @rule(
        actor=actor_for("file"),
        # One to three items; the same listing twice in a notice makes the filing go item by item.
        lines=st.lists(
            st.tuples(st.integers(0, 2), st.sampled_from(["counterfeit", "copyright", "trademark_misuse"])),
            min_size=1,
            max_size=3,
        ),
        via_partner=st.sampled_from([False, False, False, True]),
    )
    def file_notice(self, actor, lines, via_partner):
        user = self.w.actors[actor]
        # The partner always files through its vetting programme (fast track); others may claim it and fail.
        partner = self.w.partner if (actor == "partner_user" or via_partner) else None
        receipt = self._attempt(
            "file",
            actor,
            notice_submit,
            actor=user,
            rights_holder=self.w.rights_holder,
            data=dict(NOTICE_DATA),
            drafts=[draft(self.w.listings[n], self.w.asset, infringement_type=kind) for n, kind in lines],
            # Filed as the actor's own organisation: the brand's for its owner, refused for anyone else's.
            acting_organisation=None if partner else self.w.organisations[actor],
            partner=partner,
            now=self.now,
        )
        if receipt is not None:
            items = receipt.accepted + receipt.invalid
            assert len(items) + len(receipt.refused) == len(lines), receipt
            expected = S.AWAITING_COUNTER_NOTICE if partner else S.PENDING_REVIEW
            for item in items:
                self.item_ids.append(item.pk)
                assert item.status in {expected, S.INVALID}
                event(f"filed: {item.status}")

    @precondition(lambda self: self._any([S.PENDING_REVIEW]))
    @rule(actor=actor_for("accept"), pick=PICK)
    def accept(self, actor, pick):
        if (item_id := self._item(pick, [S.PENDING_REVIEW])) is not None:
            self._attempt(
                "accept", actor, lifecycle.notice_item_accept, item_id=item_id, actor=self.w.actors[actor], now=self.now
            )

    @precondition(lambda self: self._any([S.PENDING_REVIEW]))
    @rule(
        actor=actor_for("reject"), pick=PICK, reason=st.sampled_from(["", "Not substantiated.", "Not substantiated."])
    )
    def reject(self, actor, pick, reason):
        if (item_id := self._item(pick, [S.PENDING_REVIEW])) is not None:
            self._attempt(
                "reject",
                actor,
                lifecycle.notice_item_reject,
                item_id=item_id,
                actor=self.w.actors[actor],
                reason=reason,
                now=self.now,
            )

    @precondition(lambda self: self._any([S.AWAITING_COUNTER_NOTICE]))
    @rule(actor=actor_for("counter_notice"), pick=PICK, complete=st.sampled_from([True, True, False]))
    def counter_notice(self, actor, pick, complete):
        if (item_id := self._item(pick, [S.AWAITING_COUNTER_NOTICE])) is not None:
            fields = dict(COUNTER_NOTICE) if complete else {**COUNTER_NOTICE, "statement": ""}
            self._attempt(
                "counter_notice",
                actor,
                lifecycle.notice_item_counter_notice,
                item_id=item_id,
                actor=self.w.actors[actor],
                counter_notice_fields=fields,
                now=self.now,
            )

    @precondition(lambda self: self._any([S.COUNTER_NOTICED]))
    @rule(actor=actor_for("reply"), pick=PICK)
    def reply(self, actor, pick):
        if (item_id := self._item(pick, [S.COUNTER_NOTICED])) is not None:
            self._attempt(
                "reply",
                actor,
                lifecycle.notice_item_reply,
                item_id=item_id,
                actor=self.w.actors[actor],
                statement="The invoice is forged; our distributor never sold to this store.",
                now=self.now,
            )

    @precondition(lambda self: self._any(OPEN_STATUSES))
    @rule(actor=actor_for("withdraw"), pick=PICK)
    def withdraw(self, actor, pick):
        if (item_id := self._item(pick, OPEN_STATUSES)) is not None:
            self._attempt(
                "withdraw",
                actor,
                lifecycle.notice_item_withdraw,
                item_id=item_id,
                actor=self.w.actors[actor],
                now=self.now,
            )

    @precondition(lambda self: self._any([S.PENDING_ADJUDICATION]))
    @rule(actor=actor_for("uphold"), pick=PICK, reason=st.sampled_from(["", "Counterfeit.", "Counterfeit."]))
    def uphold(self, actor, pick, reason):
        if (item_id := self._item(pick, [S.PENDING_ADJUDICATION])) is not None:
            self._attempt(
                "uphold",
                actor,
                lifecycle.notice_item_uphold,
                item_id=item_id,
                actor=self.w.actors[actor],
                reason=reason,
                now=self.now,
            )

    @precondition(lambda self: self._any([S.PENDING_ADJUDICATION]))
    @rule(actor=actor_for("dismiss"), pick=PICK, reason=st.sampled_from(["", "Genuine.", "Genuine."]))
    def dismiss(self, actor, pick, reason):
        if (item_id := self._item(pick, [S.PENDING_ADJUDICATION])) is not None:
            self._attempt(
                "dismiss",
                actor,
                lifecycle.notice_item_dismiss,
                item_id=item_id,
                actor=self.w.actors[actor],
                reason=reason,
                now=self.now,
            )

    @precondition(lambda self: self._any(lifecycle.AUDIT_REVERSIBLE))
    @rule(actor=actor_for("audit_reverse"), pick=PICK, reason=st.sampled_from(["", "Genuine.", "Genuine."]))
    def audit_reverse(self, actor, pick, reason):
        """A quality audit reverses a takedown; refused for standard-track items, which the pick also hits."""
        if (item_id := self._item(pick, lifecycle.AUDIT_REVERSIBLE)) is not None:
            self._attempt(
                "audit_reverse",
                actor,
                lifecycle.notice_item_audit_reverse,
                item_id=item_id,
                actor=self.w.actors[actor],
                reason=reason,
                now=self.now,
            )

    @rule(batch_size=st.sampled_from([1, 2, None]))
    def sweep(self, batch_size):
        self._sweep(batch_size)

    def _sweep(self, batch_size=None):
        result = deadlines_sweep(now=self.now, batch_size=batch_size)
        event(f"sweep moved {bool(result.get('upheld') or result.get('reply_lapsed'))}")
        # Nothing due is left behind.
        assert not NoticeItem.objects.filter(
            status=S.AWAITING_COUNTER_NOTICE, counter_notice_deadline__lte=self.now
        ).exists()
        assert not NoticeItem.objects.filter(status=S.COUNTER_NOTICED, reply_deadline__lte=self.now).exists()

    @precondition(lambda self: self._any(appeals.APPEALABLE))
    @rule(actor=actor_for("appeal"), pick=PICK)
    def appeal(self, actor, pick):
        if (item_id := self._item(pick, appeals.APPEALABLE)) is not None:
            self._attempt(
                "appeal",
                actor,
                appeals.appeal_file,
                item_id=item_id,
                actor=self.w.actors[actor],
                statement="The decision overlooked our evidence.",
                now=self.now,
            )

    @precondition(lambda self: self.open_appeals)
    @rule(actor=actor_for("decide_appeal"), pick=PICK, reverse=st.booleans())
    def decide_appeal(self, actor, pick, reverse):
        number, fitting = pick
        appeal_ids = list(
            Appeal.objects.filter(**({"status": AppealStatus.OPEN} if fitting else {}))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not appeal_ids:
            return
        self._attempt(
            "decide_appeal",
            actor,
            appeals.appeal_decide,
            appeal_id=appeal_ids[number % len(appeal_ids)],
            actor=self.w.actors[actor],
            reverse=reverse,
            reason="Reviewed the file again.",
            now=self.now,
        )

    @precondition(lambda self: self.pending_effects)
    @rule(pick=PICK, twice=st.booleans(), together=st.booleans())
    def run_effects(self, pick, twice, together):
        """One item's effects, or every item's in one batch (as the sweep's chunks run them)."""
        number, fitting = pick
        ids = self.item_ids
        if fitting:
            pending = Effect.objects.filter(item_id__in=ids, status__in=[EffectStatus.PENDING, EffectStatus.FAILED])
            ids = sorted(set(pending.values_list("item_id", flat=True)))
        if not ids:
            return
        chosen = ids if together else [ids[number % len(ids)]]
        self._run_effects(chosen)
        if twice:
            before = self._trace()
            assert self._run_effects(chosen) == 0, "a second run of the effects did work again"
            assert self._trace() == before

    # Around the 72 h windows, and now and then past the six-month appeal period.
    @rule(hours=st.sampled_from([1, 2, 6, 12, 24, 48, 73, 96, 24 * 190]))
    def advance_clock(self, hours):
        self._move_clock(self.now + timedelta(hours=hours))

    @rule(minutes=st.sampled_from([-1, 0, 1, 60]), sweep=st.booleans())
    def advance_to_next_deadline(self, minutes, sweep):
        """Move to just before, at, or just after the nearest open window's end, then maybe sweep."""
        deadlines = [
            *NoticeItem.objects.filter(
                status=S.AWAITING_COUNTER_NOTICE, counter_notice_deadline__gt=self.now
            ).values_list("counter_notice_deadline", flat=True),
            *NoticeItem.objects.filter(status=S.COUNTER_NOTICED, reply_deadline__gt=self.now).values_list(
                "reply_deadline", flat=True
            ),
        ]
        if deadlines:
            self._move_clock(max(self.now, min(deadlines) + timedelta(minutes=minutes)))
        if sweep:
            self._sweep()

    def _move_clock(self, to):
        self.now = to
        self._clock.move_to(to)

    # --- invariants -------------------------------------------------------------

    @invariant()
    def every_invariant_holds(self):
        # One load per step (a handful of queries), then pure checks: keeps 900 steps fast on PostgreSQL.
        items = list(NoticeItem.objects.values_list("pk", "status", "version", "decision_generation"))
        self.statuses = {pk: status for pk, status, _, _ in items}
        facts = list(NoticeItem.objects.values_list("pk", "status", "track", "listing_id", "infringement_type"))
        events, effects = defaultdict(list), defaultdict(list)
        appeal_rows = list(Appeal.objects.values_list("pk", "item_id", "status"))
        self.open_appeals = any(status == AppealStatus.OPEN for _, _, status in appeal_rows)
        reversed_appeals = {(pk, item_id) for pk, item_id, status in appeal_rows if status == AppealStatus.REVERSED}
        for item_id, pk, from_status, to_status, action, data in ItemEvent.objects.order_by("id").values_list(
            "item_id", "pk", "from_status", "to_status", "action", "data"
        ):
            events[item_id].append((pk, from_status, to_status))
            froms, to = ACTION_MOVES[action]
            assert from_status in froms and to_status == to, f"event {pk}: {action} moved {from_status} -> {to_status}"
            if from_status in FINAL_STATUSES and action != "audit_reversed":
                # A decided item moves only by a reversed appeal on it (or a quality audit's reversal).
                assert (data.get("appeal"), item_id) in reversed_appeals, f"event {pk}: {action} without an appeal"
        for item_id, kind, key, status in Effect.objects.values_list("item_id", "kind", "key", "status"):
            effects[item_id].append((kind, key, status))
        self.pending_effects = any(status != EffectStatus.DONE for rows in effects.values() for _, _, status in rows)
        penalties = list(Penalty.objects.values_list("item_id", "decision_generation", "reversed_at"))
        statements = set(StatementOfReasons.objects.values_list("item_id", "decision_generation", "restriction"))
        for item_id, status, version, generation in items:
            self._check_history(item_id, status, version, events[item_id])
            self._check_notifications(item_id, events[item_id], effects[item_id])
            self._check_penalty(item_id, status, generation, effects[item_id], penalties, statements)
        self._check_listings(facts)
        self._check_store_sanctions(effects)
        self._check_reimbursements(facts, effects)
        self._check_appeals()

    def _check_history(self, item_id, status, version, history):
        """The table allows the status, and the event history replays to it move by allowed move."""
        assert status in REACHABLE, f"item {item_id} is {status}, which the table cannot reach"
        assert history, f"item {item_id} has no events"
        _, first_from, first_to = history[0]
        assert first_from == "" and first_to in FIRST_STATUSES, f"item {item_id} starts with {history[0]}"
        current = first_to
        for _, from_status, to_status in history[1:]:
            assert from_status == current, f"item {item_id}: event from {from_status} after {current}"
            assert to_status in ALLOWED_MOVES[from_status], f"item {item_id}: {from_status} -> {to_status}"
            current = to_status
        assert current == status, f"item {item_id}: history ends at {current}, item is {status}"
        # Every move bumps the version once: no status was written without its event.
        assert version == len(history) - 1, f"item {item_id}: version {version}, {len(history)} events"

    def _check_notifications(self, item_id, history, effects):
        """Every move (not the creation) is told to the parties by exactly one notify effect."""
        told = sorted(key for kind, key, _ in effects if kind == EffectKind.NOTIFY)
        moves = sorted(f"event-{pk}" for pk, from_status, _ in history if from_status)
        assert told == moves, f"item {item_id}: notify effects {told} for moves {moves}"

    def _check_penalty(self, item_id, status, generation, effects, penalties, statements):
        """Never a penalty twice: one per decision, one live per item, and only while upheld."""
        upheld = status == S.UPHELD
        keys = Counter((kind, key) for kind, key, _ in effects)
        assert all(n == 1 for n in keys.values()), f"item {item_id}: duplicate effects {keys}"
        penalise = sum(1 for kind, _, _ in effects if kind == EffectKind.PENALISE)
        reversals = sum(1 for kind, _, _ in effects if kind == EffectKind.REVERSE_PENALTY)
        # Each entry into upheld writes one penalise effect, each reversal out of it one reverse_penalty.
        assert penalise - reversals == int(upheld), (
            f"item {item_id} is {status} with {penalise} penalise and {reversals} reverse_penalty effects"
        )
        mine = [(g, reversed_at) for i, g, reversed_at in penalties if i == item_id]
        assert len({g for g, _ in mine}) == len(mine), f"item {item_id}: two penalties for one decision {mine}"
        live = sum(1 for _, reversed_at in mine if reversed_at is None)
        assert live <= 1, f"item {item_id}: {live} unreversed penalties"
        if upheld:
            assert (EffectKind.PENALISE, f"gen-{generation}") in keys, f"upheld item {item_id} is not penalised"
            assert (item_id, generation, RestrictionKind.LISTING_REMOVED) in statements, (
                f"upheld item {item_id} has no statement of reasons"
            )
        settled = not any(
            kind in {EffectKind.PENALISE, EffectKind.REVERSE_PENALTY} and state != EffectStatus.DONE
            for kind, _, state in effects
        )
        if settled:
            assert live == int(upheld), f"item {item_id} is {status} with {live} live penalties"

    def _check_listings(self, items):
        """Once its listing effects have run, a listing shows what DOMAIN.md's lifecycle says of its items.

        Written from the product brief, not from the implementation: an upheld item's listing
        is taken down; a fast-track item's listing comes down at once and stays down while
        its window, counter-notice and adjudication run (a successful counter-notice, i.e. a
        dismissal, reinstates it); a standard-track item's listing stays live but is marked
        under complaint while the window runs; decided, withdrawn, rejected or invalid items
        hold nothing. Taken down beats under complaint beats live.
        """
        unsettled = set(
            Effect.objects.filter(
                kind__in=LISTING_EFFECTS, status__in=[EffectStatus.PENDING, EffectStatus.FAILED]
            ).values_list("item__listing_id", flat=True)
        )
        wanted = {listing.pk: ListingStatus.LIVE for listing in self.w.listings}
        for _, status, track, listing_id, _ in items:
            if status == S.UPHELD or (track == Track.FAST and status in WINDOW_STATUSES):
                wanted[listing_id] = ListingStatus.TAKEN_DOWN
            elif status in WINDOW_STATUSES and wanted[listing_id] != ListingStatus.TAKEN_DOWN:
                wanted[listing_id] = ListingStatus.UNDER_COMPLAINT
        for listing_id, status in Listing.objects.filter(pk__in=wanted).values_list("pk", "status"):
            if listing_id in unsettled or status == ListingStatus.REMOVED:
                continue  # its last move's listing effect has not run yet; removed listings stay removed
            assert status == wanted[listing_id], (
                f"listing {listing_id} is {status}, its items want {wanted[listing_id]}"
            )

    def _check_store_sanctions(self, effects):
        """The store's sanctions are DOMAIN.md's penalty ladder replayed over its penalties.

        Penalties are applied one at a time (the store lock), in the order of their audit
        entries; each crosses the steps of the configured ladder (DOMAIN.md's defaults: 6
        a warning, 12/24/36 a listing restriction for 7/14/21 days, 48 a closure with the
        deposit confiscated and a ban; the test sets closer steps) between the store's
        live points before it (awarded earlier, not reversed, not expired at its
        decision) and after it. The configured count of unreversed counterfeit penalties
        for the same right within the points window (three by default) closes the store too. Nothing follows a live closure. A
        reversed penalty's sanctions are reversed (removed, not hidden), its register entry
        deleted. Dated at the decision: a sanction starts when its penalty was awarded.
        """
        penalties = {
            row[0]: row
            for row in Penalty.objects.values_list(
                "pk", "item_id", "ip_asset_id", "infringement_type", "points", "awarded_at", "expires_at", "reversed_at"
            )
        }
        upheld_at = defaultdict(set)
        for item_id, at in ItemEvent.objects.filter(to_status=S.UPHELD).values_list("item_id", "at"):
            upheld_at[item_id].add(at)
        for pk, item_id, _, kind, points, awarded_at, expires_at, _ in penalties.values():
            assert points == settings.PENALTY_POINTS[kind], f"penalty {pk}: {points} points for {kind}"
            assert awarded_at in upheld_at[item_id], f"penalty {pk} is not dated at a decision upholding {item_id}"
            assert expires_at == awarded_at + timedelta(days=settings.PENALTY_POINTS_EXPIRE_DAYS)
        order = [
            (action.rsplit(".", 1)[1], object_id)
            for action, object_id in AuditLogEntry.objects.filter(
                action__in=["takedowns.penalty.awarded", "takedowns.penalty.reversed"]
            )
            .order_by("pk")
            .values_list("action", "object_id")
        ]
        window = timedelta(days=settings.PENALTY_POINTS_EXPIRE_DAYS)
        expected, live, closed_by = {}, {}, None
        for what, object_id in order:
            pk = int(object_id)
            _, _, asset, kind, points, awarded_at, _, _ = penalty = penalties[pk]
            if what == "reversed":
                live.pop(pk)
                if closed_by == pk:
                    closed_by = None
                continue
            steps = set()
            if closed_by is None:
                before = sum(p[4] for p in live.values() if p[6] > awarded_at)
                crossed = [(k, str(t), d) for t, k, d in settings.PENALTY_LADDER if before < t <= before + points]
                if kind == "counterfeit":
                    same_right = [p for p in [*live.values(), penalty] if p[2] == asset and p[3] == "counterfeit"]
                    repeat = sum(1 for p in same_right if p[5] > awarded_at - window)
                    if repeat == settings.PENALTY_REPEAT_INFRINGER_COUNT and "closure" not in {
                        k for k, _, _ in crossed
                    }:
                        crossed.append(("closure", "repeat", None))
                for step_kind, level, days in crossed:
                    steps.add((step_kind, level, awarded_at, awarded_at + timedelta(days=days) if days else None))
                    if step_kind == "closure":
                        steps.add(("ban", level, awarded_at, None))
                        closed_by = pk
            expected[pk] = steps
            live[pk] = penalty
        # Penalties still being applied are checked once their effects have run.
        if any(
            kind in PENALTY_EFFECTS and state != EffectStatus.DONE
            for rows in effects.values()
            for kind, _, state in rows
        ):
            return
        assert set(expected) == set(penalties), (
            f"penalties {sorted(penalties)} but audit entries for {sorted(expected)}"
        )
        actual = defaultdict(set)
        sanctions = Sanction.objects.values_list(
            "pk", "penalty_id", "kind", "level", "starts_at", "ends_at", "reversed_at", "deposit_confiscated"
        )
        store = Store.objects.get(pk=self.w.store.pk)
        for pk, penalty_id, kind, level, starts_at, ends_at, reversed_at, deposit in sanctions:
            actual[penalty_id].add((kind, level, starts_at, ends_at))
            penalty_reversed = penalties[penalty_id][7] is not None
            assert (reversed_at is not None) == penalty_reversed, f"sanction {pk}: reversed {reversed_at}"
            if kind == SanctionKind.CLOSURE:
                assert deposit == store.security_deposit, f"closure {pk} confiscated {deposit}"
        for pk in penalties:
            assert actual[pk] == expected[pk], (
                f"penalty {pk}: sanctions {sorted(actual[pk], key=str)}, the ladder says {sorted(expected[pk], key=str)}"
            )
        live_closures = set(
            Sanction.objects.filter(kind=SanctionKind.CLOSURE, reversed_at=None).values_list("pk", flat=True)
        )
        assert set(PublicRegisterEntry.objects.values_list("sanction_id", flat=True)) == live_closures
        # The store's status now: closed while a closure holds, restricted until its latest live
        # restriction ends (lifting waits for the sweep, so an ended one may still show), else active.
        live_sanctions = Sanction.objects.filter(store=store, reversed_at=None)
        until = max(
            (s.ends_at for s in live_sanctions if s.kind == SanctionKind.RESTRICTION and s.ends_at > self.now),
            default=None,
        )
        if live_closures:
            assert store.status == StoreStatus.CLOSED, f"store is {store.status} under a live closure"
        elif until is not None:
            assert (store.status, store.restricted_until) == (StoreStatus.RESTRICTED, until), (
                f"store is {store.status} until {store.restricted_until}, restricted until {until}"
            )
        else:
            assert store.status == StoreStatus.ACTIVE or (
                store.status == StoreStatus.RESTRICTED and store.restricted_until <= self.now
            ), f"store is {store.status} until {store.restricted_until} with no live sanction"

    def _check_reimbursements(self, items, effects):
        """Buyers of an upheld counterfeit listing are owed the order amount: one live record per order.

        A reversal cancels the record; while another upheld counterfeit item names the same
        listing, its buyers are still owed.
        """
        records = list(Reimbursement.objects.values_list("item_id", "order_id", "amount", "cancelled_at"))
        item_listing = {pk: listing_id for pk, _, _, listing_id, _ in items}
        owed = {listing_id for _, status, _, listing_id, kind in items if status == S.UPHELD and kind == "counterfeit"}
        for order_id, listing_id, amount in Order.objects.values_list("pk", "listing_id", "amount"):
            mine = [r for r in records if r[1] == order_id]
            live = [r for r in mine if r[3] is None]
            assert len(live) <= 1, f"order {order_id} has {len(live)} live reimbursements"
            assert all(r[2] == amount for r in mine), f"order {order_id}: reimbursed {mine}, paid {amount}"
            settling = any(
                kind in {EffectKind.REIMBURSE, EffectKind.REVERSE_PENALTY} and state != EffectStatus.DONE
                for item_id, rows in effects.items()
                if item_listing.get(item_id) == listing_id
                for kind, _, state in rows
            )
            if not settling:
                assert bool(live) == (listing_id in owed), (
                    f"order {order_id}: live reimbursements {live}, listing {listing_id} "
                    f"{'has' if listing_id in owed else 'has no'} upheld counterfeit item"
                )

    def _check_appeals(self):
        seniors = {self.w.actors[n].pk for n in SENIORS}
        for decided_by in Appeal.objects.exclude(status=AppealStatus.OPEN).values_list("decided_by", flat=True):
            assert decided_by in seniors


@pytest.mark.django_db
def test_random_lifecycles_keep_every_invariant(settings, monkeypatch):
    # Effects the sweep re-sends run in this process, as a worker would run them.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The same ladder with closer steps (configurable, as DOMAIN.md says), so the few items an
    # example upholds climb it: warnings, restrictions, closures and bans, and their reversals.
    settings.PENALTY_LADDER = [
        (2, "warning", None),
        (4, "restriction", 7),
        (8, "restriction", 14),
        (10, "restriction", 21),
        (12, "closure", None),
    ]
    settings.PENALTY_REPEAT_INFRINGER_COUNT = 2
    LifecycleMachine.world = World()
    LifecycleMachine.reached = reached = Counter()
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        _count_set_paths(monkeypatch, reached)
    try:
        run_state_machine_as_test(
            LifecycleMachine,
            settings=hypothesis_settings(
                # 20 x 40 steps keeps the suite fast; a nightly run hunts longer (README: LIFECYCLE_EXAMPLES=500
                # LIFECYCLE_STEPS=60). Each run draws new examples, so the runs' sum explores the space.
                max_examples=int(os.environ.get("LIFECYCLE_EXAMPLES", 20)),
                stateful_step_count=int(os.environ.get("LIFECYCLE_STEPS", 40)),
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
                database=None,
            ),
        )
        _report_reached(reached)
    finally:
        LifecycleMachine.world = None
    # Both tracks were filed: the brand's own notices wait for a reviewer, the vetted partner's go
    # straight to the merchant (a filing the harness got wrong once left the standard track unreached).
    assert reached[S.SUBMITTED, S.PENDING_REVIEW] and reached[S.SUBMITTED, S.AWAITING_COUNTER_NOTICE], reached
    if on_postgres:
        # The set-based paths (PostgreSQL's) did real work in this run: filings of several items
        # in one statement, and sweeps (several items in one statement in most runs; with
        # LIFECYCLE_REACHED=1 the counts are printed).
        assert reached["set filing", "several items"], reached
        assert reached["set sweep", "several items"] + reached["set sweep", "one item"], reached


def _count_set_paths(monkeypatch, reached):
    """Count what the set-based filing and sweep wrote (they are called through, unchanged)."""
    from takedowns import notices, sweep

    file_in_set = notices.submit.notice_items_file

    def counted_filing(**kwargs):
        result = file_in_set(**kwargs)
        if result is not None:
            reached["set filing", "several items" if len(kwargs["lines"]) > 1 else "one item"] += 1
        return result

    move_in_set = sweep.groups_move_in_set

    def counted_sweep(kind, claimed, *, now):
        item_ids = move_in_set(kind, claimed, now=now)
        reached["set sweep", "several items" if len(item_ids) > 1 else "one item"] += 1
        return item_ids

    monkeypatch.setattr(notices.submit, "notice_items_file", counted_filing)
    monkeypatch.setattr(sweep, "groups_move_in_set", counted_sweep)


def _report_reached(reached):
    """With LIFECYCLE_REACHED=1 (and -s), print which actions and moves the run reached."""
    if os.environ.get("LIFECYCLE_REACHED"):
        for key, count in sorted(reached.items(), key=str):
            print(count, *key)


# --- Regressions the machine found, pinned as plain examples ---------------------


def test_accept_refuses_a_rejected_item_only_an_appeal_reopens_it(owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_reject, item_id=item.pk, actor=reviewer, reason="Not substantiated.")
    events = ItemEvent.objects.filter(item=item).count()
    with pytest.raises(TransitionError, match="only items waiting for review are accepted"):
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    assert item.status == S.REJECTED
    assert ItemEvent.objects.filter(item=item).count() == events


def test_reversing_a_rejection_is_refused_while_another_item_is_open_for_the_listing(
    owner_a, brand_a, asset_a, listing, reviewer, senior_reviewer
):
    (rejected,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    run_on_commit(lifecycle.notice_item_reject, item_id=rejected.pk, actor=reviewer, reason="Not substantiated.")
    appeal = appeals.appeal_file(item_id=rejected.pk, actor=owner_a, statement="Here is the test-buy report.")
    (refiled,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    with pytest.raises(TransitionError, match=f"item {refiled.pk}"):
        appeals.appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="The report convinces.")
    rejected.refresh_from_db()
    appeal.refresh_from_db()
    assert rejected.status == S.REJECTED
    assert appeal.status == AppealStatus.OPEN


# --- The verbs are exactly the table ---------------------------------------------------
#
# Each verb is called on an item in every status: where the table has the verb's action leave
# from that status it must succeed and land on the table's target; everywhere else it must be
# refused with a TransitionError (the sweeper's verbs: return None) and leave the item alone.
# The items are inserted straight into each status (the status trigger guards updates, not
# inserts), each on its own listing, with open windows and the fast track, so nothing but the
# status decides.


def _call(verb, item_id, who, now):
    """Call ``verb`` (a table action's verb) on the item as someone who may take it."""
    later = now + timedelta(days=30)  # past every window: what the sweeper's verbs need
    calls = {
        "route_standard": lambda: lifecycle.notice_item_route(item_id=item_id, track="standard", now=now),
        "route_fast": lambda: lifecycle.notice_item_route(item_id=item_id, track="fast", now=now),
        "mark_invalid": lambda: lifecycle.notice_item_mark_invalid(item_id=item_id, reason="Not ours.", now=now),
        "accept": lambda: lifecycle.notice_item_accept(item_id=item_id, actor=who["reviewer"], now=now),
        "reject": lambda: lifecycle.notice_item_reject(item_id=item_id, actor=who["reviewer"], reason="No.", now=now),
        "counter_notice": lambda: lifecycle.notice_item_counter_notice(
            item_id=item_id, actor=who["merchant"], counter_notice_fields=dict(COUNTER_NOTICE), now=now
        ),
        "reply": lambda: lifecycle.notice_item_reply(
            item_id=item_id, actor=who["holder"], statement="Forged.", now=now
        ),
        "reply_lapse": lambda: lifecycle.notice_item_reply_lapse(item_id=item_id, now=later),
        "uphold_by_default": lambda: lifecycle.notice_item_uphold_by_default(item_id=item_id, now=later),
        "uphold": lambda: lifecycle.notice_item_uphold(item_id=item_id, actor=who["reviewer"], reason="Fake.", now=now),
        "dismiss": lambda: lifecycle.notice_item_dismiss(
            item_id=item_id, actor=who["reviewer"], reason="Genuine.", now=now
        ),
        "withdraw": lambda: lifecycle.notice_item_withdraw(item_id=item_id, actor=who["holder"], now=now),
        "reverse": lambda: lifecycle.notice_item_reverse(
            item_id=item_id, actor=who["senior"], reason="On appeal.", appeal_id=None, now=now
        ),
        "audit_reverse": lambda: lifecycle.notice_item_audit_reverse(
            item_id=item_id, actor=who["reviewer"], reason="Genuine.", now=now
        ),
    }
    return calls[verb]()


# verb -> the table actions it takes (one verb may take several: a reversal by the item's status).
VERB_ACTIONS = {
    "route_standard": {"queued"},
    "route_fast": {"fast_tracked"},
    "mark_invalid": {"invalid"},
    "accept": {"accepted"},
    "reject": {"rejected"},
    "counter_notice": {"counter_noticed"},
    "reply": {"replied"},
    "reply_lapse": {"reply_window_lapsed"},
    "uphold_by_default": {"upheld_no_counter_notice"},
    "uphold": {"upheld"},
    "dismiss": {"dismissed"},
    "withdraw": {"withdrawn"},
    "reverse": {"reversed_to_dismissed", "reversed_to_upheld", "reopened_on_appeal"},
    "audit_reverse": {"audit_reversed"},
}
SWEEPER_VERBS = {"reply_lapse", "uphold_by_default"}  # not due / not in the window: None, not an error


def test_every_table_action_has_a_verb_here():
    assert set().union(*VERB_ACTIONS.values()) == set(TRANSITIONS)


def _item_in(status, *, notice, asset, store, now):
    final = status in FINAL_STATUSES
    return NoticeItem.objects.create(
        notice=notice,
        listing=factories.ListingFactory(store=store),
        ip_asset=asset,
        infringement_type="counterfeit",
        explanation="Fake logo.",
        status=status,
        status_changed_at=now,
        track="fast",
        took_down_listing=status in {S.AWAITING_COUNTER_NOTICE, S.COUNTER_NOTICED, S.UPHELD},
        opened_at=now,
        counter_notice_deadline=now + timedelta(hours=72),
        reply_deadline=now + timedelta(hours=72),
        decided_at=now if final else None,
        decision_generation=1 if final else 0,
    )


@pytest.mark.parametrize("verb", sorted(VERB_ACTIONS))
def test_each_verb_moves_exactly_where_the_table_says(
    verb, owner_a, brand_a, asset_a, listing, store, merchant_user, reviewer, senior_reviewer
):
    (filed,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    who = {"reviewer": reviewer, "senior": senior_reviewer, "merchant": merchant_user, "holder": owner_a}
    now = timezone.now()
    targets = {
        source: TRANSITIONS[action].target for action in VERB_ACTIONS[verb] for source in TRANSITIONS[action].sources
    }
    for status in S:
        item = _item_in(status, notice=filed.notice, asset=asset_a, store=store, now=now)
        events = ItemEvent.objects.filter(item=item).count()
        if status in targets:
            moved = run_on_commit(_call, verb=verb, item_id=item.pk, who=who, now=now)
            assert moved.status == targets[status], f"{verb} from {status}"
            continue
        if verb in SWEEPER_VERBS:
            assert _call(verb, item.pk, who, now) is None, f"{verb} moved an item in {status}"
        else:
            with pytest.raises(TransitionError) as refused:
                _call(verb, item.pk, who, now)
            assert refused.value.item.pk == item.pk and refused.value.current_status == status
        after = NoticeItem.objects.get(pk=item.pk)
        assert (after.status, after.version) == (status, 0), f"{verb} changed an item in {status}"
        assert ItemEvent.objects.filter(item=item).count() == events
