"""One answer to "does the Good Faith programme fast-track this?", wherever it is asked.

Every state a membership row can be in (staff override x nightly status x how many items
of its own the last run judged it on), for a type's own row and the overall row together,
and for partners: the Python selectors (the filing path), their SQL twins, the review
queue's order and the staff list's filter must give the same answer, and that answer must
be DOMAIN.md's, restated here independently of the implementation.

Membership rows and queued items are written directly: fixtures for the reading rules, not a
way to move anything (``test_membership.py`` moves memberships through the services).
"""

from datetime import timedelta
from itertools import product

import pytest
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Value
from django.utils import timezone

from good_faith.models import OVERALL, ManualOverride, Membership, MembershipStatus
from good_faith.selectors import (
    membership_active_among,
    membership_active_for,
    membership_active_for_q,
    partner_privilege_active,
    partner_privilege_q,
)
from good_faith.views.subjects import subjects_queryset, subjects_summarise
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from takedowns import selectors as takedowns_selectors
from takedowns.models import InfringementType, ItemStatus, Notice, NoticeItem, Track
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA

pytestmark = pytest.mark.django_db

TYPES = list(InfringementType.values)
# The last run's figures: none, one item short of the bar, judged on enough items of its own.
FIGURES = ("none", "short", "judged")
# Every state a row can be in; None: no row for that scope.
ROW_STATES = [None, *product(ManualOverride.values, MembershipStatus.values, FIGURES)]


def _figures(kind, settings):
    return {
        "none": {},
        "short": {"decided": settings.GOOD_FAITH_MIN_DECIDED - 1},
        "judged": {"decided": settings.GOOD_FAITH_MIN_DECIDED},
    }[kind]


# --- DOMAIN.md, restated -------------------------------------------------------------------
# "A staff override holds until lifted; otherwise the nightly status": a row grants the fast
# track when granted, or not overridden and a member. It says no for its scope when revoked,
# or not overridden and suspended (cooling off), or judged on enough items of its own and
# not a member. "Evaluated per infringement type as well as overall, so a holder can be
# fast-tracked for counterfeits but not for patents."


def expected_row_grants(state):
    override, status, _ = state
    return override == "granted" or (override == "" and status == "member")


def expected_row_says_no(state):
    override, status, figures = state
    if override:
        return override == "revoked"
    return status == "suspended" or (status == "not_member" and figures == "judged")


def expected_fast_track(own, overall):
    if own is not None and expected_row_grants(own):
        return True
    if own is not None and expected_row_says_no(own):
        return False
    return overall is not None and expected_row_grants(overall)


def expected_partner_privilege(approved, overall):
    return approved and (overall is None or not expected_row_says_no(overall))


# --- Fixture ---------------------------------------------------------------------------------


def _row(settings, state, **subject):
    override, status, figures = state
    return Membership(**subject, override=override, status=status, last_figures=_figures(figures, settings))


@pytest.fixture
def holders_in_every_combination(settings):
    """{(holder id, type): (own state, overall state)}: every own state meets every overall state.

    A holder has one overall row and up to one row per type; a type left without one rides on
    the overall row, which is a combination too.
    """
    combinations = {}
    rows = []
    chunks = [ROW_STATES[i : i + len(TYPES)] for i in range(0, len(ROW_STATES), len(TYPES))]
    for overall in ROW_STATES:
        for chunk in chunks:
            holder = factories.RightsHolderFactory()
            if overall is not None:
                rows.append(_row(settings, overall, rights_holder=holder, infringement_type=OVERALL))
            for i, itype in enumerate(TYPES):
                own = chunk[i] if i < len(chunk) else None
                if own is not None:
                    rows.append(_row(settings, own, rights_holder=holder, infringement_type=itype))
                combinations[(holder.pk, itype)] = (own, overall)
    Membership.objects.bulk_create(rows)
    return combinations


def _queued_items(lines):
    """{line: item}: one pending-review, standard-track item per (holder id, type, partner or None), due together."""
    due = timezone.now().replace(microsecond=0) + timedelta(hours=20)
    store = factories.StoreFactory()
    assets = {}
    items = {}
    for line in lines:
        holder_id, itype, partner = line
        if holder_id not in assets:
            assets[holder_id] = factories.IPAssetFactory(rights_holder_id=holder_id)
        notice = Notice.objects.create(
            rights_holder_id=holder_id, partner=partner, signed_at=due - timedelta(hours=24), **NOTICE_DATA
        )
        items[line] = NoticeItem.objects.create(
            notice=notice,
            listing=factories.ListingFactory(store=store),
            ip_asset=assets[holder_id],
            infringement_type=itype,
            explanation="fixture",
            status=ItemStatus.PENDING_REVIEW,
            track=Track.STANDARD,
            queued_at=due - timedelta(hours=24),
            review_due_at=due,
        )
    return items


# --- Rows --------------------------------------------------------------------------------------


def test_one_row_reads_the_same_in_python_and_in_sql_in_every_state(settings):
    states = {}
    for state in ROW_STATES[1:]:
        row = _row(settings, state, rights_holder=factories.RightsHolderFactory())
        row.save()
        states[row.pk] = state
    loaded = Membership.objects.in_bulk(list(states))
    grants = {pk for pk, state in states.items() if expected_row_grants(state)}
    says_no = {pk for pk, state in states.items() if expected_row_says_no(state)}

    assert {pk for pk, row in loaded.items() if row.is_active} == grants
    assert set(Membership.objects.active().values_list("pk", flat=True)) == grants
    assert {pk for pk, row in loaded.items() if row.withholds} == says_no
    assert set(Membership.objects.withholding().values_list("pk", flat=True)) == says_no


