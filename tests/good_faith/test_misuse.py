"""Misuse measures (DSA article 23): warning, then filing suspension, their statements and appeals."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone

from good_faith import misuse
from good_faith.misuse import misuse_appeal_decide, misuse_evaluate, misuse_measure_appeal
from good_faith.misuse.selectors import misuse_decided_items, misuse_strikes
from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.errors import InvalidInput, TransitionError
from portal.models import AuditLogEntry, Organisation, OrganisationKind
from takedowns import effects, lifecycle
from takedowns.models import Channel, FilingSuspension, ItemStatus, Notice, Notification
from takedowns.notices import filing_suspension_of
from tests import factories
from tests.holding import holding as hold
from tests.racing import Worker
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice

WARN, SUSPEND = 3, 5  # the default thresholds (portal/settings.py)


@pytest.fixture(autouse=True)
def _thresholds(settings):
    settings.MISUSE_WINDOW_DAYS = 180
    settings.MISUSE_WARNING_THRESHOLD = WARN
    settings.MISUSE_SUSPENSION_THRESHOLD = SUSPEND
    settings.MISUSE_SUSPENSION_DAYS = 30


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def store(db):
    merchant_org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    return factories.StoreFactory(merchant=factories.MerchantFactory(organisation=merchant_org))


@pytest.fixture
def colleague_a(brand_a):
    """A second member of brand A's organisation: measures reach every member."""
    return factories.member_of(brand_a.organisation)


@pytest.fixture
def senior_reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


def pending_item(actor, holder, asset, store, **kwargs):
    (item,) = file_notice(actor, holder, [draft(factories.ListingFactory(store=store), asset)], **kwargs).accepted
    assert item.status == ItemStatus.PENDING_REVIEW
    return item


def strike(actor, holder, asset, store, reviewer, *, now=None, manifestly_unfounded=True, **kwargs):
    """File one item and have a reviewer reject it (as manifestly unfounded by default), after-commit work run."""
    item = pending_item(actor, holder, asset, store, **kwargs)
    with TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.notice_item_reject(
            item_id=item.pk,
            actor=reviewer,
            reason="The listing sells the brand's own genuine goods; nothing infringes.",
            manifestly_unfounded=manifestly_unfounded,
            now=now,
        )
    item.refresh_from_db()
    return item


@pytest.fixture
def strikes(owner_a, brand_a, asset, store, reviewer):
    """strikes(n, **kwargs): n manifestly unfounded rejections of notices filed by brand A."""

    def make(n, **kwargs):
        return [strike(owner_a, brand_a, asset, store, reviewer, **kwargs) for _ in range(n)]

    return make


def measures(org):
    return list(MisuseMeasure.objects.filter(organisation=org).order_by("created_at", "id"))


# --- Thresholds ---------------------------------------------------------------------------


def test_two_strikes_make_no_measure(strikes, brand_a):
    strikes(2)
    assert measures(brand_a.organisation) == []
    assert filing_suspension_of(brand_a.organisation_id) is None


def test_third_strike_warns_once_and_filing_goes_on(strikes, brand_a, owner_a, asset, store):
    items = strikes(3)
    (warning,) = measures(brand_a.organisation)
    assert warning.kind == MisuseMeasureKind.WARNING
    assert warning.status == MisuseMeasureStatus.IN_FORCE
    assert warning.suspension is None
    assert warning.figures["strikes"] == 3
    assert [row["item"] for row in warning.figures["items"]] == [i.pk for i in items]
    # A warning restricts nothing.
    assert filing_suspension_of(brand_a.organisation_id) is None
    pending_item(owner_a, brand_a, asset, store)
    # The fourth strike neither warns again nor suspends.
    strikes(1)
    assert len(measures(brand_a.organisation)) == 1


def test_fifth_strike_suspends_after_the_warning(strikes, brand_a):
    items = strikes(SUSPEND)
    warning, suspension = measures(brand_a.organisation)
    assert warning.kind == MisuseMeasureKind.WARNING and warning.figures["strikes"] == WARN
    assert suspension.kind == MisuseMeasureKind.SUSPENSION and suspension.figures["strikes"] == SUSPEND
    filing = suspension.suspension
    assert filing.organisation_id == brand_a.organisation_id
    assert filing.starts_at == items[-1].decided_at
    assert filing.ends_at == items[-1].decided_at + timedelta(days=30)
    assert filing_suspension_of(brand_a.organisation_id) == filing
    assert "manifestly unfounded" in filing.reason and "article 23" in filing.reason


