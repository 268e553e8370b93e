"""The takedown pages, through the real services: filing, the item page and its actions, the queue."""

import io
import re
import zipfile
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from listings.models import ListingStatus
from portal.instants import zone_label
from takedowns import appeals, lifecycle
from takedowns.models import (
    Appeal,
    AppealStatus,
    CannedReason,
    CounterNotice,
    CounterNoticeEvidence,
    Evidence,
    ItemStatus,
    Notice,
)
from takedowns.notices import notice_submit
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft
from tests.takedowns.filing_pages import page_post, row

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _zip_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", "hello")
    return buffer.getvalue()


def _stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _submit(actor, holder, drafts):
    """File through the service; after-commit callbacks never run inside the test's transaction."""
    return notice_submit(
        actor=actor,
        rights_holder=holder,
        acting_organisation=holder.organisation,
        data=dict(NOTICE_DATA),
        drafts=drafts,
    )


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, listing, reviewer):
    """An item in its counter-notice window (standard track, accepted by a reviewer)."""
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    return item


def _counter_notice_post(**overrides):
    data = {
        "statement": "Genuine stock bought from the brand's distributor; invoice attached.",
        "signature": "Sam Merchant",
        "contact_name": "Sam Merchant",
        "contact_address": "9 Market Road, Yiwu",
        "contact_phone": "+86 579 1234 5678",
        "contact_email": "sam@shady.test",
        "accuracy_statement": "on",
    }
    data.update(overrides)
    return data


# --- Filing a notice ---------------------------------------------------------


def test_merchant_without_a_brand_cannot_open_the_filing_page(client, merchant_user):
    client.force_login(merchant_user)
    assert client.get(reverse("takedowns:notice-create")).status_code == 404


# --- Lists and scoping -----------------------------------------------------------


def test_notice_list_counts_items_by_status(client, owner_a, brand_a, asset_a, listing, store):
    removed = factories.ListingFactory(store=store, status=ListingStatus.REMOVED)
    _submit(owner_a, brand_a, [draft(listing, asset_a), draft(removed, asset_a)])
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:notice-list")).content.decode()
    assert "Waiting for review 1" in body and "Invalid 1" in body


def test_merchant_sees_its_items_with_deadlines_in_its_own_time_zone(client, accepted_item, merchant_user):
    merchant_user.time_zone = "Asia/Tokyo"
    merchant_user.save(update_fields=["time_zone"])
    client.force_login(merchant_user)
    body = client.get(reverse("takedowns:notice-list")).content.decode()
    deadline = accepted_item.counter_notice_deadline
    local = deadline.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert "Your listings under complaint" in body
    assert f"{local:%Y-%m-%d %H:%M} UTC+9 (Asia/Tokyo)" in body
    assert f"{deadline:%Y-%m-%d %H:%M} UTC" in body
    assert "2 days 23 hours left" in body


