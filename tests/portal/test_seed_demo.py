import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from listings.models import Listing, Merchant, Order, Store
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.models import AuditLogEntry, LetterOfAuthorisation, Organisation, User
from rights_holders.models import (
    AuthorisedStore,
    IPAsset,
    Partner,
    ReferenceImage,
    RightsHolder,
    VerificationStatus,
)
from takedowns.demo import DEMO_FILER_EMAILS
from takedowns.lifecycle import ALLOWED_MOVES
from takedowns.models import (
    Appeal,
    AppealStatus,
    CounterNotice,
    Effect,
    EffectStatus,
    ItemEvent,
    ItemStatus,
    Notice,
    NoticeItem,
    Notification,
    Penalty,
    PublicRegisterEntry,
    StatementOfReasons,
    Track,
)

MODELS = [
    User,
    Organisation,
    RightsHolder,
    IPAsset,
    ReferenceImage,
    Listing,
    Order,
    Store,
    Merchant,
    LetterOfAuthorisation,
    AuthorisedStore,
    Partner,
    Notice,
    NoticeItem,
    ItemEvent,
    CounterNotice,
    Appeal,
    StatementOfReasons,
    Effect,
    Penalty,
    Notification,
]

DEMO_USERS = [
    "demo-brand-owner",
    "demo-brand-staff",
    "demo-agent",
    "demo-merchant",
    "demo-partner",
    "demo-reviewer",
    "demo-senior-reviewer",
    "demo-admin",
]


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_believable(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    assert all(count > 0 for count in first.values()), first
    assert first["Listing"] >= 3000
    assert DEMO_PASSWORD in out.getvalue()
    assert "demo-reviewer" in out.getvalue()

    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert _counts() == first
    assert "Demo notices (already there, nothing new)" in again.getvalue()

    # Some listings plainly infringe: a brand name at a fraction of the reference price.
    infringing = 0
    for asset in IPAsset.objects.filter(verification_status=VerificationStatus.VERIFIED, reference_price__isnull=False):
        word = asset.rights_holder.legal_name.split()[0]
        ceiling = asset.reference_price * Decimal("0.15")
        infringing += Listing.objects.filter(title__icontains=word, price__lte=ceiling).count()
    assert infringing > 0

    assert IPAsset.objects.filter(verification_status=VerificationStatus.PENDING).exists()
    assert (
        IPAsset.objects.filter(verification_status=VerificationStatus.REJECTED).exclude(verification_reason="").exists()
    )
    assert Partner.objects.filter(approved_for_vetting=True, vetted_rights_holders__isnull=False).exists()
    assert all(
        image.width > 0 and image.image.read(8) == b"\x89PNG\r\n\x1a\n" for image in ReferenceImage.objects.all()
    )

    request = RequestFactory().post("/accounts/login/")
    for username in DEMO_USERS:
        assert client.login(request=request, username=username, password=DEMO_PASSWORD), username
        client.logout()

    reviewer = User.objects.get(username="demo-reviewer")
    assert reviewer.groups.filter(name="reviewer").exists()
    assert reviewer.is_staff
    assert User.objects.get(username="demo-senior-reviewer").groups.filter(name="senior_reviewer").exists()
    admin = User.objects.get(username="demo-admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=Group.objects.get(name="platform_admin").name).exists()


@pytest.mark.django_db
def test_seed_demo_lifecycle_has_every_state_made_by_the_domain_functions(tmp_path):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    now = timezone.now()
    assert "Demo notices (created)" in out.getvalue()
    assert "Awaiting counter-notice" in out.getvalue()
    items = NoticeItem.objects.filter(notice__filer_email__in=DEMO_FILER_EMAILS).select_related("notice")
    statuses = set(items.values_list("status", flat=True))
    # Submitted is transient: filing routes every valid item at once.
    assert statuses == set(ItemStatus) - {ItemStatus.SUBMITTED}

    awaiting = items.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE)
    assert {Track.STANDARD, Track.FAST} <= set(awaiting.values_list("track", flat=True))
    assert awaiting.filter(track=Track.FAST, notice__partner__approved_for_vetting=True).exists()
    upheld_events = ItemEvent.objects.filter(item__in=items, to_status=ItemStatus.UPHELD)
    assert upheld_events.filter(action="upheld_no_counter_notice", actor=None).exists()
    assert upheld_events.filter(action="upheld", actor__username="demo-reviewer").exists()
    assert items.filter(status=ItemStatus.PENDING_REVIEW, authorised_store_flag=True).exists()

    # Appeals: one reversed (penalty removed, listing back), one confirmed, one open.
    appeals = {a.status: a for a in Appeal.objects.filter(item__in=items).select_related("item")}
    assert set(appeals) == {AppealStatus.OPEN, AppealStatus.CONFIRMED, AppealStatus.REVERSED}
    reversed_item = appeals[AppealStatus.REVERSED].item
    assert reversed_item.status == ItemStatus.DISMISSED
    assert Penalty.objects.filter(item=reversed_item).exclude(reversed_at=None).exists()
    assert appeals[AppealStatus.CONFIRMED].item.status == ItemStatus.UPHELD

    # The demo merchant has complaints to answer with the deadline still ahead, and a counter-notice pending reply.
    merchant = User.objects.get(username="demo-merchant")
    mine = NoticeItem.objects.visible_to(merchant)
    assert mine.filter(status=ItemStatus.AWAITING_COUNTER_NOTICE, counter_notice_deadline__gt=now).count() >= 2
    assert mine.filter(status=ItemStatus.COUNTER_NOTICED, reply_deadline__gt=now).exists()
    assert CounterNotice.objects.filter(item__in=mine, evidence__isnull=False).exists()

    # Every history replays through the allowed moves to the item's status, at believable past times,
    # with one audit entry per event (the domain functions wrote them, not a bulk update).
    events = ItemEvent.objects.filter(item__in=items).order_by("item_id", "at", "id")
    by_item = {}
    for event in events:
        by_item.setdefault(event.item_id, []).append(event)
    for item in items:
        history = by_item[item.pk]
        assert history[0].from_status == ""
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status, item.pk
            assert after.to_status in ALLOWED_MOVES[before.to_status], item.pk
            assert before.at <= after.at <= now
        assert history[-1].to_status == item.status
    assert min(e.at for e in events) < now - timedelta(days=19)
    assert AuditLogEntry.objects.filter(action__startswith="takedowns.item.").count() == events.count()

    # Effects were carried out: listings, penalties, the public register, notifications.
    assert not Effect.objects.filter(item__in=items).exclude(status=EffectStatus.DONE).exists()
    assert PublicRegisterEntry.objects.exists()
    assert Notification.objects.filter(recipient=merchant).exists()
    assert Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS, items__status=ItemStatus.INVALID).exists()

    # The transparency export has content.
    target = tmp_path / "statements.json"
    call_command("export_statements_of_reasons", output=str(target), stdout=io.StringIO())
    assert len(json.loads(target.read_text())["statements"]) >= 5
