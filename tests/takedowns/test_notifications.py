"""Notifications: who hears what at each step, in their own time zone, once, and only after commit."""

import threading
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from portal.instants import zone_label
from portal.models import OrganisationKind
from rights_holders.models import Partner, VerificationStatus
from takedowns import lifecycle
from takedowns.context_processors import notifications_unread
from takedowns.effects import effect_run, item_effects_run
from takedowns.models import Effect, EffectKind, ItemStatus, Notification
from takedowns.notifications import effect_notify, notification_emails_send_pending
from tests import factories
from tests.lists import list_queries_constant
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice, run_on_commit

FILER_PRIVATE = [NOTICE_DATA["filer_phone"], NOTICE_DATA["filer_address"], NOTICE_DATA["filer_email"]]
COUNTER_NOTICE = {
    "statement": "These are genuine goods bought from the brand's distributor; invoices attached.",
    "signature": "Mei Merchant",
    "accuracy_statement": True,
    "contact_name": "Mei Merchant",
    "contact_address": "88 Market Road, Yiwu",
    "contact_phone": "+86 579 1234 5678",
    "contact_email": "mei@shady-goods.test",
}
MERCHANT_PRIVATE = [COUNTER_NOTICE["contact_address"], COUNTER_NOTICE["contact_phone"], COUNTER_NOTICE["contact_email"]]


def notifications_for(user, item=None):
    rows = Notification.objects.filter(recipient=user)
    if item is not None:
        rows = rows.filter(item=item)
    return list(rows.order_by("id"))


def only(rows):
    assert len(rows) == 1, [r.subject for r in rows]
    return rows[0]


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def settle(item):
    """Run whatever effects are still pending, with their after-commit e-mails (eager or not)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        item_effects_run(item.pk)


def accept(item, reviewer, **kwargs):
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer, **kwargs)
    settle(item)
    item.refresh_from_db()
    return item


def counter_notice(item, merchant_user, **fields):
    run_on_commit(
        lifecycle.notice_item_counter_notice,
        item_id=item.pk,
        actor=merchant_user,
        counter_notice_fields={**COUNTER_NOTICE, **fields},
    )
    settle(item)
    item.refresh_from_db()
    return item


def in_utc_only(instant):
    """How a deadline reads for a user whose zone is UTC (the default)."""
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def local(instant, zone):
    """The way a deadline reads in that zone: date, time and the zone's offset and name, then the UTC instant."""
    here = instant.astimezone(ZoneInfo(zone))
    return f"{here:%Y-%m-%d %H:%M} {zone_label(here)} ({zone})", f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@pytest.fixture
def filed(owner_a, brand_a, asset_a, listing):
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    (item,) = receipt.accepted
    return item


# --- Receipt --------------------------------------------------------------------


def test_filer_receipt_lists_accepted_items_with_track_and_invalid_items_with_reasons(
    owner_a, brand_a, asset_a, listing, store, merchant_user
):
    pending = factories.IPAssetFactory(
        rights_holder=brand_a, name="ACME LOGO", verification_status=VerificationStatus.PENDING
    )
    other_listing = factories.ListingFactory(store=store)
    mail.outbox.clear()

    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a), draft(other_listing, pending)])

    (accepted,) = receipt.accepted
    (invalid,) = receipt.invalid
    row = only(notifications_for(owner_a))
    assert row.source == f"notice-{receipt.notice.pk}-receipt"
    assert row.subject == "Notice received: 1 item(s) accepted, 1 invalid"
    assert f"Item {accepted.pk}: listing {listing.external_id}" in row.body
    assert "Standard track: a reviewer checks it by" in row.body
    assert f"Item {invalid.pk}: listing {other_listing.external_id}: {invalid.invalid_reason}" in row.body
    assert "only verified assets can back a notice" in row.body
    assert row.emailed_at is not None
    (email,) = mails_to(owner_a)
    assert email.subject == row.subject
    assert row.body in email.body
    # On the standard track the merchant hears nothing until a reviewer accepts the complaint.
    assert notifications_for(merchant_user) == []
    assert mails_to(merchant_user) == []


