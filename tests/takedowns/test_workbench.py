"""The reviewer workbench: the queue (every kind of work, filters with counts, pages in constant queries),
the decision page (listing beside the right, no default decision, a statement required, decide and next)
and bulk decisions (a confirmation, then one transition per item, a summary of conflicts)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from good_faith.membership import membership_grant
from portal.errors import TransitionError
from portal.models import AuditLogEntry
from rights_holders.models import VerificationStatus
from takedowns import claims, lifecycle
from takedowns.models import CannedReason, ItemEvent, ItemStatus, NoticeItem, ReviewClaim
from tests import factories
from tests.bulk import notices_bulk_create
from tests.lists import list_queries_constant
from tests.takedowns.conftest import draft, file_notice

pytestmark = pytest.mark.django_db

QUEUE = "takedowns:review-queue"


@pytest.fixture(autouse=True)
def _no_random_audits(settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 0


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def asset_b(brand_b):
    return factories.IPAssetFactory(rights_holder=brand_b, name="BRANDB")


def _file(user, holder, asset, store, at=None, **kwargs):
    listing = factories.ListingFactory(store=store, **kwargs.pop("listing", {}))
    (item,) = file_notice(user, holder, [draft(listing, asset, **kwargs)], **({"now": at} if at else {})).accepted
    return item


def _waiting(asset, store, n):
    """``n`` items waiting for review (bulk-made), due in an hour."""
    if n <= 0:
        return
    notices_bulk_create(asset, store, n)
    NoticeItem.objects.filter(status=ItemStatus.PENDING_REVIEW, review_due_at__isnull=True).update(
        review_due_at=timezone.now() + timedelta(hours=1)
    )


def _reviewer():
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name="reviewer"))
    return user


# --- The queue ---


def test_the_queue_costs_the_same_queries_for_10_or_500_rows(client, senior_reviewer, asset_a, store):
    made = []

    def make(n):
        if not made:  # an asset to verify among the rows too
            factories.IPAssetFactory(verification_status=VerificationStatus.PENDING)
            made.append(1)
            n -= 1
        _waiting(asset_a, store, n)

    client.force_login(senior_reviewer)
    queries = list_queries_constant(client, reverse(QUEUE), make)
    # The page's rows and their items, claims and assets; the filters' counts (one GROUP BY a filter here,
    # one GROUPING SETS query on PostgreSQL), which say the total too: no count of its own.
    assert queries == (12 if connection.vendor == "postgresql" else 18)


def test_the_filtered_queue_costs_the_same_queries_for_10_or_500_rows(client, reviewer, asset_a, store):
    client.force_login(reviewer)
    params = {"kind": "review", "brand": asset_a.rights_holder_id, "type": "counterfeit", "store": store.pk}
    queries = list_queries_constant(client, reverse(QUEUE), lambda n: _waiting(asset_a, store, n), params=params)
    assert queries == (15 if connection.vendor == "postgresql" else 17)


def test_reviews_adjudications_appeals_and_asset_verifications_share_one_list(
    client, owner_a, brand_a, asset_a, store, senior_reviewer, reviewer
):
    item = _file(owner_a, brand_a, asset_a, store)
    rejected = _file(owner_a, brand_a, asset_a, store)
    lifecycle.notice_item_reject(item_id=rejected.pk, actor=reviewer, reason="No basis shown.")
    from takedowns import appeals

    appeals.appeal_file(item_id=rejected.pk, actor=owner_a, statement="The photos show the fake logo.")
    pending = factories.IPAssetFactory(rights_holder=brand_a, name="PENDINGMARK")
    pending.verification_status = VerificationStatus.PENDING
    pending.save(update_fields=["verification_status"])

    client.force_login(senior_reviewer)
    body = client.get(reverse(QUEUE)).content.decode()
    assert f"Review #{item.pk}" in body and f"Appeal #{rejected.pk}" in body
    assert "Asset verification: PENDINGMARK" in body
    assert re.search(r"left of 24 h", body)
    client.force_login(reviewer)  # appeals are for senior reviewers only
    body = client.get(reverse(QUEUE)).content.decode()
    assert f"Appeal #{rejected.pk}" not in body and f"Review #{item.pk}" in body
    assert "Appeal (" not in body


def test_filters_narrow_the_queue_and_each_value_shows_its_count(
    client, owner_a, brand_a, asset_a, user_b, brand_b, asset_b, store, reviewer
):
    shoes = [_file(owner_a, brand_a, asset_a, store, listing={"category": "shoes"}) for _ in range(2)]
    design = _file(owner_a, brand_a, asset_a, store, infringement_type="design", listing={"category": "bags"})
    other = _file(user_b, brand_b, asset_b, store, listing={"category": "shoes"})
    client.force_login(reviewer)

    response = client.get(reverse(QUEUE), {"type": "counterfeit"})
    shown = {e.item.pk for e in response.context["entries"]}
    assert shown == {shoes[0].pk, shoes[1].pk, other.pk}
    fields = {f["name"]: f for f in response.context["filter_fields"]}
    brands = {label for _v, label, _s in fields["brand"]["options"]}
    # A brand's count is with the other filters applied (here: counterfeit only).
    assert "Brand A (2)" in brands and "Brand B (1)" in brands and "All (3)" in brands
    # The type filter's own counts ignore its own choice: choosing "design" would show one row.
    types = {label for _v, label, _s in fields["type"]["options"]}
    assert "Design (1)" in types and "Counterfeit (3)" in types

    response = client.get(reverse(QUEUE), {"brand": brand_a.pk, "category": "bags"})
    assert [e.item.pk for e in response.context["entries"]] == [design.pk]
    response = client.get(reverse(QUEUE), {"kind": "adjudication"})
    assert response.context["entries"] == []
    assert "Nothing waiting matches these filters." in response.content.decode()


def test_a_bad_filter_value_is_named_by_its_field_not_a_500(client, reviewer, owner_a, brand_a, asset_a, store):
    item = _file(owner_a, brand_a, asset_a, store)
    client.force_login(reviewer)
    response = client.get(reverse(QUEUE), {"brand": "abc", "kind": "nonsense", "type": "\u00b2"})
    assert response.status_code == 200
    fields = {f["name"]: f for f in response.context["filter_fields"]}
    assert fields["brand"]["error"] and fields["kind"]["error"] and fields["type"]["error"]
    assert 'id="queue-brand-error"' in response.content.decode()
    assert [e.item.pk for e in response.context["entries"]] == [item.pk]  # the bad filters are left out


def test_at_equal_due_times_a_trusted_filers_item_goes_first_on_the_page(
    client, owner_a, brand_a, asset_a, user_b, brand_b, asset_b, store, senior_reviewer, t0
):
    other = _file(user_b, brand_b, asset_b, store, t0)
    member = _file(owner_a, brand_a, asset_a, store, t0)
    membership_grant(
        rights_holder_id=brand_a.pk, infringement_type="counterfeit", actor=senior_reviewer, reason="Proven record."
    )
    client.force_login(senior_reviewer)
    entries = client.get(reverse(QUEUE)).context["entries"]
    assert [(e.item.pk, e.ahead) for e in entries] == [(member.pk, True), (other.pk, False)]


# --- The decision page ---


def test_the_decision_page_shows_the_listing_beside_the_right_with_no_decision_chosen(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    asset_a.reference_price = 200
    asset_a.reference_currency = "EUR"
    asset_a.save(update_fields=["reference_price", "reference_currency"])
    item = _file(owner_a, brand_a, asset_a, store, listing={"price": 20, "currency": "EUR"})
    CannedReason.objects.create(outcome="rejected", title="Duplicate (test)", text="A duplicate of an earlier notice.")
    client.force_login(reviewer)
    response = client.get(reverse("takedowns:item-detail", args=[item.pk]))
    body = response.content.decode()
    assert response.templates[0].name == "takedowns/item_review.html"
    assert item.listing.title in body and asset_a.name in body
    assert "10% of the reference price" in body
    form = response.context["decision_form"]
    assert form["decision"].value() in (None, "")  # no default decision
    assert " checked" not in re.search(
        r'<div class="decision-fields".*?</div>\s*<div class="decision-actions">', body, re.S
    ).group(0)
    # One canned-reason picker, its options carrying the text the script puts in the statement.
    assert body.count('name="canned_reason"') == 1
    assert 'data-text="A duplicate of an earlier notice."' in body and 'data-decision="reject"' in body
    # The shortcuts are listed on the page, and their script is served from static/.
    assert "<kbd>r</kbd>" in body and "/static/js/workbench.js" in body


def test_a_decision_without_a_statement_is_refused_by_the_field_and_nothing_changes(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    item = _file(owner_a, brand_a, asset_a, store)
    client.force_login(reviewer)
    response = client.post(reverse("takedowns:item-decide", args=[item.pk]), {"decision": "accept", "reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write the statement of reasons: both sides read it." in body
    assert 'id="field-reason"' in body and "error-summary" in body
    response = client.post(reverse("takedowns:item-decide", args=[item.pk]), {"reason": "Well founded."})
    assert response.status_code == 400
    assert "Choose a decision: none is made for you." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_decide_and_next_goes_to_the_next_item_nobody_else_holds(
    client, owner_a, brand_a, asset_a, store, reviewer, t0
):
    first = _file(owner_a, brand_a, asset_a, store, t0)
    held = _file(owner_a, brand_a, asset_a, store, t0 + timedelta(minutes=1))
    following = _file(owner_a, brand_a, asset_a, store, t0 + timedelta(minutes=2))
    claims.review_claim_take(item_id=held.pk, actor=_reviewer())
    client.force_login(reviewer)
    client.get(reverse("takedowns:item-detail", args=[first.pk]))
    response = client.post(
        reverse("takedowns:item-decide", args=[first.pk]),
        {"decision": "accept", "reason": "Complete and substantiated.", "and_next": "1"},
    )
    assert response.status_code == 302
    assert response.url == reverse("takedowns:item-detail", args=[following.pk])
    response = client.post(
        reverse("takedowns:item-decide", args=[following.pk]),
        {"decision": "accept", "reason": "Complete and substantiated.", "and_next": "1"},
    )
    assert response.url == reverse(QUEUE)  # the only one left is held by someone else


def test_an_appeal_decision_without_reasons_is_refused_by_the_field(
    client, owner_a, brand_a, asset_a, store, reviewer, senior_reviewer
):
    from takedowns import appeals
    from takedowns.models import Appeal

    item = _file(owner_a, brand_a, asset_a, store)
    lifecycle.notice_item_reject(item_id=item.pk, actor=reviewer, reason="No basis shown.")
    appeal = appeals.appeal_file(item_id=item.pk, actor=owner_a, statement="The photos show the fake logo.")
    client.force_login(senior_reviewer)
    response = client.post(reverse("takedowns:appeal-decide", args=[appeal.pk]), {"decision": "reverse"})
    assert response.status_code == 400
    assert "Write the reasons: both sides read them." in response.content.decode()
    assert Appeal.objects.get(pk=appeal.pk).status == "open"


# --- Bulk decisions ---


def test_a_bulk_decision_asks_for_confirmation_then_decides_each_item_on_its_own(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    items = [_file(owner_a, brand_a, asset_a, store) for _ in range(3)]
    changed = items[0]
    held = _file(owner_a, brand_a, asset_a, store)
    misfit = _file(owner_a, brand_a, asset_a, store)
    lifecycle.notice_item_accept(item_id=misfit.pk, actor=_reviewer())  # no longer waiting for review
    other = _reviewer()
    claims.review_claim_take(item_id=held.pk, actor=other)
    ids = [i.pk for i in items] + [held.pk, misfit.pk]
    post = {
        "items": ids,
        "bulk-decision": "reject",
        "bulk-reason": "A duplicate of an earlier notice against the same listing.",
    }
    client.force_login(reviewer)
    events_before = ItemEvent.objects.count()

    response = client.post(reverse("takedowns:bulk-decide"), post)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>5 items</strong> will each be decided: <strong>Reject the notice</strong>" in body
    assert f"claimed by {other.username}: will be left" in body
    assert body.count("the decision does not apply to it now: will be left") == 1
    assert ItemEvent.objects.count() == events_before  # nothing decided before the confirmation
    seen = [f"{item.pk}:{item.status}" for item, _claim, _applies in response.context["rows"]]

    # Between the confirmation and the click, another reviewer moves one of them on.
    lifecycle.notice_item_accept(item_id=changed.pk, actor=_reviewer())
    response = client.post(reverse("takedowns:bulk-decide"), {**post, "seen": seen, "confirm": "1"})
    assert response.status_code == 200
    done = response.context["done"]
    assert sorted(i.pk for i in done) == sorted(i.pk for i in items[1:])
    conflicts = {item.pk: why for item, why, _detail in response.context["conflicts"]}
    assert conflicts == {
        changed.pk: "its state changed",
        held.pk: "claimed by someone else",
        misfit.pk: "the decision does not apply to it",
    }
    for item in items[1:]:
        item.refresh_from_db()
        assert item.status == ItemStatus.REJECTED
        event = item.events.get(action="rejected")
        assert event.reason == post["bulk-reason"] and event.actor == reviewer
        assert AuditLogEntry.objects.filter(action="takedowns.item.rejected", object_id=str(item.pk)).count() == 1
    held.refresh_from_db()
    assert held.status == ItemStatus.PENDING_REVIEW
    # What it could not decide is not left claimed by the reviewer: the others may take it now.
    assert list(ReviewClaim.objects.values_list("item_id", "reviewer_id")) == [(held.pk, other.pk)]


def test_a_bulk_decision_of_items_already_decided_says_so(client, owner_a, brand_a, asset_a, store, reviewer):
    item = _file(owner_a, brand_a, asset_a, store)
    lifecycle.notice_item_reject(item_id=item.pk, actor=_reviewer(), reason="No basis shown.")
    client.force_login(reviewer)
    response = client.post(
        reverse("takedowns:bulk-decide"),
        {"items": [item.pk], "bulk-decision": "reject", "bulk-reason": "Duplicate.", "confirm": "1"},
    )
    assert [(i.pk, why) for i, why, _d in response.context["conflicts"]] == [(item.pk, "already decided")]
    assert not ReviewClaim.objects.filter(item=item).exists()


def test_a_refused_decision_keeps_the_claim_of_a_reviewer_who_opened_the_item(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    item = _file(owner_a, brand_a, asset_a, store)
    claims.review_claim_take(item_id=item.pk, actor=reviewer)
    with pytest.raises(TransitionError):
        claims.notice_item_decide(item_id=item.pk, actor=reviewer, decision="uphold", reason="Fake.")
    assert ReviewClaim.objects.get(item=item).reviewer == reviewer


def test_a_bulk_decision_without_a_selection_or_statement_is_refused_by_the_field(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    item = _file(owner_a, brand_a, asset_a, store)
    client.force_login(reviewer)
    response = client.post(reverse("takedowns:bulk-decide"), {"bulk-decision": "reject", "bulk-reason": "Dup."})
    assert response.status_code == 400
    assert "Select at least one item in the queue." in response.content.decode()
    response = client.post(reverse("takedowns:bulk-decide"), {"items": [item.pk], "bulk-decision": "reject"})
    assert response.status_code == 400
    assert "Write the statement of reasons: both sides read it." in response.content.decode()
    response = client.post(
        reverse("takedowns:bulk-decide"), {"items": ["x"], "bulk-decision": "reject", "bulk-reason": "Dup."}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_only_reviewers_decide_in_bulk(client, owner_a, brand_a, asset_a, store):
    item = _file(owner_a, brand_a, asset_a, store)
    client.force_login(owner_a)
    response = client.post(
        reverse("takedowns:bulk-decide"),
        {"items": [item.pk], "bulk-decision": "reject", "bulk-reason": "Dup.", "confirm": "1"},
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_the_filters_counted_together_say_what_each_counted_alone_says(
    owner_a, brand_a, asset_a, asset_b, brand_b, store, senior_reviewer
):
    from takedowns import workbench

    other_store = factories.StoreFactory()
    _waiting(asset_a, store, 5)
    _waiting(asset_b, other_store, 3)
    _file(owner_a, brand_a, asset_a, store, listing={"category": "bags"})
    pending = factories.IPAssetFactory(rights_holder=brand_b, name="PENDINGB")
    pending.verification_status = VerificationStatus.PENDING
    pending.save(update_fields=["verification_status"])

    def alone(filters):
        out = {}
        for name, column in workbench.FACETS.items():
            rows = workbench.queue_rows(include_appeals=True, filters=filters, skip=name)
            sql, params = rows.query.get_compiler(using=rows.db).as_sql()
            counts = workbench._facet_group_by(column, sql, params)
            out[name] = (sum(n for _v, n in counts), [(v, n) for v, n in counts if v not in (None, "")])
        return out

    later = timezone.now() + timedelta(hours=30)  # everything is due within a day
    for filters in ({}, {"store": store.pk}, {"kind": "review", "brand": brand_a.pk}):
        for before in (timezone.now(), later):
            overdue = {"before": before}
            together = workbench.queue_facets(include_appeals=True, filters=filters, overdue=overdue)
            assert together == alone(filters), filters
            due_rows = workbench.queue_rows(include_appeals=True, filters=filters, due_before=before)
            assert overdue["count"] == due_rows.count(), (filters, before)
        assert overdue["count"] > 0
    everything = workbench.queue_facets(include_appeals=True, filters={})
    assert everything["kind"] == (10, [("review", 9), ("verification", 1)])
    assert dict(everything["store"][1]) == {store.pk: 6, other_store.pk: 3}


def test_a_page_read_part_by_part_is_the_ordered_unions_slice(owner_a, brand_a, asset_a, asset_b, store, t0):
    from takedowns import workbench
    from takedowns.views.queue import QUEUE_SORTS

    _waiting(asset_a, store, 7)
    _waiting(asset_b, factories.StoreFactory(), 4)
    fast = _file(owner_a, brand_a, asset_a, store, at=t0)
    NoticeItem.objects.filter(pk=fast.pk).update(track="fast")
    pending = factories.IPAssetFactory(rights_holder=brand_a, name="PENDINGA")
    pending.verification_status = VerificationStatus.PENDING
    pending.save(update_fields=["verification_status"])
    # Equal due times, so the order's later keys (trust, kind, id) decide too.
    NoticeItem.objects.filter(pk__in=NoticeItem.objects.order_by("id").values("pk")[:4]).update(review_due_at=t0)

    for descending in (False, True):
        order = (*QUEUE_SORTS["due"].order_by(descending), "-pk" if descending else "pk")
        for filters in ({}, {"brand": brand_a.pk}):
            whole = list(workbench.queue_rows(include_appeals=True, filters=filters).order_by(*order))
            assert len(whole) > 5
            for start, stop in ((0, 5), (5, 10), (10, 15), (0, 50)):
                page = workbench.queue_page_rows(
                    include_appeals=True, filters=filters, order=order, start=start, stop=stop
                )
                assert page == whole[start:stop], (descending, filters, start)

    # The page's SQL is built once; what it reads is read anew: an item due first is first at once.
    order = (*QUEUE_SORTS["due"].order_by(False), "pk")
    first = _file(owner_a, brand_a, asset_a, store, at=t0 - timedelta(days=3))
    page = workbench.queue_page_rows(include_appeals=True, filters={}, order=order, start=0, stop=5)
    assert page[0]["id"] == first.pk