# --- A holder's item: its type's row, then the overall row ------------------------------------------


def test_every_reader_gives_a_holders_item_the_same_fast_track_answer(holders_in_every_combination):
    combinations = holders_in_every_combination
    expected = {key: expected_fast_track(own, overall) for key, (own, overall) in combinations.items()}
    assert any(expected.values()) and not all(expected.values())

    # The filing path: one query per (holder, type); on a sample, then on the loaded rows for all.
    for key in list(combinations)[::37]:
        holder_id, itype = key
        assert (membership_active_for(rights_holder_id=holder_id, infringement_type=itype) is not None) == expected[key]
    rows = {}
    for row in Membership.objects.filter(rights_holder__isnull=False):
        rows.setdefault(row.rights_holder_id, {})[row.infringement_type] = row
    among = {(h, t): membership_active_among(rows.get(h, {}), t) is not None for (h, t) in combinations}
    assert among == expected

    # The SQL twin: one query, a column per type.
    holder_ids = {h for h, _ in combinations}
    annotated = RightsHolder.objects.filter(pk__in=holder_ids).annotate(
        **{
            f"fast_{itype}": ExpressionWrapper(
                membership_active_for_q(rights_holder_id=OuterRef("pk"), infringement_type=Value(itype)),
                output_field=BooleanField(),
            )
            for itype in TYPES
        }
    )
    in_sql = {(h.pk, t): getattr(h, f"fast_{t}") for h in annotated for t in TYPES}
    assert {key: in_sql[key] for key in combinations} == expected

    # The staff list: "member" means the fast track for at least one type; the summary names those types.
    fast_somewhere = {h for (h, _), fast in expected.items() if fast}
    listed = set(subjects_queryset("rights_holder", status="member").values_list("pk", flat=True))
    assert listed & holder_ids == fast_somewhere
    not_listed = set(subjects_queryset("rights_holder", status="not_member").values_list("pk", flat=True))
    assert not_listed & holder_ids == holder_ids - fast_somewhere
    labels = dict(InfringementType.choices)
    summaries = subjects_summarise("rights_holder", subjects_queryset("rights_holder").filter(pk__in=holder_ids))
    assert {s.subject.pk: s.fast_track_types for s in summaries} == {
        h: [labels[t] for t in TYPES if expected[(h, t)]] for h in holder_ids
    }


def test_the_review_queue_puts_exactly_the_fast_tracked_holders_items_ahead(holders_in_every_combination):
    combinations = holders_in_every_combination
    items = _queued_items([(h, t, None) for h, t in combinations])

    entries = takedowns_selectors.review_queue(limit=len(items) + 1)

    ahead = {entry.item.pk: entry.ahead for entry in entries}
    assert {(h, t): ahead[item.pk] for (h, t, _), item in items.items()} == {
        key: expected_fast_track(own, overall) for key, (own, overall) in combinations.items()
    }
    # And the order follows: every trusted filer's item before every other at the same due time.
    flags = [entry.ahead for entry in entries]
    assert flags == sorted(flags, reverse=True)


# --- A partner: the staff approval, then its overall row --------------------------------------------


@pytest.fixture
def partners_in_every_state(settings):
    """{partner: (approved, overall state)}, each vetting ``holder``; plus one that does not vet it."""
    holder = factories.RightsHolderFactory()
    partners = {}
    for approved, overall in product((True, False), ROW_STATES):
        org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
        partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=approved)
        partner.vetted_rights_holders.add(holder)
        if overall is not None:
            _row(settings, overall, partner=partner, infringement_type=OVERALL).save()
        partners[partner] = (approved, overall)
    return holder, partners


def test_every_reader_gives_a_partner_the_same_privilege_answer(partners_in_every_state):
    _, partners = partners_in_every_state
    expected = {p.pk: expected_partner_privilege(approved, overall) for p, (approved, overall) in partners.items()}
    assert any(expected.values()) and not all(expected.values())

    assert {p.pk: partner_privilege_active(Partner.objects.get(pk=p.pk)) for p in partners} == expected
    annotated = Partner.objects.filter(pk__in=expected).annotate(
        privileged=ExpressionWrapper(partner_privilege_q(partner_id=OuterRef("pk")), output_field=BooleanField())
    )
    assert {p.pk: p.privileged for p in annotated} == expected
    listed = set(subjects_queryset("partner", status="member").values_list("pk", flat=True))
    assert listed == {pk for pk, privileged in expected.items() if privileged}
    summaries = subjects_summarise("partner", subjects_queryset("partner"))
    assert {s.subject.pk: s.partner_privilege for s in summaries} == expected


def test_the_review_queue_puts_exactly_the_privileged_partners_items_ahead(partners_in_every_state):
    holder, partners = partners_in_every_state
    # A privileged partner that has stopped vetting this holder since it filed: not ahead.
    stranger = next(p for p, (approved, overall) in partners.items() if approved and overall is None)
    stranger.vetted_rights_holders.set([factories.RightsHolderFactory()])
    items = _queued_items([(holder.pk, "counterfeit", partner) for partner in partners])

    ahead = {e.item.pk: e.ahead for e in takedowns_selectors.review_queue(limit=len(items) + 1)}

    assert {partner: ahead[item.pk] for (_, _, partner), item in items.items()} == {
        p: expected_partner_privilege(approved, overall) and p != stranger
        for p, (approved, overall) in partners.items()
    }