def test_another_organisation_gets_404_for_notice_item_and_evidence(client, owner_a, brand_a, asset_a, listing, user_b):
    evidence = SimpleUploadedFile("proof.pdf", PDF)
    from portal.uploads import validate_upload

    (item,) = _submit(
        owner_a, brand_a, [draft(listing, asset_a, evidence=[validate_upload(evidence, kind="document")])]
    ).accepted
    stored = Evidence.objects.get(item=item)
    client.force_login(user_b)
    assert client.get(reverse("takedowns:notice-detail", args=[item.notice_id])).status_code == 404
    assert client.get(reverse("takedowns:notice-receipt", args=[item.notice_id])).status_code == 404
    assert client.get(reverse("takedowns:item-detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("file-download", args=["evidence", stored.pk])).status_code == 404
    assert client.post(reverse("takedowns:item-withdraw", args=[item.pk])).status_code == 404
    assert client.get(reverse("takedowns:item-counter-notice", args=[item.pk])).status_code == 404
    assert b"Notice" in client.get(reverse("takedowns:notice-list")).content
    assert str(item.notice.reference)[:8] not in client.get(reverse("takedowns:notice-list")).content.decode()

    client.force_login(owner_a)
    download = client.get(reverse("file-download", args=["evidence", stored.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


# --- The item page and its actions ------------------------------------------------


def test_item_page_shows_history_evidence_and_countdown(client, accepted_item, owner_a, reviewer):
    owner_a.time_zone = "America/New_York"
    owner_a.save(update_fields=["time_zone"])
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    deadline = accepted_item.counter_notice_deadline
    local = deadline.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert f"{local:%Y-%m-%d %H:%M} {zone_label(local)} (America/New_York)" in body
    assert f"({deadline:%Y-%m-%d %H:%M} UTC)" in body
    assert "Counter-notice due" in body and "2 days 23 hours left" in body
    assert "Submitted &rarr; Waiting for review" in body
    assert "Waiting for review &rarr; Awaiting counter-notice" in body
    assert "A platform reviewer" in body and reviewer.username not in body
    assert "Withdraw the complaint" in body
    assert "File a counter-notice" not in body


def test_a_deadline_in_a_zone_at_utc_is_written_once(client, accepted_item, owner_a):
    """Dublin in winter is at UTC: the local time is the UTC time, and the page does not say it twice."""
    owner_a.time_zone = "Europe/Dublin"
    owner_a.save(update_fields=["time_zone"])
    client.force_login(owner_a)
    with time_machine.travel(datetime(2026, 1, 10, 12, tzinfo=UTC)):
        accepted_item.counter_notice_deadline = datetime(2026, 1, 13, 12, tzinfo=UTC)
        accepted_item.save(update_fields=["counter_notice_deadline"])
        body = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert "2026-01-13 12:00 UTC (Europe/Dublin)</time>" in body
    assert "(2026-01-13 12:00 UTC)" not in body


def test_merchant_files_a_counter_notice_with_evidence(client, accepted_item, merchant_user, _private_media):
    client.force_login(merchant_user)
    url = reverse("takedowns:item-counter-notice", args=[accepted_item.pk])
    assert (
        "File a counter-notice"
        in client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    )
    invoice = SimpleUploadedFile("invoice.pdf", PDF)
    response = client.post(url, _counter_notice_post(evidence=[invoice]), follow=True)
    assert "Your counter-notice is filed" in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.COUNTER_NOTICED
    counter_notice = CounterNotice.objects.get(item=accepted_item)
    assert counter_notice.contact_phone == "+86 579 1234 5678"
    assert CounterNoticeEvidence.objects.get(counter_notice=counter_notice).original_name == "invoice.pdf"


def test_counter_notice_with_bad_evidence_is_refused_and_nothing_is_stored(
    client, accepted_item, merchant_user, _private_media
):
    client.force_login(merchant_user)
    bad = SimpleUploadedFile("invoice.pdf", _zip_bytes())
    response = client.post(
        reverse("takedowns:item-counter-notice", args=[accepted_item.pk]), _counter_notice_post(evidence=[bad])
    )
    assert response.status_code == 200
    assert "ZIP archive" in response.content.decode()
    assert CounterNotice.objects.count() == 0
    assert _stored_files(_private_media) == []


def test_counter_notice_missing_fields_are_named(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    response = client.post(
        reverse("takedowns:item-counter-notice", args=[accepted_item.pk]), _counter_notice_post(statement="")
    )
    assert "Explain why the listing does not infringe." in response.content.decode()
    assert CounterNotice.objects.count() == 0


def test_counter_notice_after_the_deadline_is_refused_with_the_deadline(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    deadline = accepted_item.counter_notice_deadline
    with time_machine.travel(deadline + timedelta(hours=1)):
        page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
        response = client.post(
            reverse("takedowns:item-counter-notice", args=[accepted_item.pk]), _counter_notice_post()
        )
    assert "The counter-notice window closed at" in page
    body = response.content.decode()
    assert response.status_code == 409  # the item's state (a closed window) forbids it, the form keeps the text
    assert f"The counter-notice window closed at {deadline:%Y-%m-%d %H:%M} UTC" in body
    assert CounterNotice.objects.count() == 0


def _counter_noticed(item, merchant_user, **fields):
    lifecycle.notice_item_counter_notice(
        item_id=item.pk,
        actor=merchant_user,
        counter_notice_fields={k: True if v == "on" else v for k, v in _counter_notice_post(**fields).items()},
    )
    item.refresh_from_db()
    return item


def test_holder_does_not_see_merchant_contact_for_a_counterfeit_item(client, accepted_item, merchant_user, owner_a):
    _counter_noticed(accepted_item, merchant_user)
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert "Genuine stock bought from the brand" in body
    assert "+86 579 1234 5678" not in body and "sam@shady.test" not in body and "9 Market Road" not in body
    assert "contact details are withheld" in body
    client.force_login(merchant_user)
    assert "+86 579 1234 5678" in client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()


def test_history_names_people_only_to_their_own_side_and_staff(client, accepted_item, merchant_user, owner_a, reviewer):
    _counter_noticed(accepted_item, merchant_user)
    url = reverse("takedowns:item-detail", args=[accepted_item.pk])
    client.force_login(owner_a)
    as_holder = client.get(url).content.decode()
    assert merchant_user.username not in as_holder and "The merchant" in as_holder
    assert reviewer.username not in as_holder and "A platform reviewer" in as_holder
    client.force_login(merchant_user)
    as_merchant = client.get(url).content.decode()
    assert owner_a.username not in as_merchant and merchant_user.username in as_merchant
    client.force_login(reviewer)
    as_staff = client.get(url).content.decode()
    assert merchant_user.username in as_staff and reviewer.username in as_staff


def test_holder_sees_merchant_contact_for_a_copyright_item(
    client, owner_a, brand_a, asset_a, listing, reviewer, merchant_user
):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a, infringement_type="copyright")]).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    client.force_login(merchant_user)
    form = client.get(reverse("takedowns:item-counter-notice", args=[item.pk])).content.decode()
    assert "mistake or misidentification" in form
    client.post(
        reverse("takedowns:item-counter-notice", args=[item.pk]),
        _counter_notice_post(good_faith_mistake_statement="on", consent_to_jurisdiction="on", consent_to_service="on"),
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.COUNTER_NOTICED
    client.force_login(owner_a)
    body = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert "+86 579 1234 5678" in body and "sam@shady.test" in body and "9 Market Road" in body


def test_holder_replies_then_reviewer_upholds_with_an_edited_canned_reason(
    client, accepted_item, merchant_user, owner_a, reviewer
):
    _counter_noticed(accepted_item, merchant_user)
    client.force_login(owner_a)
    response = client.post(
        reverse("takedowns:item-reply", args=[accepted_item.pk]),
        {"statement": "The invoice is forged: our distributor never sold to this store."},
        follow=True,
    )
    assert "Your reply is sent" in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.PENDING_ADJUDICATION

    canned = CannedReason.objects.create(
        outcome="upheld",
        title="Forged invoice (test)",
        text="The invoice offered as proof of authenticity is not genuine.",
    )
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk]), {"canned": canned.pk})
    assert canned.text in page.content.decode()  # picked into the box, ready to edit
    edited = canned.text + " The distributor confirmed it in writing."
    response = client.post(
        reverse("takedowns:item-decide", args=[accepted_item.pk]),
        {"decision": "uphold", "canned_reason": canned.pk, "reason": edited},
        follow=True,
    )
    assert "Upheld" in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.UPHELD
    assert accepted_item.events.order_by("id").last().reason == edited
    assert accepted_item.statements.get().facts == edited


def test_a_canned_reason_without_a_statement_comes_back_in_the_box_and_decides_when_sent_again(
    client, owner_a, brand_a, asset_a, listing, reviewer
):
    """The statement is required: a canned reason sent without one (no script on the page) comes back with
    its text in the statement box and the error by the field; nothing is decided until it is sent again."""
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    canned = CannedReason.objects.create(
        outcome="rejected", title="Not substantiated (test)", text="The notice does not show how the listing infringes."
    )
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert "Not substantiated (test)" in page and "Accept: open the counter-notice window" in page
    response = client.post(
        reverse("takedowns:item-decide", args=[item.pk]), {"decision": "reject", "canned_reason": canned.pk}
    )
    assert response.status_code == 400
    form = response.context["decision_form"]
    assert form["reason"].value() == canned.text
    assert "The canned text is now in the box" in str(form.errors["reason"])
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW
    client.post(
        reverse("takedowns:item-decide", args=[item.pk]),
        {"decision": "reject", "canned_reason": canned.pk, "reason": form["reason"].value()},
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED
    assert item.events.order_by("id").last().reason == canned.text


def test_picking_a_canned_rejection_reason_also_picks_the_rejection(
    client, owner_a, brand_a, asset_a, listing, reviewer
):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    canned = CannedReason.objects.create(outcome="rejected", title="Not substantiated (test)", text="No basis shown.")
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:item-detail", args=[item.pk]), {"canned": canned.pk})
    assert page.context["decision_form"]["decision"].value() == "reject"


def test_rejection_without_any_reason_is_bad_input_400_not_a_conflict(
    client, owner_a, brand_a, asset_a, listing, reviewer
):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    client.force_login(reviewer)
    response = client.post(reverse("takedowns:item-decide", args=[item.pk]), {"decision": "reject"})
    assert response.status_code == 400
    assert str(response.context["decision_form"].errors["reason"]).count(
        "Write the statement of reasons: both sides read it."
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_illegal_decision_answers_409_with_the_message_and_the_current_state(client, accepted_item, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("takedowns:item-decide", args=[accepted_item.pk]), {"decision": "dismiss", "reason": "x"}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "only items waiting for adjudication are decided" in body
    assert "This item is now <strong>awaiting counter-notice</strong>" in body


def test_a_reviewer_who_loses_the_race_gets_409_and_the_page_as_it_now_stands(
    client, owner_a, brand_a, asset_a, listing, reviewer
):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    other = factories.UserFactory()
    other.groups.add(reviewer.groups.get())
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:item-detail", args=[item.pk]))  # both reviewers see "pending review"
    assert "Reject the notice" in page.content.decode()
    lifecycle.notice_item_accept(item_id=item.pk, actor=other)  # the other reviewer decides first
    response = client.post(
        reverse("takedowns:item-decide", args=[item.pk]), {"decision": "reject", "reason": "Not substantiated."}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert f"Item {item.pk} is awaiting counter-notice; only items waiting for review are rejected." in body
    assert "This item is now <strong>awaiting counter-notice</strong>" in body
    # The page as it stands offers no decision on a decided review: the table has none from here.
    assert response.context["decision_form"] is None
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    assert item.events.filter(action="rejected").count() == 0


def test_non_reviewer_cannot_decide(client, owner_a, brand_a, asset_a, listing):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    client.force_login(owner_a)
    assert client.post(reverse("takedowns:item-decide", args=[item.pk]), {"decision": "accept"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_holder_withdraws_from_the_page(client, accepted_item, owner_a):
    client.force_login(owner_a)
    url = reverse("takedowns:item-withdraw", args=[accepted_item.pk])
    # The item page offers a link to a confirmation step, never a one-click withdrawal.
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert f'href="{url}"' in page and f'action="{url}"' not in page
    confirm = client.get(url).content.decode()
    assert "Yes, withdraw the complaint" in confirm and 'name="confirmed" value="yes"' in confirm
    # A POST without the confirmation shows the question again, the reason kept; nothing withdrawn.
    unconfirmed = client.post(url, {"reason": "Settled with the seller."})
    assert unconfirmed.status_code == 200 and "Settled with the seller." in unconfirmed.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    response = client.post(url, {"reason": "Settled with the seller.", "confirmed": "yes"}, follow=True)
    assert "The complaint is withdrawn" in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.WITHDRAWN
    again = client.post(reverse("takedowns:item-withdraw", args=[accepted_item.pk]), follow=True)
    assert "a decided item cannot be withdrawn" in again.content.decode()


def test_merchant_cannot_withdraw(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    response = client.post(reverse("takedowns:item-withdraw", args=[accepted_item.pk]), follow=True)
    assert "Only the rights holder or its filer can do this." in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_appeal_filed_and_decided_by_a_senior_reviewer_from_the_pages(
    client, accepted_item, merchant_user, senior_reviewer
):
    with time_machine.travel(accepted_item.counter_notice_deadline + timedelta(minutes=1)):
        lifecycle.notice_item_uphold_by_default(item_id=accepted_item.pk)
    client.force_login(merchant_user)
    page = client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    assert "Appeal possible until" in page and "Appeal the decision" in page
    response = client.post(
        reverse("takedowns:item-appeal", args=[accepted_item.pk]),
        {"statement": "I was travelling; here is the invoice."},
        follow=True,
    )
    assert "Your appeal is filed" in response.content.decode()
    appeal = Appeal.objects.get(item=accepted_item)
    assert appeal.side == "merchant"
    assert (
        "Appeal the decision"
        not in client.get(reverse("takedowns:item-detail", args=[accepted_item.pk])).content.decode()
    )

    client.force_login(senior_reviewer)
    queue = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f"Appeal #{accepted_item.pk}" in queue
    client.post(
        reverse("takedowns:appeal-decide", args=[appeal.pk]),
        {"decision": "reverse", "reason": "The invoice checks out."},
    )
    appeal.refresh_from_db()
    accepted_item.refresh_from_db()
    assert appeal.status == AppealStatus.REVERSED
    assert accepted_item.status == ItemStatus.DISMISSED


def test_appeal_after_the_period_shows_the_date(client, accepted_item, merchant_user):
    with time_machine.travel(accepted_item.counter_notice_deadline + timedelta(minutes=1)):
        lifecycle.notice_item_uphold_by_default(item_id=accepted_item.pk)
    accepted_item.refresh_from_db()
    with time_machine.travel(appeals.appeal_deadline(accepted_item) + timedelta(days=1)):
        client.force_login(merchant_user)
        response = client.post(
            reverse("takedowns:item-appeal", args=[accepted_item.pk]), {"statement": "Late"}, follow=True
        )
    assert "The appeal period ended on" in response.content.decode()
    assert Appeal.objects.count() == 0


# --- The reviewer queue --------------------------------------------------------------


def test_queue_is_for_platform_staff_only(client, owner_a, merchant_user):
    for user in (owner_a, merchant_user):
        client.force_login(user)
        assert client.get(reverse("takedowns:review-queue")).status_code == 404


def test_queue_orders_by_due_time_and_marks_overdue_and_authorised_stores(
    client, owner_a, brand_a, asset_a, store, reviewer
):
    from rights_holders.models import AuthorisedStore

    first, second = factories.ListingFactory(store=store), factories.ListingFactory(store=store)
    _submit(owner_a, brand_a, [draft(first, asset_a)])
    later = timezone.now() + timedelta(hours=30)
    AuthorisedStore.objects.create(rights_holder=brand_a, store=store)
    with time_machine.travel(later - timedelta(hours=5)):
        _submit(owner_a, brand_a, [draft(second, asset_a)])
    client.force_login(reviewer)
    with time_machine.travel(later):
        body = client.get(reverse("takedowns:review-queue")).content.decode()
    assert body.index(first.external_id) < body.index(second.external_id)
    assert "overdue by 6 hours" in body
    assert re.search(r"(19 hours|18 hours 59 minutes) left of 24 h", body)
    assert body.count("Authorised store") == 1


def _queue_queries(client, count, owner, brand, asset, store):
    drafts = [draft(factories.ListingFactory(store=store), asset) for _ in range(count)]
    _submit(owner, brand, drafts)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("takedowns:review-queue"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/takedowns/items/') >= count
    return len(queries)


def test_queue_query_count_does_not_grow_with_items(client, owner_a, brand_a, asset_a, store, senior_reviewer):
    client.force_login(senior_reviewer)
    one = _queue_queries(client, 1, owner_a, brand_a, asset_a, store)
    twenty = _queue_queries(client, 19, owner_a, brand_a, asset_a, store)
    assert one == twenty  # 10 and 500 rows: tests/takedowns/test_workbench.py (tests/lists.py)


def test_notice_list_query_count_does_not_grow_with_notices(client, owner_a, brand_a, asset_a, store):
    client.force_login(owner_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("takedowns:notice-list"))
        return len(queries)

    _submit(owner_a, brand_a, [draft(factories.ListingFactory(store=store), asset_a)])
    one = count()
    for _ in range(5):
        _submit(owner_a, brand_a, [draft(factories.ListingFactory(store=store), asset_a) for _ in range(3)])
    assert count() == one


def test_nav_links_to_the_pages(client, reviewer, owner_a):
    client.force_login(owner_a)
    body = client.get(reverse("home")).content.decode()  # a brand's home is its dashboard
    assert reverse("takedowns:notice-list") in body and reverse("takedowns:notice-create") in body
    assert reverse("brand-dashboard") in body
    assert reverse("takedowns:review-queue") not in body
    client.force_login(reviewer)
    assert reverse("takedowns:review-queue") in client.get(reverse("home")).content.decode()


def test_merchant_lists_leave_out_items_returned_to_the_filer_as_invalid(
    client, owner_a, brand_a, listing, merchant_user
):
    from rights_holders.models import VerificationStatus

    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    (invalid,) = _submit(owner_a, brand_a, [draft(listing, pending)]).invalid
    client.force_login(merchant_user)
    body = client.get(reverse("takedowns:notice-list")).content.decode()
    assert reverse("takedowns:item-detail", args=[invalid.pk]) not in body


# --- Who files: the acting organisation is named and checked, never guessed ------------------------


@pytest.fixture
def two_hat_agent(brand_a, asset_a):
    """Issue 9's scenario: a user in a suspended agent firm (with a letter for brand A) and in a second
    organisation with no letter, created first so that it has the lower id; brand A is a Good Faith member.
    """
    from good_faith.models import Membership as GoodFaithMembership
    from good_faith.models import MembershipStatus
    from portal.models import Membership, OrganisationKind
    from takedowns.models import FilingSuspension

    second = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Second Firm")
    firm = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Suspended Firm")
    factories.LetterOfAuthorisationFactory(agent=firm, rights_holder=brand_a)
    FilingSuspension.objects.create(
        organisation=firm, ends_at=timezone.now() + timedelta(days=30), reason="Manifestly unfounded notices"
    )
    GoodFaithMembership.objects.create(
        rights_holder=brand_a, status=MembershipStatus.MEMBER, member_since=timezone.now() - timedelta(days=30)
    )
    user = factories.member_of(firm)
    Membership.objects.create(user=user, organisation=second)
    colleague = factories.member_of(second)
    return {"user": user, "firm": firm, "second": second, "colleague": colleague}


def test_member_of_an_organisation_without_a_letter_cannot_open_or_withdraw(
    client, two_hat_agent, owner_a, brand_a, asset_a, listing
):
    """A notice recorded under an organisation with no letter (as the guess used to record it) gives
    that organisation's members no access: a 404 like a missing id, and the item stays as it was."""
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE  # brand A is a Good Faith member: fast track
    Notice.objects.filter(pk=item.notice_id).update(filer_organisation=two_hat_agent["second"])
    colleague = two_hat_agent["colleague"]
    client.force_login(colleague)
    assert client.get(reverse("takedowns:item-detail", args=[item.pk])).status_code == 404
    assert client.get(reverse("takedowns:notice-detail", args=[item.notice_id])).status_code == 404
    assert client.post(reverse("takedowns:item-withdraw", args=[item.pk]), {"reason": "x"}).status_code == 404
    assert str(item.notice.reference)[:8] not in client.get(reverse("takedowns:notice-list")).content.decode()
    with pytest.raises(PermissionDenied):
        lifecycle.notice_item_withdraw(item_id=item.pk, actor=colleague, reason="Not ours to withdraw")
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_merchant_opening_an_item_returned_as_invalid_gets_the_404_of_a_missing_id(
    client, owner_a, brand_a, listing, merchant_user
):
    """Issue 9: the lists hid the item but its page opened by id; the lookup now uses the lists' rule."""
    from rights_holders.models import VerificationStatus

    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    (invalid,) = _submit(owner_a, brand_a, [draft(listing, pending)]).invalid
    assert invalid.status == ItemStatus.INVALID
    client.force_login(merchant_user)
    missing = client.get(reverse("takedowns:item-detail", args=[invalid.pk + 1000]))
    opened = client.get(reverse("takedowns:item-detail", args=[invalid.pk]))
    assert (opened.status_code, opened.content) == (missing.status_code, missing.content) == (404, missing.content)
    assert client.get(reverse("takedowns:notice-detail", args=[invalid.notice_id])).status_code == 404
    assert client.get(reverse("takedowns:item-counter-notice", args=[invalid.pk])).status_code == 404
    assert client.post(reverse("takedowns:item-appeal", args=[invalid.pk]), {"statement": "x"}).status_code == 404
    client.force_login(owner_a)
    assert client.get(reverse("takedowns:item-detail", args=[invalid.pk])).status_code == 200


# --- Red-team findings (issue 9): numbers and free text from a request ------------------------------


def test_a_canned_reason_id_of_a_superscript_two_is_ignored(client, owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    client.force_login(reviewer)
    response = client.get(reverse("takedowns:item-detail", args=[item.pk]), {"canned": "\u00b2"})
    assert response.status_code == 200
    assert response.context["decision_form"]["reason"].value() in (None, "")


def test_a_service_caller_without_the_form_gets_the_same_limits(owner_a, brand_a, asset_a, listing, store):
    other = factories.ListingFactory(store=store)
    drafts = [
        draft(listing, asset_a, explanation="x" * 4_000_000),
        draft(other, asset_a, test_buy_report="Bought one.\x00"),
        draft(factories.ListingFactory(store=store), asset_a),
    ]
    receipt = _submit(owner_a, brand_a, drafts)
    assert [reason for _, reason in receipt.refused] == [
        "Line 1: the explanation: Keep this text to 10,000 characters (it has 4,000,000).",
        "Line 2: the test-buy report: Remove the invisible character U+0000 (control character) from this text; "
        "it cannot be stored.",
    ]
    assert len(receipt.accepted) == 1


def test_a_nul_character_in_the_filer_fields_is_explained(client, owner_a, brand_a, asset_a, listing):
    client.force_login(owner_a)
    response = page_post(client, owner_a, [row(listing.external_id, asset_a)], fields={"filer_name": "Ada\x00Brand"})
    assert response.status_code == 400 and "Remove the invisible character U+0000" in response.content.decode()
    assert not Notice.objects.exists()


def test_a_withdrawal_whose_reason_cannot_be_stored_withdraws_nothing(client, accepted_item, owner_a):
    client.force_login(owner_a)
    response = client.post(
        reverse("takedowns:item-withdraw", args=[accepted_item.pk]),
        {"reason": "Settled\x00", "confirmed": "yes"},
        follow=True,
    )
    assert "Remove the invisible character U+0000" in response.content.decode()
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_a_decision_reason_with_a_control_character_says_so(client, owner_a, brand_a, asset_a, listing, reviewer):
    (item,) = _submit(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    client.force_login(reviewer)
    response = client.post(
        reverse("takedowns:item-decide", args=[item.pk]),
        {"decision": "reject", "reason": "No basis\u202e shown"},
        follow=True,
    )
    assert response.status_code == 400
    assert "Remove the invisible character U+202E" in str(response.context["decision_form"].errors["reason"])
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW


def test_a_counter_notice_statement_has_a_length_limit(client, accepted_item, merchant_user):
    client.force_login(merchant_user)
    response = client.post(
        reverse("takedowns:item-counter-notice", args=[accepted_item.pk]),
        _counter_notice_post(statement="z" * 10_001),
    )
    assert "at most 10000 characters" in response.content.decode()
    assert not CounterNotice.objects.exists()


def test_marking_a_notification_read_with_a_nul_in_next_goes_to_the_list(client, owner_a):
    client.force_login(owner_a)
    response = client.post(reverse("takedowns:notifications-read-all"), {"next": "/takedowns/\x00"})
    assert response.status_code == 302 and response["Location"] == reverse("takedowns:notifications")


def test_an_asset_id_of_a_superscript_two_is_an_invalid_choice(client, owner_a, brand_a, asset_a, listing):
    client.force_login(owner_a)
    rows = [{**row(listing.external_id, asset_a), "ip_asset": "\u00b2"}]
    response = page_post(client, owner_a, rows)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Notice.objects.exists()
