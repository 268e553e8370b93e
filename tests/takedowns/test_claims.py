"""Claims on items: opening an item for decision claims it; nobody else decides it while the claim runs."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry
from takedowns import claims
from takedowns.models import ItemStatus, NoticeItem, ReviewClaim
from tests import factories
from tests.holding import holding
from tests.racing import Worker, wait_until_a_backend_waits_on_a_lock
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice


def _reviewer(name="reviewer"):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def item(owner_a, brand_a, asset_a, listing, settings):
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    assert item.status == ItemStatus.PENDING_REVIEW
    return item


@pytest.fixture
def second_reviewer(db):
    return _reviewer()


def _decide(client, item, decision="reject", reason="A duplicate of an earlier notice.", **extra):
    return client.post(
        reverse("takedowns:item-decide", args=[item.pk]), {"decision": decision, "reason": reason, **extra}
    )


@pytest.mark.django_db
def test_opening_an_item_for_decision_claims_it_and_the_claim_is_audited(client, reviewer, item, settings):
    settings.PORTAL_REVIEW_CLAIM_MINUTES = 20
    client.force_login(reviewer)
    before = timezone.now()
    response = client.get(reverse("takedowns:item-detail", args=[item.pk]))
    assert response.status_code == 200
    claim = ReviewClaim.objects.get(item=item)
    assert claim.reviewer == reviewer
    assert before + timedelta(minutes=20) <= claim.expires_at <= timezone.now() + timedelta(minutes=20)
    assert b'id="claim-mine"' in response.content
    entry = AuditLogEntry.objects.get(action="takedowns.claim.taken")
    assert entry.actor == reviewer and entry.data["item"] == item.pk
    # Opening it again renews the claim without a second audit entry.
    client.get(reverse("takedowns:item-detail", args=[item.pk]))
    assert AuditLogEntry.objects.filter(action="takedowns.claim.taken").count() == 1
    assert ReviewClaim.objects.get(item=item).expires_at >= claim.expires_at


@pytest.mark.django_db
def test_a_second_reviewer_sees_who_holds_the_item_until_when_and_cannot_decide(
    client, reviewer, second_reviewer, item
):
    client.force_login(reviewer)
    client.get(reverse("takedowns:item-detail", args=[item.pk]))
    client.force_login(second_reviewer)
    response = client.get(reverse("takedowns:item-detail", args=[item.pk]))
    page = response.content.decode()
    assert 'id="claim-blocked"' in page and reviewer.username in page
    assert reverse("takedowns:item-decide", args=[item.pk]) not in page  # no decision form offered
    response = _decide(client, item)
    assert response.status_code == 409
    item.refresh_from_db()
    assert item.status == ItemStatus.PENDING_REVIEW
    assert ReviewClaim.objects.get(item=item).reviewer == reviewer


@pytest.mark.django_db
def test_the_holder_decides_and_the_claim_ends(client, reviewer, item):
    client.force_login(reviewer)
    client.get(reverse("takedowns:item-detail", args=[item.pk]))
    response = _decide(client, item)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED
    assert not ReviewClaim.objects.filter(item=item).exists()
    assert AuditLogEntry.objects.filter(action="takedowns.claim.released", data__reason="reject").count() == 1


@pytest.mark.django_db
def test_the_holder_releases_the_item_to_the_queue_and_another_reviewer_takes_it(
    client, reviewer, second_reviewer, item
):
    client.force_login(reviewer)
    client.get(reverse("takedowns:item-detail", args=[item.pk]))
    response = client.post(reverse("takedowns:item-release", args=[item.pk]))
    assert response.status_code == 302
    assert not ReviewClaim.objects.filter(item=item).exists()
    assert AuditLogEntry.objects.filter(action="takedowns.claim.released", actor=reviewer).exists()
    # Releasing a claim one does not hold is refused, and says so.
    response = client.post(reverse("takedowns:item-release", args=[item.pk]))
    assert response.status_code == 409
    client.force_login(second_reviewer)
    client.get(reverse("takedowns:item-detail", args=[item.pk]))
    assert ReviewClaim.objects.get(item=item).reviewer == second_reviewer


@pytest.mark.django_db
def test_an_expired_claim_returns_the_item_to_the_queue(client, reviewer, second_reviewer, item):
    claims.review_claim_take(item_id=item.pk, actor=reviewer, now=timezone.now() - timedelta(hours=1))
    assert claims.review_claim_of(item.pk) is None  # expired: as good as none
    client.force_login(second_reviewer)
    response = _decide(client, item)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.REJECTED and item.decided_by == second_reviewer
    taken = AuditLogEntry.objects.filter(action="takedowns.claim.taken", actor=second_reviewer).get()
    assert taken.data["took_over_expired_claim_of"] == reviewer.username


@pytest.mark.django_db
def test_only_reviewers_claim(owner_a, item):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        claims.review_claim_take(item_id=item.pk, actor=owner_a)
    assert not ReviewClaim.objects.exists()


@pytest.mark.django_db
def test_the_queue_shows_claimed_items_as_claimed(client, reviewer, second_reviewer, item):
    claims.review_claim_take(item_id=item.pk, actor=reviewer)
    client.force_login(second_reviewer)
    page = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f"claimed-{item.pk}" in page and reviewer.username in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_racing_to_claim_one_item_get_one_claim(owner_a, brand_a, asset_a, listing, settings):
    needs_postgres()
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    first_reviewer, second_reviewer = _reviewer(), _reviewer()
    reached, release = threading.Event(), threading.Event()
    # The first holds the item's row lock, its claim not yet written; the second then asks for it too.
    first = Worker(
        holding(
            lambda: claims.review_claim_take(item_id=item.pk, actor=first_reviewer), reached=reached, release=release
        )
    )
    first.start()
    assert reached.wait(180)
    second = Worker(lambda: claims.review_claim_take(item_id=item.pk, actor=second_reviewer))
    second.start()
    wait_until_a_backend_waits_on_a_lock()  # the second really waits on the first's lock
    release.set()
    first.finish()
    second.finish()
    assert first.error is None and first.result.reviewer_id == first_reviewer.pk
    assert isinstance(second.error, claims.ClaimHeld)
    assert second.error.claim.reviewer_id == first_reviewer.pk
    assert list(ReviewClaim.objects.values_list("item_id", "reviewer_id")) == [(item.pk, first_reviewer.pk)]
    assert AuditLogEntry.objects.filter(action="takedowns.claim.taken").count() == 1
    assert NoticeItem.objects.get(pk=item.pk).status == ItemStatus.PENDING_REVIEW


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_reviewers_racing_at_once_get_one_claim(owner_a, brand_a, asset_a, listing, settings):
    needs_postgres()
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    (item,) = file_notice(owner_a, brand_a, [draft(listing, asset_a)]).accepted
    reviewers = [_reviewer() for _ in range(4)]
    start = threading.Barrier(len(reviewers))

    def claim_for(user):
        def run():
            start.wait(60)
            return claims.review_claim_take(item_id=item.pk, actor=user)

        return run

    workers = [Worker(claim_for(user)) for user in reviewers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.finish()
    won = [w for w in workers if w.error is None]
    assert len(won) == 1
    assert all(isinstance(w.error, claims.ClaimHeld) for w in workers if w is not won[0])
    assert ReviewClaim.objects.get().reviewer_id == won[0].result.reviewer_id
