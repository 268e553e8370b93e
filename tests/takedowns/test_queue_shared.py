"""The reviewer queue on a shared page fragment (portal.pagecache): one fragment for every reviewer who asks
the same, every committed write seen at once, a claim holder's own rows, each viewer's own CSRF token."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import pagecache
from takedowns.models import ItemStatus, NoticeItem
from tests import factories
from tests.bulk import notices_bulk_create
from tests.services import needs_postgres, session_second_factor_pass

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


def _staff_client(user):
    client = Client()
    client.force_login(user)
    session_second_factor_pass(client, user)
    return client


def _queue(client):
    response = client.get(reverse("takedowns:review-queue"))
    assert response.status_code == 200
    return response.content.decode()


def _two_reviewers_and_a_waiting_item(reviewer, asset, store, waiting=2):
    """``waiting`` items waiting for review, the first of them, and a signed-in browser for ``reviewer`` and
    another."""
    other = factories.UserFactory()
    other.groups.add(reviewer.groups.get())
    notices_bulk_create(asset, store, waiting)
    NoticeItem.objects.filter(status=ItemStatus.PENDING_REVIEW).update(
        review_due_at=timezone.now() + timedelta(hours=1)
    )
    item = NoticeItem.objects.filter(status=ItemStatus.PENDING_REVIEW).order_by("pk").first()
    return item, _staff_client(reviewer), _staff_client(other)


def test_reviewers_share_the_queue_and_see_every_committed_write_at_once(reviewer, asset_a, store, settings):
    _item, first, second = _two_reviewers_and_a_waiting_item(reviewer, asset_a, store, waiting=3)
    _queue(first)  # the data and the fragment built
    _queue(second)
    with CaptureQueriesContext(connection) as shared:
        page = _queue(second)
    # The session, the user (with the version) and the second factor's device: the frame's only.
    assert len(shared.captured_queries) <= 3, [q["sql"][:80] for q in shared.captured_queries]
    assert page.count('class="queue-review') == 3
    # Someone else's committed write shows on the very next request.
    notices_bulk_create(asset_a, store, 1)
    NoticeItem.objects.filter(review_due_at__isnull=True, status=ItemStatus.PENDING_REVIEW).update(
        review_due_at=timezone.now() + timedelta(hours=2)
    )
    assert _queue(second).count('class="queue-review') == 4


def test_a_reviewer_holding_a_claim_gets_their_own_queue_and_others_see_it_claimed(reviewer, asset_a, store):
    item, first, second = _two_reviewers_and_a_waiting_item(reviewer, asset_a, store)
    assert first.get(reverse("takedowns:item-detail", args=[item.pk])).status_code == 200  # claims it
    mine, theirs = _queue(first), _queue(second)
    assert "Yours until" in mine and "Claimed by" not in mine
    assert "Claimed by" in theirs and "Yours until" not in theirs
    # Only the holder may tick it for a bulk decision.
    assert f'name="items" value="{item.pk}"' in mine
    assert f'name="items" value="{item.pk}"' not in theirs
    assert "Yours until" in _queue(first) and "Yours until" not in _queue(second)


def test_the_shared_queue_carries_each_viewer_s_own_csrf_token(reviewer, asset_a, store):
    other = factories.UserFactory()
    other.groups.add(reviewer.groups.get())
    notices_bulk_create(asset_a, store, 1)
    NoticeItem.objects.filter(status=ItemStatus.PENDING_REVIEW).update(
        review_due_at=timezone.now() + timedelta(hours=1)
    )
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client, user in ((first, reviewer), (second, other)):
        client.force_login(user)
        session_second_factor_pass(client, user)
    _queue(first)
    page = _queue(second)
    assert pagecache.CSRF_MARK not in page
    token = page.split('id="bulk-form"', 1)[1].split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    # The token in the shared fragment is the second reviewer's own: their bulk decision passes the CSRF check.
    response = second.post(reverse("takedowns:bulk-decide"), {"csrfmiddlewaretoken": token, "items": []})
    assert response.status_code != 403


def test_a_claim_moves_the_queue_but_the_brands_pages_stay_shared(reviewer, owner_a, asset_a, store):
    """Opening an item claims it: the queue shows that at once, while the brand's notices list, which shows no
    claim, stays shared (the claims are their own part of the version). A sign-in moves neither."""
    item, first, second = _two_reviewers_and_a_waiting_item(reviewer, asset_a, store)
    owner = Client()
    owner.force_login(owner_a)
    newcomer = factories.UserFactory()
    notices = reverse("takedowns:notice-list")
    assert owner.get(notices).status_code == 200  # built and kept
    assert "Claimed by" not in _queue(second)

    assert first.get(reverse("takedowns:item-detail", args=[item.pk])).status_code == 200  # claims it
    Client().force_login(newcomer)  # someone signs in

    assert "Claimed by" in _queue(second)
    with CaptureQueriesContext(connection) as captured:
        assert owner.get(notices).status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if "takedowns_notice" in q["sql"]]