def test_receipt_goes_to_the_filer_and_the_holders_owners_but_not_its_staff(brand_a, asset_a, listing, owner_a):
    filer = factories.member_of(brand_a.organisation, role="staff")
    colleague = factories.member_of(brand_a.organisation, role="staff")

    file_notice(filer, brand_a, [draft(listing, asset_a)])

    assert len(notifications_for(filer)) == 1
    assert len(notifications_for(owner_a)) == 1
    assert notifications_for(colleague) == []


def test_api_key_principals_are_never_notified_on_either_side(
    brand_a, asset_a, listing, owner_a, merchant_org, merchant_user, reviewer
):
    holder_key = factories.api_principal_of(brand_a.organisation)
    holder_owner_key = factories.api_principal_of(brand_a.organisation, role="owner")
    merchant_key = factories.api_principal_of(merchant_org)
    # Filed with a key: the key's principal is the filer; the brand's owners hear, the principal does not.
    receipt = file_notice(holder_key, brand_a, [draft(listing, asset_a)])
    (item,) = receipt.accepted
    accept(item, reviewer)
    assert notifications_for(owner_a) and notifications_for(merchant_user)
    for principal in (holder_key, holder_owner_key, merchant_key):
        assert notifications_for(principal) == [], principal.username
    assert not Notification.objects.filter(recipient__is_api_principal=True).exists()


def test_receipt_is_written_with_the_notice_and_emailed_once_even_if_its_task_runs_twice(filed, owner_a):
    """The receipt row commits with the notice; its e-mail, sent by a task after commit, goes out once."""
    from takedowns.tasks import send_notification_emails

    (row,) = notifications_for(owner_a)
    assert row.source == f"notice-{filed.notice_id}-receipt"
    assert len(mails_to(owner_a)) == 1
    assert send_notification_emails([row.pk]) == 0  # already sent: a second run sends nothing
    assert len(mails_to(owner_a)) == 1


def test_a_filing_rolled_back_after_its_receipt_was_written_leaves_no_receipt(
    brand_a, asset_a, listing, owner_a, monkeypatch
):
    from takedowns import notifications

    write = notifications.notice_receipt_write

    def written_then_boom(*args, **kwargs):
        assert write(*args, **kwargs)  # the row is there, in the filing's transaction
        raise RuntimeError("the connection dropped before commit")

    mail.outbox.clear()
    monkeypatch.setattr(notifications, "notice_receipt_write", written_then_boom)
    with pytest.raises(RuntimeError):
        file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    assert notifications_for(owner_a) == []
    assert mails_to(owner_a) == []


# --- Merchant: under complaint, taken down -------------------------------------


def test_merchant_hears_listing_under_complaint_with_deadline_in_own_time_zone(filed, merchant_user, owner_a, reviewer):
    merchant_user.time_zone = "Asia/Shanghai"
    merchant_user.save(update_fields=["time_zone"])
    colleague = factories.member_of(merchant_user.organisations.get(), role="staff")
    mail.outbox.clear()

    item = accept(filed, reviewer)

    row = only(notifications_for(merchant_user, item))
    assert row.subject == f"Listing {item.listing.external_id} is under an IP complaint: you may answer"
    in_shanghai, in_utc = local(item.counter_notice_deadline, "Asia/Shanghai")
    assert f"Answer by: {in_shanghai} / {in_utc}" in row.body
    # The zone's offset, never "CST" (China to one reader, US Central to another).
    assert "UTC+8 (Asia/Shanghai)" in row.body
    assert item.explanation in row.body
    for private in FILER_PRIVATE:
        assert private not in row.body
    assert len(mails_to(merchant_user)) == 1
    # Every member of the merchant organisation hears it, in their own zone (UTC by default).
    colleague_row = only(notifications_for(colleague, item))
    assert f"Answer by: {in_utc_only(item.counter_notice_deadline)}\n" in colleague_row.body
    # The filer side is told the complaint was accepted, with the merchant's deadline.
    holder_row = only(notifications_for(owner_a, item))
    assert "Your complaint was accepted" in holder_row.body
    assert in_utc_only(item.counter_notice_deadline) in holder_row.body


