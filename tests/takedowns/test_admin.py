"""The takedowns admin: every model registered, pages open on the demo world, lifecycle state read-only."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry
from takedowns import lifecycle
from takedowns.models import (
    Appeal,
    CannedReason,
    Effect,
    FilingSuspension,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    Notification,
    Outcome,
)
from takedowns.models.claims import ReviewClaim
from takedowns.models.drafts import (
    CounterNoticeDraft,
    CounterNoticeDraftEvidence,
    NoticeDraft,
    NoticeDraftEvidence,
    NoticeDraftItem,
)
from takedowns.models.imports import FilingImport, FilingImportRow
from tests.takedowns.conftest import draft, file_notice, run_on_commit

TAKEDOWNS_MODELS = sorted(apps.get_app_config("takedowns").get_models(), key=lambda m: m._meta.label)
EDITABLE = {CannedReason}
LIFECYCLE_FIELDS = (
    "status",
    "status_changed_at",
    "version",
    "track",
    "opened_at",
    "counter_notice_deadline",
    "reply_deadline",
    "queued_at",
    "review_due_at",
    "took_down_listing",
    "decided_at",
    "decided_by",
    "automated_decision",
    "decision_generation",
)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def accepted_item(owner_a, brand_a, asset_a, listing, reviewer):
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    (item,) = receipt.accepted
    run_on_commit(lifecycle.notice_item_accept, item_id=item.pk, actor=reviewer)
    item.refresh_from_db()
    return item


def test_every_takedowns_model_is_registered():
    missing = [m._meta.label for m in TAKEDOWNS_MODELS if m not in admin.site._registry]
    assert missing == []


def test_only_canned_reasons_can_be_added_or_changed(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    for model in TAKEDOWNS_MODELS:
        model_admin = admin.site._registry[model]
        editable = model in EDITABLE
        assert model_admin.has_add_permission(request) is editable, model._meta.label
        assert model_admin.has_change_permission(request) is editable, model._meta.label
        assert model_admin.has_view_permission(request), model._meta.label


@pytest.mark.django_db
def test_changelists_and_change_pages_open_on_the_demo_world(admin_client, django_assert_max_num_queries):
    call_command("seed_demo", stdout=io.StringIO())
    FilingSuspension.objects.create(
        organisation=NoticeItem.objects.first().notice.rights_holder.organisation,
        ends_at=timezone.now() + timedelta(days=30),
        reason="Three manifestly unfounded notices in a month.",
    )
    _work_in_progress()
    for model in TAKEDOWNS_MODELS:
        obj = model._default_manager.first()
        assert obj is not None, f"the demo world has no {model._meta.label}"
        changelist = admin_client.get(_url(model, "changelist"))
        assert changelist.status_code == 200, model._meta.label
        assert changelist.context["cl"].result_count > 0, model._meta.label
        change = admin_client.get(_url(model, "change", obj.pk))
        assert change.status_code == 200, model._meta.label

    # Filters and search narrow the items; the list page's queries do not grow with its rows.
    upheld = admin_client.get(_url(NoticeItem, "changelist"), {"status": ItemStatus.UPHELD})
    assert {i.status for i in upheld.context["cl"].result_list} == {ItemStatus.UPHELD}
    one = NoticeItem.objects.select_related("listing").first()
    found = admin_client.get(_url(NoticeItem, "changelist"), {"q": one.listing.external_id})
    assert one in list(found.context["cl"].result_list)
    for model in (Notice, NoticeItem, ItemEvent, Effect, Notification):
        with django_assert_max_num_queries(12):
            admin_client.get(_url(model, "changelist"))


def _work_in_progress():
    """What the demo world holds only while people work: a reviewer's claim, drafts, a bulk import."""
    item = NoticeItem.objects.select_related("notice__rights_holder__organisation").first()
    holder = item.notice.rights_holder
    user = get_user_model().objects.order_by("pk").first()
    ReviewClaim.objects.create(item=item, reviewer=user, expires_at=timezone.now() + timedelta(minutes=15))
    notice_draft = NoticeDraft.objects.create(user=user, organisation=holder.organisation, rights_holder=holder)
    line = NoticeDraftItem.objects.create(draft=notice_draft, listing_ref=item.listing.external_id)
    NoticeDraftEvidence.objects.create(
        item=line, file=ContentFile(b"%PDF-1.4\n", name="d.pdf"), content_type="application/pdf", size=9
    )
    counter_draft = CounterNoticeDraft.objects.create(user=user, item=item)
    CounterNoticeDraftEvidence.objects.create(
        draft=counter_draft, file=ContentFile(b"%PDF-1.4\n", name="c.pdf"), content_type="application/pdf", size=9
    )
    filing_import = FilingImport.objects.create(
        rights_holder=holder, filer_organisation=holder.organisation, created_by=user, original_name="notices.csv"
    )
    FilingImportRow.objects.create(filing_import=filing_import, number=2, listing_id=item.listing.external_id)