def test_ordinary_rejections_are_no_strikes(owner_a, brand_a, asset, store, reviewer):
    for _ in range(SUSPEND):
        strike(owner_a, brand_a, asset, store, reviewer, manifestly_unfounded=False)
    assert measures(brand_a.organisation) == []
    assert misuse.misuse_strikes(organisation_id=brand_a.organisation_id) == []


def test_strikes_older_than_the_window_are_ignored(strikes, brand_a):
    long_ago = timezone.now() - timedelta(days=181)
    strikes(2, now=long_ago)
    strikes(2)
    assert measures(brand_a.organisation) == []
    strikes(1)
    (warning,) = measures(brand_a.organisation)
    assert warning.figures["strikes"] == 3


def test_a_warning_older_than_the_window_does_not_lead_to_a_suspension(strikes, brand_a):
    strikes(WARN, now=timezone.now() - timedelta(days=200))
    (old,) = measures(brand_a.organisation)
    strikes(SUSPEND)
    kinds = [m.kind for m in measures(brand_a.organisation)]
    # A fresh warning first (the old one no longer counts), then the suspension.
    assert kinds == [MisuseMeasureKind.WARNING, MisuseMeasureKind.WARNING, MisuseMeasureKind.SUSPENSION]


def test_strikes_count_against_the_filing_organisation_not_the_brand(brand_a, asset, store, reviewer):
    """A law firm filing for brand A answers for its own notices."""
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Sue & Co")
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    lawyer = factories.member_of(firm, role="owner")
    for _ in range(WARN):
        strike(lawyer, brand_a, asset, store, reviewer, acting_organisation=firm)
    (warning,) = MisuseMeasure.objects.all()
    assert warning.organisation_id == firm.pk
    assert measures(brand_a.organisation) == []


def test_a_rejection_reopened_on_appeal_is_no_longer_a_strike(strikes, brand_a, owner_a, senior_reviewer):
    from takedowns import appeals

    items = strikes(2)
    appeal = appeals.appeal_file(item_id=items[0].pk, actor=owner_a, statement="The goods are fakes, see the test buy.")
    appeals.appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="The test buy shows fakes.")
    strikes(1)
    assert measures(brand_a.organisation) == []
    assert len(misuse.misuse_strikes(organisation_id=brand_a.organisation_id)) == 2


def test_evaluating_again_makes_no_second_measure(strikes, brand_a):
    strikes(WARN)
    assert misuse_evaluate(organisation_id=brand_a.organisation_id) is None
    strikes(SUSPEND - WARN)
    assert misuse_evaluate(organisation_id=brand_a.organisation_id) is None
    assert [m.kind for m in measures(brand_a.organisation)] == [MisuseMeasureKind.WARNING, MisuseMeasureKind.SUSPENSION]
    assert FilingSuspension.objects.count() == 1


def test_a_count_past_both_thresholds_at_once_is_warned_first(owner_a, brand_a, asset, store, reviewer):
    items = [strike(owner_a, brand_a, asset, store, reviewer, manifestly_unfounded=False) for _ in range(SUSPEND)]
    # Marked afterwards, as if the thresholds had been lowered: article 23(2) still asks for a warning first.
    type(items[0]).objects.filter(pk__in=[i.pk for i in items]).update(manifestly_unfounded=True)
    first = misuse_evaluate(organisation_id=brand_a.organisation_id)
    assert first.kind == MisuseMeasureKind.WARNING
    # Without a new strike the same facts do not escalate.
    assert misuse_evaluate(organisation_id=brand_a.organisation_id) is None
    strike(owner_a, brand_a, asset, store, reviewer)
    assert measures(brand_a.organisation)[-1].kind == MisuseMeasureKind.SUSPENSION


