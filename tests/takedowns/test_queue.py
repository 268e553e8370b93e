"""The reviewer queue: reviews, adjudications, quality audits and appeals in one list by due time."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from good_faith.membership import membership_grant
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from takedowns import appeals, lifecycle, selectors
from tests import factories
from tests.takedowns.conftest import draft, file_notice, run_on_commit

COUNTER_NOTICE = {
    "statement": "These are genuine goods bought from the brand's distributor.",
    "signature": "Sam Seller",
    "accuracy_statement": True,
    "contact_name": "Sam Seller",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "sam@seller.test",
}


@pytest.fixture
def t0():
    # Whole seconds: items filed "at the same time" share one due instant.
    return timezone.now().replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def asset_b(brand_b):
    return factories.IPAssetFactory(rights_holder=brand_b, name="BRANDB")


@pytest.fixture
def partner(brand_a, settings):
    # No random quality audits unless a test asks for them: they would join the queue.
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner.user = factories.member_of(org)
    return partner


def _file(user, holder, asset, store, at, **kwargs):
    listing = factories.ListingFactory(store=store)
    (item,) = file_notice(user, holder, [draft(listing, asset, **kwargs)], now=at).accepted
    return item


def _queue_ids(**kwargs):
    return [(e.kind, e.item.pk) for e in selectors.review_queue(**kwargs)]


def test_at_equal_due_times_a_good_faith_members_item_goes_first(
    owner_a, brand_a, asset_a, user_b, brand_b, asset_b, store, senior_reviewer, t0
):
    # Filed in this order, at the same instant: by id alone brand B's items would come first.
    other = _file(user_b, brand_b, asset_b, store, t0)
    patent = _file(owner_a, brand_a, asset_a, store, t0, infringement_type="patent")
    member = _file(owner_a, brand_a, asset_a, store, t0)
    earlier = _file(user_b, brand_b, asset_b, store, t0 - timedelta(minutes=1))
    # Brand A becomes a member for counterfeits after filing (its items are already waiting).
    membership_grant(
        rights_holder_id=brand_a.pk, infringement_type="counterfeit", actor=senior_reviewer, reason="Proven record."
    )

    entries = selectors.review_queue()

    assert [e.item.pk for e in entries] == [earlier.pk, member.pk, other.pk, patent.pk]
    assert [e.ahead for e in entries] == [False, True, False, False]


def test_partner_vetted_adjudication_goes_first_at_equal_due_times(
    partner, brand_a, asset_a, owner_a, user_b, brand_b, asset_b, store, merchant_user, t0
):
    standard = _file(user_b, brand_b, asset_b, store, t0)
    listing = factories.ListingFactory(store=store)
    (fast,) = file_notice(
        partner.user, brand_a, [draft(listing, asset_a)], partner=partner, now=t0 - timedelta(hours=3)
    ).accepted
    run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=fast.pk,
        actor=merchant_user,
        counter_notice_fields=dict(COUNTER_NOTICE),
        now=t0 - timedelta(hours=2),
    )
    run_on_commit(lifecycle.notice_item_reply, item_id=fast.pk, actor=owner_a, statement="Forged.", now=t0)

    assert _queue_ids() == [("adjudication", fast.pk), ("review", standard.pk)]


def test_audits_and_appeals_are_merged_by_due_time_appeals_for_seniors_only(
    client, partner, brand_a, asset_a, owner_a, store, reviewer, senior_reviewer, settings, t0
):
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    review = _file(owner_a, brand_a, asset_a, store, t0 - timedelta(hours=1))
    listing = factories.ListingFactory(store=store)
    (audited,) = file_notice(
        partner.user, brand_a, [draft(listing, asset_a)], partner=partner, now=t0 - timedelta(hours=30)
    ).accepted
    rejected = _file(owner_a, brand_a, asset_a, store, t0 - timedelta(hours=3))
    run_on_commit(
        lifecycle.notice_item_reject,
        item_id=rejected.pk,
        actor=reviewer,
        reason="No proof.",
        now=t0 - timedelta(hours=2),
    )
    appeals.appeal_file(item_id=rejected.pk, actor=owner_a, statement="Proof attached.", now=t0)

    # Audit due at t0 - 6 h (overdue), review at t0 + 23 h, appeal at t0 + 24 h.
    assert _queue_ids(include_appeals=True) == [
        ("audit", audited.pk),
        ("review", review.pk),
        ("appeal", rejected.pk),
    ]
    assert _queue_ids() == [("audit", audited.pk), ("review", review.pk)]

    client.force_login(senior_reviewer)
    body = client.get(reverse("takedowns:review-queue")).content.decode()
    assert body.index(f"Quality audit #{audited.pk}") < body.index(f"Review #{review.pk}")
    assert body.index(f"Review #{review.pk}") < body.index(f"Appeal #{rejected.pk}")
    assert "1 overdue" in body and "overdue by 8 hours" in body  # t0 is two hours ago
    client.force_login(reviewer)
    body = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f"Appeal #{rejected.pk}" not in body and f"Quality audit #{audited.pk}" in body


def _queue_query_count(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("takedowns:review-queue"))
    assert response.status_code == 200
    return len(queries)


def test_queue_query_count_stays_the_same_with_more_audits_and_appeals(
    client, partner, brand_a, asset_a, owner_a, store, reviewer, senior_reviewer, settings, t0
):
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    membership_grant(
        rights_holder_id=brand_a.pk, infringement_type="design", actor=senior_reviewer, reason="Proven record."
    )
    client.force_login(senior_reviewer)

    def add_one_of_each(at):
        _file(owner_a, brand_a, asset_a, store, at)
        listing = factories.ListingFactory(store=store)
        file_notice(partner.user, brand_a, [draft(listing, asset_a)], partner=partner, now=at)
        rejected = _file(owner_a, brand_a, asset_a, store, at)
        run_on_commit(lifecycle.notice_item_reject, item_id=rejected.pk, actor=reviewer, reason="No.", now=at)
        appeals.appeal_file(item_id=rejected.pk, actor=owner_a, statement="Proof.", now=at)

    add_one_of_each(t0)
    one = _queue_query_count(client)
    for n in range(5):
        add_one_of_each(t0 + timedelta(minutes=n))
    assert _queue_query_count(client) == one
    assert len(selectors.review_queue(include_appeals=True)) == 18


# --- Trusted filers: the queue asks the one Good Faith rule the filing path asks ------------------


def test_an_item_of_a_type_staff_revoked_is_not_ahead_though_the_holder_is_a_member_overall(
    owner_a, brand_a, asset_a, user_b, brand_b, asset_b, store, senior_reviewer, t0
):
    from good_faith.membership import membership_revoke

    membership_grant(rights_holder_id=brand_a.pk, actor=senior_reviewer, reason="Proven record.")
    membership_revoke(
        rights_holder_id=brand_a.pk, infringement_type="patent", actor=senior_reviewer, reason="Weak patents."
    )
    # Filed by the same instant: brand B's first, so by id alone it would lead.
    other = _file(user_b, brand_b, asset_b, store, t0)
    patent = _file(owner_a, brand_a, asset_a, store, t0, infringement_type="patent")

    # The filing path sent the patent item to a reviewer: no fast track for a revoked type.
    assert patent.track == "standard"
    entries = selectors.review_queue()
    assert [(e.item.pk, e.ahead) for e in entries] == [(other.pk, False), (patent.pk, False)]


def test_an_item_of_a_type_judged_short_on_its_own_record_is_not_ahead(
    owner_a, brand_a, asset_a, user_b, brand_b, asset_b, store, senior_reviewer, settings, t0
):
    from good_faith.models import Membership, MembershipStatus

    # The fast-tracked copyright item must not be drawn for a quality audit: that would queue it.
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    membership_grant(rights_holder_id=brand_a.pk, actor=senior_reviewer, reason="Proven record.")
    # The nightly run judged brand A's design record on enough items and found it short.
    Membership.objects.create(
        rights_holder=brand_a,
        infringement_type="design",
        status=MembershipStatus.NOT_MEMBER,
        last_figures={"decided": 40},
    )
    other = _file(user_b, brand_b, asset_b, store, t0)
    design = _file(owner_a, brand_a, asset_a, store, t0, infringement_type="design")
    copyright_ = _file(owner_a, brand_a, asset_a, store, t0, infringement_type="copyright")
    # Copyright rides on the overall membership (fast track, never queued); design waits for a reviewer.
    assert (design.track, copyright_.track) == ("standard", "fast")

    entries = selectors.review_queue()
    assert [(e.item.pk, e.ahead) for e in entries] == [(other.pk, False), (design.pk, False)]


def test_a_partner_whose_privilege_staff_revoked_is_not_ahead(
    partner, brand_a, asset_a, user_b, brand_b, asset_b, store, senior_reviewer, t0
):
    from good_faith.membership import membership_revoke

    membership_revoke(partner_id=partner.pk, actor=senior_reviewer, reason="Vetting lapsed.")
    other = _file(user_b, brand_b, asset_b, store, t0)
    listing = factories.ListingFactory(store=store)
    (vetted,) = file_notice(partner.user, brand_a, [draft(listing, asset_a)], partner=partner, now=t0).accepted

    assert vetted.track == "standard"
    entries = selectors.review_queue()
    assert [(e.item.pk, e.ahead) for e in entries] == [(other.pk, False), (vetted.pk, False)]