def test_each_person_reads_the_message_in_their_own_language_whoever_acted(filed, merchant_user, reviewer):
    merchant_user.language = "zh-hans"
    merchant_user.time_zone = "Asia/Shanghai"
    merchant_user.save(update_fields=["language", "time_zone"])
    colleague = factories.member_of(merchant_user.organisations.get(), role="staff")
    mail.outbox.clear()

    item = accept(filed, reviewer)

    row = only(notifications_for(merchant_user, item))
    listing = item.listing.external_id
    assert row.subject == f"商品 {listing} 被投诉：您可以回应"
    here = item.counter_notice_deadline.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"回应截止时间： {here.year}年{here.month}月{here.day}日 {here:%H:%M} UTC+8 (Asia/Shanghai)" in row.body
    assert item.explanation in row.body  # what the filer wrote stays as written
    (message,) = mails_to(merchant_user)
    assert message.subject == row.subject and "通知" in message.body.split("--")[-1]
    # The colleague who never chose reads English, as before.
    assert only(notifications_for(colleague, item)).subject.startswith(f"Listing {listing} is under an IP complaint")


def test_merchant_hears_fast_track_takedown_with_deadline_and_statement_of_reasons(
    brand_a, asset_a, listing, merchant_user, owner_a
):
    partner = Partner.objects.create(
        organisation=factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Counterfeit Guild"),
        kind="association",
        approved_for_vetting=True,
    )
    partner.vetted_rights_holders.add(brand_a)
    vetter = factories.member_of(partner.organisation, role="staff")
    merchant_user.time_zone = "Europe/Paris"
    merchant_user.save(update_fields=["time_zone"])
    mail.outbox.clear()

    receipt = file_notice(vetter, brand_a, [draft(listing, asset_a)], partner=partner)
    (item,) = receipt.accepted
    settle(item)
    item.refresh_from_db()

    assert item.status == ItemStatus.AWAITING_COUNTER_NOTICE
    row = only(notifications_for(merchant_user, item))
    assert "taken down after a rights holder's complaint (fast track" in row.body
    in_paris, in_utc = local(item.counter_notice_deadline, "Europe/Paris")
    assert f"Answer by: {in_paris} / {in_utc}" in row.body
    assert "Statement of reasons" in row.body
    assert "Restriction:          Listing removed" in row.body
    assert "Automated decision:   yes" in row.body
    assert "DSA article 20" in row.body  # redress
    for private in FILER_PRIVATE:
        assert private not in row.body
    assert len(mails_to(merchant_user)) == 1
    # The filer's receipt tells the fast track and the merchant's deadline; the holder's owner gets it too.
    vetter_receipt = only(notifications_for(vetter))
    assert "Fast track: the listing was taken down at once" in vetter_receipt.body
    assert in_utc_only(item.counter_notice_deadline) in vetter_receipt.body
    assert len(notifications_for(owner_a)) == 1


# --- Rights holder: counter-notice -------------------------------------------------


def test_rights_holder_hears_counter_notice_with_reply_deadline_but_not_merchant_contact(
    filed, merchant_user, owner_a, reviewer
):
    owner_a.time_zone = "America/New_York"
    owner_a.save(update_fields=["time_zone"])
    item = accept(filed, reviewer)
    mail.outbox.clear()

    item = counter_notice(item, merchant_user)

    row = only([n for n in notifications_for(owner_a, item) if n.subject.startswith("Counter-notice received")])
    in_new_york, in_utc = local(item.reply_deadline, "America/New_York")
    assert f"You may reply until: {in_new_york} / {in_utc}" in row.body
    assert COUNTER_NOTICE["statement"] in row.body
    for private in [*MERCHANT_PRIVATE, COUNTER_NOTICE["contact_name"]]:
        assert private not in row.body
        assert all(private not in m.body for m in mails_to(owner_a))
    assert len(mails_to(owner_a)) == 1
    # The merchant gets a receipt for its own counter-notice, with the holder's reply deadline.
    merchant_row = notifications_for(merchant_user, item)[-1]
    assert merchant_row.subject.startswith("Your counter-notice")
    assert in_utc_only(item.reply_deadline) in merchant_row.body