def test_a_new_suspension_needs_a_strike_after_the_last_one_ended(strikes, brand_a):
    strikes(SUSPEND, now=timezone.now() - timedelta(days=40))
    assert filing_suspension_of(brand_a.organisation_id) is None  # 30 days, ended ten days ago
    assert misuse_evaluate(organisation_id=brand_a.organisation_id) is None
    strikes(1)
    latest = measures(brand_a.organisation)[-1]
    assert latest.kind == MisuseMeasureKind.SUSPENSION and latest.figures["strikes"] == SUSPEND + 1
    assert filing_suspension_of(brand_a.organisation_id) == latest.suspension


# --- Statement of reasons, audit, notifications --------------------------------------------


def test_the_suspension_states_facts_ground_duration_and_redress(strikes, brand_a):
    items = strikes(SUSPEND)
    suspension = measures(brand_a.organisation)[-1]
    text = suspension.statement
    assert f"rejected {SUSPEND} items of notices filed by Brand A as manifestly unfounded" in text
    for item in items:
        assert (
            f"item {item.pk}, listing {item.listing.external_id}, rejected {item.decided_at:%Y-%m-%d %H:%M} UTC" in text
        )
    assert "Digital Services Act article 23" in text and "terms of use" in text
    ends = suspension.suspension.ends_at
    assert f"30 days, from {items[-1].decided_at:%Y-%m-%d %H:%M} UTC until {ends:%Y-%m-%d %H:%M} UTC" in text
    assert "appeal this measure once" in text and "/good-faith/misuse/" in text
    assert "out-of-court dispute settlement" in text
    assert f"out of {SUSPEND} items decided" in text


def test_the_warning_says_what_comes_next(strikes, brand_a):
    strikes(WARN)
    (warning,) = measures(brand_a.organisation)
    assert "A warning. Nothing is restricted now" in warning.statement
    assert f"at {SUSPEND} manifestly unfounded notices within 180 days" in warning.statement
    assert "suspended from filing notices for 30 days" in warning.statement


def test_each_measure_is_audited_and_told_to_every_member_by_mail_after_commit(strikes, brand_a, owner_a, colleague_a):
    factories.api_principal_of(brand_a.organisation)  # a key's principal is no member to tell
    mail.outbox.clear()
    strikes(WARN)
    (warning,) = measures(brand_a.organisation)
    entry = AuditLogEntry.objects.get(action="good_faith.misuse.warning")
    assert entry.object_id == str(warning.pk) and entry.organisation_id == brand_a.organisation_id
    assert entry.data["strikes"] == WARN
    rows = Notification.objects.filter(source=f"misuse-{warning.pk}-issued")
    assert {r.recipient_id for r in rows} == {owner_a.pk, colleague_a.pk}
    assert all(r.body.startswith("Measure: A warning") and r.url == "/good-faith/misuse/" for r in rows)
    sent = [m for m in mail.outbox if "manifestly unfounded notices" in m.subject]
    assert sorted(m.to[0] for m in sent) == sorted([owner_a.email, colleague_a.email])
    assert all(r.emailed_at is not None for r in rows)


def test_the_measure_email_waits_for_the_commit(owner_a, brand_a, asset, store, reviewer):
    items = [pending_item(owner_a, brand_a, asset, store) for _ in range(WARN)]
    for item in items[:-1]:
        lifecycle.notice_item_reject(item_id=item.pk, actor=reviewer, reason="No basis.", manifestly_unfounded=True)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        lifecycle.notice_item_reject(
            item_id=items[-1].pk, actor=reviewer, reason="No basis.", manifestly_unfounded=True
        )
    assert MisuseMeasure.objects.count() == 1
    assert [m for m in mail.outbox if "Warning" in m.subject] == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox if m.subject.startswith("Warning")] == [[owner_a.email]]


# --- Refusal -------------------------------------------------------------------------------


def test_a_suspended_filer_is_refused_with_the_end_date_and_the_reason(strikes, brand_a, owner_a, asset, store):
    strikes(SUSPEND)
    ends = measures(brand_a.organisation)[-1].suspension.ends_at
    with pytest.raises(ValidationError) as refused:
        pending_item(owner_a, brand_a, asset, store)
    (message,) = refused.value.messages
    assert f"Filing is suspended until {ends:%Y-%m-%d %H:%M} UTC" in message
    assert "manifestly unfounded" in message


# --- Appeals -------------------------------------------------------------------------------


