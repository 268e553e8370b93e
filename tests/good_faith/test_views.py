"""The Good Faith pages, through the real services: a holder's standing, staff decisions, the audit queue."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from good_faith.audits import quality_audit_decide, quality_audit_maybe_select
from good_faith.membership import membership_grant, memberships_evaluate
from good_faith.models import (
    ManualOverride,
    Membership,
    MembershipChange,
    MembershipStatus,
    QualityAudit,
    QualityAuditStatus,
)
from listings.models import ListingStatus
from portal.models import Organisation, OrganisationKind
from rights_holders.models import Partner, PartnerKind, RightsHolder
from takedowns import lifecycle
from takedowns.models import ItemStatus
from tests import factories
from tests.lists import list_queries_constant
from tests.takedowns.conftest import draft, file_notice, run_on_commit


@pytest.fixture
def asset_a(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a, name="ACME")


@pytest.fixture
def store(db):
    org = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT, name="Shady Goods Ltd")
    return factories.StoreFactory(merchant=factories.MerchantFactory(organisation=org))


@pytest.fixture
def merchant_user(store):
    return factories.member_of(store.merchant.organisation, role="owner")


@pytest.fixture
def senior_reviewer(db):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="senior_reviewer"))
    return user


@pytest.fixture
def partner(brand_a):
    org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Small Brands Association")
    partner = Partner.objects.create(organisation=org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    return partner


def _decided_record(owner, holder, asset, store, reviewer, *, upheld=2, rejected=1):
    """Items decided in the window: ``upheld`` by the lapsed counter-notice window, ``rejected`` by a reviewer."""
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=False):
        drafts = [draft(factories.ListingFactory(store=store), asset) for _ in range(upheld + rejected)]
        items = file_notice(owner, holder, drafts).accepted
        for item in items[:upheld]:
            lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
        for item in items[upheld:]:
            lifecycle.notice_item_reject(item_id=item.pk, actor=reviewer, reason="Not the brand's logo.")
    for item in items[:upheld]:
        item.refresh_from_db()
        run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=item.pk, now=item.counter_notice_deadline)
    return items


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The holder's own page ------------------------------------------------------------------------


def test_holder_sees_its_figures_and_how_far_it_is_from_qualifying(client, owner_a, brand_a, asset_a, store, reviewer):
    _decided_record(owner_a, brand_a, asset_a, store, reviewer, upheld=2, rejected=1)
    client.force_login(owner_a)
    body = client.get(reverse("good_faith:holder-overview")).content.decode()
    assert "Brand A" in body
    # Three decided, two upheld, one rejected: accuracy two thirds.
    assert (
        '<td data-label="Decided">3</td><td data-label="Upheld">2</td><td data-label="Successful counter-notices">0</td>'
        in body
    )
    assert "66.7%" in body
    assert "17 more decided items needed (3 of 20)" in body
    assert "upheld 66.6% of 95% needed" in body
    assert "Not a member in any scope" in body


def test_holder_detail_shows_history_with_figures_and_a_staff_reason_without_staff_names(
    client, owner_a, brand_a, asset_a, senior_reviewer
):
    membership_grant(
        rights_holder_id=brand_a.pk, infringement_type="counterfeit", actor=senior_reviewer, reason="Long record"
    )
    client.force_login(owner_a)
    body = client.get(reverse("good_faith:holder-detail", args=[brand_a.pk])).content.decode()
    assert "Member by staff decision" in body
    assert "Long record" in body
    assert "Granted by staff" in body
    assert "Fast track</strong> (takedown as soon as the notice is accepted) for: Counterfeit." in body
    assert senior_reviewer.get_username() not in body
    assert "Platform staff" in body


def test_another_holders_page_answers_404_like_a_missing_one(client, user_b, brand_a, brand_b):
    client.force_login(user_b)
    assert client.get(reverse("good_faith:holder-detail", args=[brand_a.pk])).status_code == 404
    assert client.get(reverse("good_faith:holder-detail", args=[999_999])).status_code == 404
    body = client.get(reverse("good_faith:holder-overview")).content.decode()
    assert "Brand B" in body and "Brand A" not in body


def test_an_agent_sees_the_holders_it_holds_a_letter_for(client, brand_a, brand_b):
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    agent = factories.member_of(firm)
    client.force_login(agent)
    assert client.get(reverse("good_faith:holder-detail", args=[brand_a.pk])).status_code == 200
    assert client.get(reverse("good_faith:holder-detail", args=[brand_b.pk])).status_code == 404


def test_pages_need_login(client, brand_a):
    for url in (reverse("good_faith:holder-overview"), reverse("good_faith:staff-list")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# --- Staff pages ----------------------------------------------------------------------------------


def test_staff_pages_answer_404_to_holders_and_merchants(client, owner_a, merchant_user, brand_a):
    membership = Membership.objects.create(rights_holder=brand_a, override=ManualOverride.GRANTED)
    for user in (owner_a, merchant_user):
        client.force_login(user)
        assert client.get(reverse("good_faith:staff-list")).status_code == 404
        assert client.get(reverse("good_faith:staff-detail", args=["holders", brand_a.pk])).status_code == 404
        assert client.get(reverse("good_faith:audit-queue")).status_code == 404
        grant = reverse("good_faith:staff-grant", args=["holders", brand_a.pk])
        assert client.post(grant, {"reason": "please"}).status_code == 404
        lift = reverse("good_faith:staff-override-lift", args=[membership.pk])
        assert client.post(lift, {"reason": "please"}).status_code == 404
    assert not MembershipChange.objects.exists()


def test_grant_through_the_page_records_the_change_and_holds_across_nightly_runs(
    client, senior_reviewer, owner_a, brand_a, asset_a
):
    client.force_login(senior_reviewer)
    url = reverse("good_faith:staff-grant", args=["holders", brand_a.pk])
    response = client.post(url, {"infringement_type": "counterfeit", "reason": "Vetted by the association for years"})
    assert response.status_code == 302
    assert response["Location"] == reverse("good_faith:staff-detail", args=["holders", brand_a.pk])
    membership = Membership.objects.get(rights_holder=brand_a, infringement_type="counterfeit")
    assert membership.override == ManualOverride.GRANTED and membership.is_active
    change = MembershipChange.objects.get(membership=membership)
    assert (change.cause, change.actor, change.reason) == (
        "granted",
        senior_reviewer,
        "Vetted by the association for years",
    )

    # The record alone (nothing decided) would not qualify; the staff decision holds.
    memberships_evaluate()
    memberships_evaluate()
    membership.refresh_from_db()
    assert membership.is_active

    body = client.get(response["Location"]).content.decode()
    assert "Vetted by the association for years" in body
    assert senior_reviewer.get_username() in body  # staff see who decided


def test_revoke_then_lift_through_the_page(client, senior_reviewer, brand_a, asset_a):
    membership_grant(rights_holder_id=brand_a.pk, actor=senior_reviewer, reason="Trusted")
    client.force_login(senior_reviewer)
    revoke = reverse("good_faith:staff-revoke", args=["holders", brand_a.pk])
    client.post(revoke, {"infringement_type": "", "reason": "Complaints from merchants under review"})
    membership = Membership.objects.get(rights_holder=brand_a, infringement_type="")
    assert membership.override == ManualOverride.REVOKED and not membership.is_active

    page = client.get(reverse("good_faith:staff-detail", args=["holders", brand_a.pk])).content.decode()
    lift = reverse("good_faith:staff-override-lift", args=[membership.pk])
    assert lift in page
    response = client.post(lift, {"reason": "Review finished"}, follow=True)
    membership.refresh_from_db()
    assert membership.override == ManualOverride.NONE
    causes = list(MembershipChange.objects.filter(membership=membership).order_by("id").values_list("cause", flat=True))
    assert causes == ["granted", "revoked", "override_lifted"]
    assert "Override lifted" in response.content.decode()


def test_a_decision_without_a_reason_is_refused_with_a_message(client, senior_reviewer, brand_a):
    client.force_login(senior_reviewer)
    url = reverse("good_faith:staff-grant", args=["holders", brand_a.pk])
    response = client.post(url, {"infringement_type": "", "reason": "   "})
    assert response.status_code == 400
    assert "Give the reason for the decision." in _messages(response)
    assert "Brand A" in response.content.decode()  # the page itself, not a redirect
    assert not Membership.objects.exists()


def test_lifting_where_there_is_no_override_says_so(client, senior_reviewer, brand_a):
    membership = Membership.objects.create(rights_holder=brand_a, status=MembershipStatus.MEMBER)
    client.force_login(senior_reviewer)
    response = client.post(reverse("good_faith:staff-override-lift", args=[membership.pk]), {"reason": "x"})
    assert response.status_code == 409
    assert "This membership has no staff override to lift." in _messages(response)


def test_a_lift_another_senior_made_first_answers_409_with_the_page_as_it_now_stands(client, senior_reviewer, brand_a):
    from good_faith.membership import membership_override_lift

    membership = membership_grant(rights_holder_id=brand_a.pk, actor=senior_reviewer, reason="Trusted")
    other = factories.UserFactory()
    other.groups.add(senior_reviewer.groups.get())
    client.force_login(senior_reviewer)
    membership_override_lift(membership_id=membership.pk, actor=other, reason="Review finished")
    response = client.post(reverse("good_faith:staff-override-lift", args=[membership.pk]), {"reason": "Done too"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "This membership has no staff override to lift." in body and "Brand A" in body
    causes = list(MembershipChange.objects.filter(membership=membership).values_list("cause", "actor"))
    assert causes == [("granted", senior_reviewer.pk), ("override_lifted", other.pk)]


def test_a_plain_reviewer_reads_but_does_not_decide(client, reviewer, brand_a):
    client.force_login(reviewer)
    page = client.get(reverse("good_faith:staff-detail", args=["holders", brand_a.pk]))
    assert page.status_code == 200
    assert reverse("good_faith:staff-grant", args=["holders", brand_a.pk]) not in page.content.decode()
    response = client.post(reverse("good_faith:staff-grant", args=["holders", brand_a.pk]), {"reason": "Trusted"})
    assert response.status_code == 403
    assert _messages(response) == ["Only senior reviewers and platform admins grant, revoke or lift memberships."]
    assert not Membership.objects.exists()


def test_grant_to_a_partner_through_the_page(client, senior_reviewer, partner):
    client.force_login(senior_reviewer)
    client.post(
        reverse("good_faith:staff-grant", args=["partners", partner.pk]),
        {"infringement_type": "", "reason": "Vets well"},
    )
    assert Membership.objects.get(partner=partner).override == ManualOverride.GRANTED
    body = client.get(reverse("good_faith:staff-detail", args=["partners", partner.pk])).content.decode()
    assert "Small Brands Association" in body and "Vets well" in body
    assert "for the notices it files or vets" in body


def test_staff_list_filters_by_membership_status(client, reviewer, senior_reviewer, brand_a, brand_b):
    membership_grant(rights_holder_id=brand_a.pk, infringement_type="patent", actor=senior_reviewer, reason="ok")
    client.force_login(reviewer)
    url = reverse("good_faith:staff-list")
    members = client.get(url, {"status": "member"}).content.decode()
    assert "Brand A" in members and "Brand B" not in members
    others = client.get(url, {"status": "not_member"}).content.decode()
    assert "Brand B" in others and "Brand A" not in others
    overridden = client.get(url, {"status": "override"}).content.decode()
    assert "Brand A" in overridden and "Brand B" not in overridden


def _staff_list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("good_faith:staff-list"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_staff_list_query_count_does_not_grow_with_holders(
    client, reviewer, senior_reviewer, brand_a, asset_a, owner_a, store, django_assert_num_queries
):
    _decided_record(owner_a, brand_a, asset_a, store, reviewer, upheld=1, rejected=1)
    membership_grant(rights_holder_id=brand_a.pk, infringement_type="counterfeit", actor=senior_reviewer, reason="x")
    client.force_login(reviewer)
    one, body = _staff_list_queries(client)
    assert body.count('href="/good-faith/staff/holders/') == 1
    for n in range(19):
        holder = factories.RightsHolderFactory(legal_name=f"Holder {n:02d}")
        factories.IPAssetFactory(rights_holder=holder)
        membership_grant(rights_holder_id=holder.pk, actor=senior_reviewer, reason="x")
    twenty, body = _staff_list_queries(client)
    assert body.count('href="/good-faith/staff/holders/') == 20
    assert one == twenty
    # Session, user (with its groups and unread notifications: portal.authentication), count, holders,
    # memberships, track records (on SQLite the median is a second query); the session's second factor
    # (django-otp's device).
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 8):
        client.get(reverse("good_faith:staff-list"))


# --- The quality-audit queue ----------------------------------------------------------------------


@pytest.fixture
def audits(settings, partner, brand_a, asset_a, store):
    """Two fast-track takedowns drawn for audit: one overdue, one due tomorrow."""
    settings.GOOD_FAITH_AUDIT_PERCENT = 0  # no random draw while filing; the audits are made below
    filer = factories.member_of(partner.organisation)
    listings = [factories.ListingFactory(store=store, title=f"ACME bag {n}") for n in range(2)]
    items = file_notice(filer, brand_a, [draft(listing, asset_a) for listing in listings], partner=partner).accepted
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    now = timezone.now()
    later = quality_audit_maybe_select(items[0], now=now)
    overdue = quality_audit_maybe_select(items[1], now=now - timedelta(days=2))
    return overdue, later


def test_audit_queue_lists_open_audits_most_urgent_first_marking_the_overdue(client, reviewer, audits):
    overdue, later = audits
    client.force_login(reviewer)
    body = client.get(reverse("good_faith:audit-queue")).content.decode()
    first = body.index(reverse("takedowns:item-detail", args=[overdue.item_id]))
    second = body.index(reverse("takedowns:item-detail", args=[later.item_id]))
    assert first < second
    assert body.count("Overdue:") == 1
    assert "Brand A" in body and "vetted by Small Brands Association" in body
    assert "ACME bag 0" in body


def test_audit_reversed_through_the_page_reinstates_the_listing(client, reviewer, audits):
    overdue, _ = audits
    client.force_login(reviewer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("good_faith:audit-decide", args=[overdue.pk]),
            {"decision": "reverse", "reason": "The seller's invoice shows genuine stock."},
        )
    assert response.status_code == 302
    overdue.refresh_from_db()
    assert overdue.status == QualityAuditStatus.REVERSED and overdue.decided_by == reviewer
    item = overdue.item
    item.refresh_from_db()
    assert item.status == ItemStatus.DISMISSED and item.reversed_against_filer
    item.listing.refresh_from_db()
    assert item.listing.status == ListingStatus.LIVE
    body = client.get(reverse("good_faith:audit-queue")).content.decode()
    assert reverse("takedowns:item-detail", args=[item.pk]) not in body


def test_audit_confirmed_through_the_page_leaves_the_takedown(client, reviewer, audits):
    _, later = audits
    client.force_login(reviewer)
    response = client.post(
        reverse("good_faith:audit-decide", args=[later.pk]), {"decision": "confirm", "reason": "Fake hologram."}
    )
    assert "confirmed" in _messages(response)[0]
    later.refresh_from_db()
    assert later.status == QualityAuditStatus.CONFIRMED
    assert later.item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_no_audit_decision_is_chosen_for_the_reviewer(client, reviewer, audits):
    overdue, _ = audits
    client.force_login(reviewer)
    page = client.get(reverse("good_faith:audit-queue")).content.decode()
    first = page[page.index('<select name="decision"') :]
    assert first[: first.index("</option>")].endswith('<option value="" selected>Choose a decision')
    response = client.post(reverse("good_faith:audit-decide", args=[overdue.pk]), {"reason": "Looks right."})
    assert response.status_code == 400
    assert any("Choose a decision" in m for m in _messages(response))
    assert QualityAudit.objects.get(pk=overdue.pk).status == QualityAuditStatus.OPEN


def test_audit_decision_needs_a_reason_and_is_not_taken_twice(client, reviewer, audits):
    overdue, _ = audits
    client.force_login(reviewer)
    url = reverse("good_faith:audit-decide", args=[overdue.pk])
    response = client.post(url, {"decision": "reverse", "reason": ""})
    assert response.status_code == 400
    assert any("give its reasons" in m for m in _messages(response))
    assert QualityAudit.objects.get(pk=overdue.pk).status == QualityAuditStatus.OPEN
    client.post(url, {"decision": "confirm", "reason": "Right call."})
    response = client.post(url, {"decision": "reverse", "reason": "Changed my mind."})
    assert response.status_code == 409
    assert any("already decided" in m for m in _messages(response))
    assert QualityAudit.objects.get(pk=overdue.pk).status == QualityAuditStatus.CONFIRMED


def test_a_reviewer_who_loses_the_audit_race_gets_409_and_the_queue_as_it_now_stands(client, reviewer, audits):
    overdue, later = audits
    other = factories.UserFactory()
    other.groups.add(reviewer.groups.get())
    client.force_login(reviewer)
    # The other reviewer confirms first, while this one still has the queue open.
    run_on_commit(quality_audit_decide, audit_id=overdue.pk, actor=other, reverse=False, reason="Fake hologram.")
    response = client.post(
        reverse("good_faith:audit-decide", args=[overdue.pk]), {"decision": "reverse", "reason": "Genuine."}
    )
    assert response.status_code == 409
    assert any(
        f"The audit of item {overdue.item_id} was already decided (takedown confirmed" in m for m in _messages(response)
    )
    body = response.content.decode()
    assert reverse("takedowns:item-detail", args=[overdue.item_id]) not in body  # no longer open
    assert reverse("takedowns:item-detail", args=[later.item_id]) in body
    overdue.item.refresh_from_db()
    assert overdue.item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_audit_queue_query_count_does_not_grow_with_audits(client, reviewer, audits, settings, partner, brand_a):
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("good_faith:audit-queue"))
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    store = factories.StoreFactory()
    filer = factories.member_of(partner.organisation)
    drafts = [draft(factories.ListingFactory(store=store), asset) for _ in range(8)]
    for item in file_notice(filer, brand_a, drafts, partner=partner).accepted:
        quality_audit_maybe_select(item)
    assert QualityAudit.objects.filter(status=QualityAuditStatus.OPEN).count() == 10
    with CaptureQueriesContext(connection) as ten:
        client.get(reverse("good_faith:audit-queue"))
    assert len(two) == len(ten)


# --- Navigation -----------------------------------------------------------------------------------


def test_nav_links_holders_to_their_page_and_staff_to_the_list(client, owner_a, merchant_user, reviewer):
    client.force_login(owner_a)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("good_faith:holder-overview")}"' in body
    client.force_login(merchant_user)
    body = client.get(reverse("home")).content.decode()
    assert 'href="/good-faith/' not in body
    client.force_login(reviewer)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("good_faith:staff-list")}"' in body
    assert f'href="{reverse("good_faith:audit-queue")}"' in body


def test_staff_without_a_holder_land_on_the_staff_list(client, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("good_faith:holder-overview"))
    assert response.status_code == 302 and response["Location"] == reverse("good_faith:staff-list")


def test_staff_list_costs_the_same_queries_for_10_or_500_holders(client, reviewer):
    def make(n):
        start = Organisation.objects.count()
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"Holder {start + i}", slug=f"holder-{start + i}", kind=OrganisationKind.RIGHTS_HOLDER
                )
                for i in range(n)
            ]
        )
        RightsHolder.objects.bulk_create([RightsHolder(organisation=o, legal_name=o.name) for o in orgs])

    client.force_login(reviewer)
    list_queries_constant(client, reverse("good_faith:staff-list"), make)