def test_copyright_counter_notice_contact_details_go_to_the_rights_holder(
    owner_a, brand_a, asset_a, listing, merchant_user, reviewer
):
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a, infringement_type="copyright")])
    item = accept(receipt.accepted[0], reviewer)

    item = counter_notice(
        item,
        merchant_user,
        good_faith_mistake_statement=True,
        consent_to_jurisdiction=True,
        consent_to_service=True,
    )

    row = only([n for n in notifications_for(owner_a, item) if n.subject.startswith("Counter-notice received")])
    assert "DMCA section 512(g)" in row.body
    for detail in [*MERCHANT_PRIVATE, COUNTER_NOTICE["contact_name"]]:
        assert detail in row.body
    assert "Accepts service of process from you: yes" in row.body
    # The law passes the merchant's details to the holder, never the filer's to the merchant.
    for merchant_row in notifications_for(merchant_user, item):
        for private in FILER_PRIVATE:
            assert private not in merchant_row.body


# --- Outcome ---------------------------------------------------------------------


def test_both_sides_hear_upheld_outcome_with_statement_of_reasons(filed, merchant_user, owner_a, reviewer):
    item = accept(filed, reviewer)
    item = counter_notice(item, merchant_user)
    run_on_commit(lifecycle.notice_item_reply, item_id=item.pk, actor=owner_a, statement="The invoices are forged.")
    settle(item)
    mail.outbox.clear()

    reason = "The invoices do not match the distributor's records; the stitching differs from the genuine product."
    run_on_commit(lifecycle.notice_item_uphold, item_id=item.pk, actor=reviewer, reason=reason)
    settle(item)
    item.refresh_from_db()

    statement = item.statements.get(decision_generation=item.decision_generation, restriction="listing_removed")
    for user, subject in [
        (merchant_user, f"Complaint about your listing {item.listing.external_id} upheld"),
        (owner_a, f"Complaint about listing {item.listing.external_id} upheld"),
    ]:
        row = notifications_for(user, item)[-1]
        assert row.subject == subject
        assert f"Reasons: {reason}" in row.body
        assert f"Statement of reasons {statement.puid}" in row.body
        assert "Restriction:          Listing removed" in row.body
        assert f"Ground:               {statement.ground}" in row.body
        assert "Automated detection:  no" in row.body
        assert "Automated decision:   no" in row.body
        assert "DSA article 21" in row.body  # redress
        assert len(mails_to(user)) == 1
    assert "penalty points are added" in notifications_for(merchant_user, item)[-1].body
    for private in MERCHANT_PRIVATE:
        assert private not in notifications_for(owner_a, item)[-1].body


def test_upheld_without_counter_notice_says_the_decision_was_automated(filed, merchant_user, owner_a, reviewer):
    item = accept(filed, reviewer)
    after = item.counter_notice_deadline + timedelta(minutes=1)

    run_on_commit(lifecycle.notice_item_uphold_by_default, item_id=item.pk, now=after)
    settle(item)

    for user, wording in [
        (merchant_user, "no counter-notice was filed in time"),
        (owner_a, "the merchant did not file a counter-notice in time"),
    ]:
        row = notifications_for(user, item)[-1]
        assert row.subject.endswith("upheld")
        assert wording in row.body
        assert "Automated decision:   yes" in row.body