@pytest.fixture
def suspended(strikes, brand_a):
    strikes(SUSPEND)
    return measures(brand_a.organisation)[-1]


def test_member_appeals_once_and_a_senior_reviewer_lifts_the_suspension(
    suspended, strikes, owner_a, colleague_a, brand_a, asset, store, senior_reviewer
):
    appealed = misuse_measure_appeal(
        measure_id=suspended.pk, actor=colleague_a, statement="Each listing sold fakes; we attach the test buys."
    )
    assert appealed.status == MisuseMeasureStatus.APPEALED
    assert appealed.appealed_by == colleague_a and appealed.appeal_statement.startswith("Each listing")
    with pytest.raises(TransitionError, match="can be appealed once"):
        misuse_measure_appeal(measure_id=suspended.pk, actor=owner_a, statement="Again.")
    # Still suspended while the appeal waits.
    assert filing_suspension_of(brand_a.organisation_id) is not None

    with TestCase.captureOnCommitCallbacks(execute=True):
        lifted = misuse_appeal_decide(
            measure_id=suspended.pk, actor=senior_reviewer, lift=True, reason="The test buys show fakes."
        )
    assert lifted.status == MisuseMeasureStatus.LIFTED
    assert lifted.appeal_decided_by == senior_reviewer and lifted.appeal_reason == "The test buys show fakes."
    lifted.suspension.refresh_from_db()
    assert lifted.suspension.lifted_at == lifted.appeal_decided_at
    assert filing_suspension_of(brand_a.organisation_id) is None
    assert AuditLogEntry.objects.filter(action="good_faith.misuse.appealed", object_id=str(suspended.pk)).count() == 1
    assert AuditLogEntry.objects.filter(action="good_faith.misuse.lifted", object_id=str(suspended.pk)).count() == 1
    decided = Notification.objects.filter(source=f"misuse-{suspended.pk}-decided")
    assert {n.recipient_id for n in decided} == {owner_a.pk, colleague_a.pk}
    assert "You may file notices again" in decided[0].body
    # Filing is allowed again, and the strikes behind the lifted measure do not bring it straight back.
    pending_item(owner_a, brand_a, asset, store)
    strikes(1)
    assert len(measures(brand_a.organisation)) == 2


def test_confirmed_on_appeal_the_suspension_stays(suspended, owner_a, brand_a, senior_reviewer):
    misuse_measure_appeal(measure_id=suspended.pk, actor=owner_a, statement="We filed in good faith.")
    upheld = misuse_appeal_decide(
        measure_id=suspended.pk, actor=senior_reviewer, lift=False, reason="Five listings of genuine goods."
    )
    assert upheld.status == MisuseMeasureStatus.UPHELD_ON_APPEAL
    assert filing_suspension_of(brand_a.organisation_id) == upheld.suspension
    assert upheld.suspension.lifted_at is None
    assert AuditLogEntry.objects.filter(action="good_faith.misuse.upheld_on_appeal").count() == 1
    with pytest.raises(TransitionError, match="only an appealed measure can be decided"):
        misuse_appeal_decide(measure_id=suspended.pk, actor=senior_reviewer, lift=True, reason="Changed my mind.")


def test_an_outsider_cannot_appeal(suspended, user_b):
    with pytest.raises(PermissionDenied):
        misuse_measure_appeal(measure_id=suspended.pk, actor=user_b, statement="Not ours, but still.")
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.IN_FORCE


def test_only_a_senior_reviewer_decides(suspended, owner_a, reviewer):
    misuse_measure_appeal(measure_id=suspended.pk, actor=owner_a, statement="We filed in good faith.")
    with pytest.raises(PermissionDenied):
        misuse_appeal_decide(measure_id=suspended.pk, actor=reviewer, lift=True, reason="Fine.")
    with pytest.raises(PermissionDenied):
        misuse_appeal_decide(measure_id=suspended.pk, actor=owner_a, lift=True, reason="Fine.")


def test_a_suspension_that_ended_can_no_longer_be_appealed(suspended, owner_a):
    later = suspended.suspension.ends_at + timedelta(seconds=1)
    with pytest.raises(TransitionError, match="no longer in force"):
        misuse_measure_appeal(measure_id=suspended.pk, actor=owner_a, statement="Late.", now=later)