def test_item_status_and_lifecycle_fields_are_read_only(admin_client, accepted_item):
    response = admin_client.get(_url(NoticeItem, "change", accepted_item.pk))
    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    for name in LIFECYCLE_FIELDS:
        assert name not in form_fields
        assert f'name="{name}"'.encode() not in response.content
    # The history is shown inline, read-only.
    assert b"awaiting_counter_notice" in response.content
    before = NoticeItem.objects.get(pk=accepted_item.pk)
    post = admin_client.post(_url(NoticeItem, "change", accepted_item.pk), {"status": ItemStatus.UPHELD})
    assert post.status_code == 403
    after = NoticeItem.objects.get(pk=accepted_item.pk)
    assert (after.status, after.version) == (before.status, before.version) == (ItemStatus.AWAITING_COUNTER_NOTICE, 2)


def test_item_events_cannot_be_added_changed_or_deleted(admin_client, accepted_item):
    event = accepted_item.events.last()
    assert admin_client.get(_url(ItemEvent, "add")).status_code == 403
    assert admin_client.post(_url(ItemEvent, "change", event.pk), {"reason": "edited"}).status_code == 403
    assert admin_client.post(_url(ItemEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.reason != "edited"
    assert ItemEvent.objects.filter(item=accepted_item).count() == 3


def test_appeal_status_is_read_only(admin_client, accepted_item, merchant_user):
    from takedowns.appeals import appeal_file
    from takedowns.sweep import deadlines_sweep

    run_on_commit(deadlines_sweep, now=accepted_item.counter_notice_deadline + timedelta(minutes=1))
    accepted_item.refresh_from_db()
    assert accepted_item.status == ItemStatus.UPHELD
    appeal = appeal_file(
        item_id=accepted_item.pk,
        actor=merchant_user,
        statement="The goods are genuine.",
        now=accepted_item.decided_at + timedelta(hours=1),
    )
    response = admin_client.get(_url(Appeal, "change", appeal.pk))
    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields
    assert admin_client.post(_url(Appeal, "change", appeal.pk), {"status": "reversed"}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == "open"


@pytest.mark.django_db
def test_canned_reasons_are_editable(admin_client):
    # The data migration's starting set is there.
    assert CannedReason.objects.filter(outcome=Outcome.UPHELD).exists()
    response = admin_client.post(
        _url(CannedReason, "add"),
        {
            "outcome": Outcome.DISMISSED,
            "title": "Licensed product",
            "text": "The merchant holds a licence.",
            "active": "on",
        },
    )
    assert response.status_code == 302
    reason = CannedReason.objects.get(title="Licensed product")
    response = admin_client.post(
        _url(CannedReason, "change", reason.pk),
        {"outcome": Outcome.DISMISSED, "title": "Licensed product", "text": "Edited.", "active": ""},
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert (reason.text, reason.active) == ("Edited.", False)


def test_the_admin_neither_issues_nor_lifts_a_filing_suspension(admin_client, brand_a):
    """A suspension needs a warning first, a statement of reasons and a notice to the organisation
    (good_faith.misuse); the admin would write none of them, so it writes nothing at all."""
    org = brand_a.organisation
    now = timezone.now()
    response = admin_client.post(
        _url(FilingSuspension, "add"),
        {
            "organisation": org.pk,
            "starts_at_0": now.strftime("%Y-%m-%d"),
            "starts_at_1": now.strftime("%H:%M:%S"),
            "ends_at_0": (now + timedelta(days=30)).strftime("%Y-%m-%d"),
            "ends_at_1": "12:00:00",
            "reason": "Repeated manifestly unfounded notices.",
        },
    )
    assert response.status_code == 403
    assert not FilingSuspension.objects.exists()

    suspension = FilingSuspension.objects.create(
        organisation=org, ends_at=now + timedelta(days=30), reason="Five manifestly unfounded notices."
    )
    assert admin_client.get(_url(FilingSuspension, "change", suspension.pk)).status_code == 200
    changed = admin_client.post(
        _url(FilingSuspension, "change", suspension.pk),
        {"ends_at_0": now.strftime("%Y-%m-%d"), "ends_at_1": "00:00:00", "reason": "Shortened."},
    )
    assert changed.status_code == 403
    # No "lift now" action any more: posting it changes nothing.
    changelist = admin_client.get(_url(FilingSuspension, "changelist"))
    assert "lift_now" not in changelist.content.decode()
    admin_client.post(_url(FilingSuspension, "changelist"), {"action": "lift_now", "_selected_action": [suspension.pk]})
    assert admin_client.post(_url(FilingSuspension, "delete", suspension.pk), {"post": "yes"}).status_code == 403
    suspension.refresh_from_db()
    assert suspension.lifted_at is None
    assert suspension.reason == "Five manifestly unfounded notices."
    assert suspension.ends_at > now + timedelta(days=29)
    assert not AuditLogEntry.objects.filter(action__startswith="takedowns.filing_suspension").exists()