def test_dismissal_tells_both_sides_with_reasons_and_redress(filed, merchant_user, owner_a, reviewer):
    item = accept(filed, reviewer)
    item = counter_notice(item, merchant_user)
    run_on_commit(lifecycle.notice_item_reply_lapse, item_id=item.pk, now=item.reply_deadline + timedelta(seconds=1))
    settle(item)
    assert "did not reply" in notifications_for(merchant_user, item)[-1].body

    run_on_commit(lifecycle.notice_item_dismiss, item_id=item.pk, actor=reviewer, reason="The invoices are genuine.")
    settle(item)

    merchant_row = notifications_for(merchant_user, item)[-1]
    assert merchant_row.subject.endswith("dismissed")
    assert "Reasons: The invoices are genuine." in merchant_row.body
    assert "DSA article 20" in merchant_row.body  # no statement (nothing restricted), redress still given
    assert "Reasons: The invoices are genuine." in notifications_for(owner_a, item)[-1].body


def test_withdrawal_before_acceptance_is_not_told_to_the_merchant(filed, merchant_user, owner_a):
    run_on_commit(lifecycle.notice_item_withdraw, item_id=filed.pk, actor=owner_a, reason="Settled.")
    settle(filed)

    assert notifications_for(merchant_user) == []
    assert "withdrawn" in notifications_for(owner_a, filed)[-1].subject


# --- Exactly once, after commit -----------------------------------------------


def _pending_notify_effect_of_acceptance(item, reviewer):
    """Accept without running after-commit work: the notify effect stays pending, as after a lost task."""
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    event = item.events.get(action="accepted")
    return Effect.objects.get(item=item, kind=EffectKind.NOTIFY, key=f"event-{event.pk}")


def test_running_effect_notify_twice_writes_one_row_and_sends_one_email(filed, merchant_user, owner_a, reviewer):
    effect = _pending_notify_effect_of_acceptance(filed, reviewer)
    mail.outbox.clear()

    for _ in range(2):
        with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
            effect_notify(effect)

    assert len(notifications_for(merchant_user, filed)) == 1
    assert len(notifications_for(owner_a, filed)) == 1
    assert len(mails_to(merchant_user)) == 1
    assert len(mails_to(owner_a)) == 1


def test_two_runs_before_either_commits_still_send_one_email(filed, merchant_user, reviewer):
    effect = _pending_notify_effect_of_acceptance(filed, reviewer)
    mail.outbox.clear()

    # Both runs find the row unsent and both schedule its e-mail; the claim lets only one send.
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        with transaction.atomic():
            effect_notify(effect)
        with transaction.atomic():
            effect_notify(effect)

    assert len(callbacks) == 2
    assert len(mails_to(merchant_user)) == 1


def test_emails_wait_for_commit_and_a_rolled_back_run_sends_nothing(filed, merchant_user, reviewer):
    effect = _pending_notify_effect_of_acceptance(filed, reviewer)
    mail.outbox.clear()

    class Crash(Exception):
        pass

    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(Crash), transaction.atomic():
        effect_notify(effect)
        assert Notification.objects.filter(recipient=merchant_user).exists()
        raise Crash
    assert mail.outbox == []
    assert not Notification.objects.filter(recipient=merchant_user).exists()

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        with transaction.atomic():
            effect_notify(effect)
        assert mail.outbox == []  # committed rows exist, but nothing is sent until the callbacks run
        assert only(notifications_for(merchant_user)).emailed_at is None
    for callback in callbacks:
        callback()
    assert len(mails_to(merchant_user)) == 1
    assert only(notifications_for(merchant_user)).emailed_at is not None


def test_effect_run_twice_notifies_once(filed, merchant_user, reviewer):
    effect = _pending_notify_effect_of_acceptance(filed, reviewer)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert effect_run(effect.pk) is True
        assert effect_run(effect.pk) is False

    assert len(notifications_for(merchant_user, filed)) == 1
    assert len(mails_to(merchant_user)) == 1


def test_failed_email_is_given_back_and_sent_by_the_retry(filed, merchant_user, reviewer, settings):
    effect = _pending_notify_effect_of_acceptance(filed, reviewer)
    settings.EMAIL_BACKEND = "tests.takedowns.test_notifications.BrokenBackend"
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        effect_notify(effect)
    row = only(notifications_for(merchant_user))
    assert row.emailed_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    assert notification_emails_send_pending(now=timezone.now() + timedelta(minutes=10)) >= 1

    assert len(mails_to(merchant_user)) == 1
    assert notification_emails_send_pending(now=timezone.now() + timedelta(minutes=10)) == 0