def test_an_appeal_needs_a_statement(suspended, owner_a):
    with pytest.raises(InvalidInput, match="Explain why") as exc:
        misuse_measure_appeal(measure_id=suspended.pk, actor=owner_a, statement="  ")
    assert exc.value.code == "statement_required" and not isinstance(exc.value, TransitionError)


def test_a_warning_lifted_on_appeal_clears_the_slate(strikes, brand_a, owner_a, senior_reviewer):
    strikes(WARN)
    (warning,) = measures(brand_a.organisation)
    misuse_measure_appeal(measure_id=warning.pk, actor=owner_a, statement="Those were fakes.")
    misuse_appeal_decide(measure_id=warning.pk, actor=senior_reviewer, lift=True, reason="Agreed.")
    strikes(WARN - 1)
    assert len(measures(brand_a.organisation)) == 1
    strikes(1)
    assert [m.status for m in measures(brand_a.organisation)] == [
        MisuseMeasureStatus.LIFTED,
        MisuseMeasureStatus.IN_FORCE,
    ]


# --- Exactly once under concurrency --------------------------------------------------------


@pytest.fixture
def platform_groups(transactional_db):
    # A transactional test's flush also empties the groups the migrations created.
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("before", "kind"), [(WARN - 1, MisuseMeasureKind.WARNING), (SUSPEND - 1, MisuseMeasureKind.SUSPENSION)]
)
def test_two_rejections_at_once_make_exactly_one_measure(
    platform_groups, before, kind, owner_a, brand_a, asset, store, reviewer, monkeypatch
):
    """Both rejections cross the threshold as each sees it; the organisation lock lets one measure through."""
    needs_postgres()
    monkeypatch.setattr(effects, "effects_dispatch", lambda item_ids: None)  # the broker is not under test
    for _ in range(before):
        strike(owner_a, brand_a, asset, store, reviewer)
    first, second = (pending_item(owner_a, brand_a, asset, store) for _ in range(2))
    other_reviewer = factories.UserFactory()
    other_reviewer.groups.add(Group.objects.get(name="reviewer"))

    holding, release = threading.Event(), threading.Event()

    # The first rejection stops, uncommitted, right after misuse_evaluate locked the organisation.
    reject_and_hold = hold(
        lambda: lifecycle.notice_item_reject(
            item_id=first.pk, actor=reviewer, reason="No basis.", manifestly_unfounded=True
        ),
        reached=holding,
        release=release,
        at=(f'FROM "{Organisation._meta.db_table}"', "FOR UPDATE"),
    )

    def reject():
        assert holding.wait(30)
        lifecycle.notice_item_reject(
            item_id=second.pk, actor=other_reviewer, reason="No basis either.", manifestly_unfounded=True
        )

    a, b = Worker(reject_and_hold), Worker(reject)
    a.start()
    b.start()
    b.join(1.0)
    # The second rejection waits on the organisation's lock while the first is uncommitted.
    assert b.is_alive(), "the second evaluation did not wait for the first"
    release.set()
    for worker in (a, b):
        assert worker.finish(60).error is None, worker.error
    made = MisuseMeasure.objects.filter(organisation=brand_a.organisation, kind=kind)
    assert made.count() == 1
    assert made.get().figures["strikes"] == before + 1
    assert FilingSuspension.objects.count() == (1 if kind == MisuseMeasureKind.SUSPENSION else 0)
    assert len(misuse.misuse_strikes(organisation_id=brand_a.organisation_id)) == before + 2


def test_the_platforms_own_proactive_notices_are_no_strikes(strikes, brand_a, owner_a):
    """Rejected automated notices are the screening's error, not a filer's misuse: counting them against the
    filing organisation (the marketplace) would end in the platform suspended from filing."""
    items = strikes(3)
    organisation_id = brand_a.organisation_id
    assert len(misuse_strikes(organisation_id=organisation_id)) == 3
    decided = misuse_decided_items(organisation_id, timezone.now())
    Notice.objects.filter(items__in=items).update(channel=Channel.PROACTIVE)
    assert misuse_strikes(organisation_id=organisation_id) == []
    assert misuse_decided_items(organisation_id, timezone.now()) == decided - 3