class BrokenBackend(BaseEmailBackend):
    """A mail server that refuses every message (the connection opens)."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


@pytest.mark.django_db(transaction=True)
def test_concurrent_effect_runs_on_postgres_send_each_email_once(owner_a, brand_a, asset_a, listing, merchant_user):
    needs_postgres()
    reviewer = factories.UserFactory()
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    item = receipt.accepted[0]
    # Committed for real; with no worker consuming, the effects wait for the threads below.
    lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            item_effects_run(item.pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    event = item.events.get(action="accepted")
    assert Notification.objects.filter(recipient=merchant_user, source=f"event-{event.pk}").count() == 1
    assert len(mails_to(merchant_user)) == 1
    assert len([m for m in mails_to(owner_a) if "accepted" in m.subject]) == 1


# --- The page ----------------------------------------------------------------------


def make_notification(user, n, **kwargs):
    return Notification.objects.create(
        recipient=user,
        source=f"test-{user.pk}-{n}",
        subject=f"Subject {n} for {user.username}",
        body=f"Body {n}",
        created_at=timezone.now() - timedelta(minutes=100 - n),
        **kwargs,
    )


def test_page_shows_only_own_notifications_newest_first_with_unread_highlighted(client, owner_a, user_b):
    old = make_notification(owner_a, 1, read_at=timezone.now())
    new = make_notification(owner_a, 2)
    make_notification(user_b, 3)
    client.force_login(owner_a)

    response = client.get(reverse("takedowns:notifications"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(new.subject) < html.index(old.subject)
    assert "Subject 3" not in html
    assert f'<tr class="unread" id="notification-{new.pk}"' in html
    assert f'<tr class="read" id="notification-{old.pk}"' in html
    assert "1 unread" in html


def test_page_needs_login(client):
    response = client.get(reverse("takedowns:notifications"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_page_query_count_does_not_grow_with_notifications(client, owner_a, django_assert_num_queries):
    client.force_login(owner_a)
    client.get(reverse("takedowns:notifications"))  # warm the session
    make_notification(owner_a, 1)
    # 9: the session; the user with their platform roles and unread count (portal.authentication); the
    # session's second factor (django-otp's device); the top bar reads the user's memberships once (the
    # organisation, the role, the Good Faith link), its brands (acting roles) and counts the open screening
    # alerts; the page counts and reads its notifications and marks what it shows read (one UPDATE).
    with django_assert_num_queries(9) as few:
        client.get(reverse("takedowns:notifications"))
    for n in range(2, 40):
        make_notification(owner_a, n)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("takedowns:notifications"))


def test_mark_as_read_marks_one_and_returns_to_the_page(client, owner_a):
    first, second = make_notification(owner_a, 1), make_notification(owner_a, 2)
    client.force_login(owner_a)

    response = client.post(reverse("takedowns:notification-read", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("takedowns:notifications")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_mark_all_read_marks_only_own(client, owner_a, user_b):
    mine = [make_notification(owner_a, n) for n in range(3)]
    theirs = make_notification(user_b, 9)
    client.force_login(owner_a)

    client.post(reverse("takedowns:notifications-read-all"))

    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_another_users_notification_answers_404(client, owner_a, user_b):
    theirs = make_notification(user_b, 1)
    client.force_login(owner_a)

    response = client.post(reverse("takedowns:notification-read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_as_read_needs_post_and_csrf(owner_a):
    notification = make_notification(owner_a, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_a)
    url = reverse("takedowns:notification-read", args=[notification.pk])

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_as_read_does_not_redirect_off_site(client, owner_a):
    notification = make_notification(owner_a, 1)
    client.force_login(owner_a)

    response = client.post(
        reverse("takedowns:notification-read", args=[notification.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("takedowns:notifications")


def test_unread_count_context_processor_counts_own_unread(rf, owner_a, user_b):
    make_notification(owner_a, 1)
    make_notification(owner_a, 2, read_at=timezone.now())
    make_notification(user_b, 3)
    request = rf.get("/")
    request.user = owner_a

    assert int(str(notifications_unread(request)["notifications_unread"])) == 1


def test_the_page_marks_what_it_shows_read_and_still_shows_it_as_new_this_once(client, owner_a):
    new = make_notification(owner_a, 1)
    client.force_login(owner_a)

    html = client.get(reverse("takedowns:notifications")).content.decode()

    assert f'<tr class="unread" id="notification-{new.pk}"' in html
    new.refresh_from_db()
    assert new.read_at is not None
    assert (
        f'<tr class="read" id="notification-{new.pk}"'
        in client.get(reverse("takedowns:notifications")).content.decode()
    )


def test_the_top_bar_counts_unread_and_its_menu_lists_them_without_marking_them(client, owner_a, user_b):
    mine = make_notification(owner_a, 1)
    make_notification(owner_a, 2, read_at=timezone.now())
    make_notification(user_b, 3)
    client.force_login(owner_a)

    home = client.get(reverse("home")).content.decode()
    menu = client.get(reverse("takedowns:notifications-menu")).content.decode()

    assert 'aria-label="1 unread">1</span>' in home
    assert mine.subject in menu and "Subject 2" not in menu and "Subject 3" not in menu
    mine.refresh_from_db()
    assert mine.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(client, owner_a):
    notification = make_notification(owner_a, 1, url="/takedowns/items/7/")
    client.force_login(owner_a)

    response = client.get(reverse("takedowns:notification-open", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == "/takedowns/items/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_opening_another_users_notification_answers_404(client, owner_a, user_b):
    theirs = make_notification(user_b, 1)
    client.force_login(owner_a)

    assert client.get(reverse("takedowns:notification-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_notifications_page_costs_the_same_queries_for_10_or_500(client, owner_a):
    def make(n):
        start = Notification.objects.count()
        Notification.objects.bulk_create(
            [Notification(recipient=owner_a, source=f"bulk-{start + i}", subject="S", body="B") for i in range(n)]
        )

    client.force_login(owner_a)
    list_queries_constant(client, reverse("takedowns:notifications"), make)
    list_queries_constant(client, reverse("takedowns:notifications"), make, params={"state": "read"}, sizes=(510, 1000))


def test_the_unread_filter_shows_only_unread(client, owner_a):
    read = make_notification(owner_a, 1, read_at=timezone.now())
    unread = make_notification(owner_a, 2)
    client.force_login(owner_a)

    shown = client.get(reverse("takedowns:notifications"), {"state": "unread"}).context["listing"].object_list

    assert [n.pk for n in shown] == [unread.pk] and read.pk not in [n.pk for n in shown]


def _top_bar_unread(client):
    response = client.get(reverse("help:index"))
    return response.context["notifications_unread"]


def test_the_top_bars_unread_count_follows_new_and_read_notifications_at_the_next_page(client, owner_a, user_b):
    # The count is loaded with the session's user (portal.authentication): no cache to fall behind.
    client.force_login(owner_a)
    assert _top_bar_unread(client) == 0
    first = make_notification(owner_a, 1)
    make_notification(owner_a, 2)
    make_notification(user_b, 3)
    assert _top_bar_unread(client) == 2
    client.post(reverse("takedowns:notification-read", args=[first.pk]))
    assert _top_bar_unread(client) == 1
    client.post(reverse("takedowns:notifications-read-all"))
    assert _top_bar_unread(client) == 0


def test_a_user_signed_in_during_the_request_still_gets_a_counted_unread(rf, owner_a):
    # A user object not loaded from the session (login() puts it on the request) carries no count: asked.
    make_notification(owner_a, 1)
    request = rf.get("/")
    request.user = owner_a
    assert not hasattr(owner_a, "frame_notifications_unread")
    assert int(str(notifications_unread(request)["notifications_unread"])) == 1
