"""The one claim rule (``portal.claims``) on the kinds of reviewer work beyond items: quality audits and asset
verifications get the guarantees the item's claim has (``tests/takedowns/test_claims.py``).

Opening the work claims it; a second reviewer sees who holds it and until when and cannot decide it (the
decision service refuses, not only the page); deciding ends the claim; an expired claim returns the work to
the queue; two reviewers racing on PostgreSQL get one claim. Each test runs once per kind (``KINDS``).
"""

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from good_faith.audits import AUDIT_CLAIMS, quality_audit_decide
from good_faith.models import Membership, MembershipStatus, QualityAudit, QualityAuditStatus
from portal import claims
from portal.errors import TransitionError
from portal.models import AuditLogEntry
from rights_holders.models import IPAsset, VerificationStatus
from rights_holders.verification import VERIFICATION_CLAIMS, VerificationError, ip_asset_verify
from takedowns.claims import review_claim_take
from tests import factories
from tests.holding import holding
from tests.racing import Worker, wait_until_a_backend_waits_on_a_lock
from tests.services import needs_postgres
from tests.takedowns.conftest import draft, file_notice


def _reviewer(name="reviewer"):
    user = factories.UserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def _audit_make(settings, brand, owner):
    """A Good Faith member's fast-track takedown, drawn for audit."""
    Membership.objects.create(
        rights_holder=brand, status=MembershipStatus.MEMBER, member_since=timezone.now() - timedelta(days=9)
    )
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    asset = factories.IPAssetFactory(rights_holder=brand, name="ACME")
    (item,) = file_notice(owner, brand, [draft(factories.ListingFactory(), asset)]).accepted
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    return QualityAudit.objects.get(item=item)


def _asset_make(settings, brand, owner):
    return factories.IPAssetFactory(rights_holder=brand, verification_status=VerificationStatus.PENDING)


@dataclass(frozen=True)
class Kind:
    """A kind of claimable work as the tests reach it: made, opened, decided through the page and the service."""

    claims: claims.ClaimKind
    make: object
    page: str  # the URL name of the page that opens (and claims) it
    decide_url: str
    decision: dict  # the decision form's data
    decided: str  # the decision's name in the released claim's audit entry
    decide: object  # (work, actor): the decision service
    is_open: object  # (work): still waiting for a decision


KINDS = {
    "audit": Kind(
        claims=AUDIT_CLAIMS,
        make=_audit_make,
        page="good_faith:audit-detail",
        decide_url="good_faith:audit-decide",
        decision={"decision": "confirm", "reason": "A fake hologram."},
        decided="confirm",
        decide=lambda audit, actor: quality_audit_decide(
            audit_id=audit.pk, actor=actor, reverse=False, reason="A fake hologram."
        ),
        is_open=lambda audit: QualityAudit.objects.get(pk=audit.pk).status == QualityAuditStatus.OPEN,
    ),
    "verification": Kind(
        claims=VERIFICATION_CLAIMS,
        make=_asset_make,
        page="rights:asset-detail",
        decide_url="rights:asset-decide",
        decision={"decision": "verify", "reason": ""},
        decided="verify",
        decide=lambda asset, actor: ip_asset_verify(asset_id=asset.pk, actor=actor),
        is_open=lambda asset: IPAsset.objects.get(pk=asset.pk).verification_status == VerificationStatus.PENDING,
    ),
}


@pytest.fixture(params=list(KINDS))
def kind(request):
    return KINDS[request.param]


@pytest.fixture
def work(kind, settings, brand_a, owner_a):
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    return kind.make(settings, brand_a, owner_a)


@pytest.fixture
def second_reviewer(db):
    return _reviewer()


def _claim_model(kind):
    return kind.claims.claim_model


def _claim_on(kind, work):
    return _claim_model(kind).objects.filter(**{kind.claims.key: work.pk})


@pytest.mark.django_db
def test_opening_the_work_claims_it_and_the_claim_is_audited(client, reviewer, kind, work, settings):
    settings.PORTAL_REVIEW_CLAIM_MINUTES = 20
    client.force_login(reviewer)
    before = timezone.now()
    response = client.get(reverse(kind.page, args=[work.pk]))
    assert response.status_code == 200
    claim = _claim_on(kind, work).get()
    assert claim.reviewer == reviewer
    assert before + timedelta(minutes=20) <= claim.expires_at <= timezone.now() + timedelta(minutes=20)
    assert b'id="claim-mine"' in response.content
    assert reverse(kind.decide_url, args=[work.pk]).encode() in response.content
    entry = AuditLogEntry.objects.get(action=f"{kind.claims.action}.taken")
    assert entry.actor == reviewer and entry.data[kind.claims.field] == work.pk
    # Opening it again renews the claim without a second audit entry.
    client.get(reverse(kind.page, args=[work.pk]))
    assert AuditLogEntry.objects.filter(action=f"{kind.claims.action}.taken").count() == 1
    assert _claim_on(kind, work).get().expires_at >= claim.expires_at


@pytest.mark.django_db
def test_a_second_reviewer_sees_who_holds_the_work_until_when_and_cannot_decide(
    client, reviewer, second_reviewer, kind, work
):
    client.force_login(reviewer)
    client.get(reverse(kind.page, args=[work.pk]))
    client.force_login(second_reviewer)
    page = client.get(reverse(kind.page, args=[work.pk])).content.decode()
    assert 'id="claim-blocked"' in page and reviewer.username in page
    assert reverse(kind.decide_url, args=[work.pk]) not in page  # no decision form offered
    response = client.post(reverse(kind.decide_url, args=[work.pk]), kind.decision)
    assert response.status_code == 409
    assert kind.is_open(work)
    assert _claim_on(kind, work).get().reviewer == reviewer


@pytest.mark.django_db
def test_the_decision_service_refuses_the_reviewer_who_does_not_hold_the_claim(reviewer, second_reviewer, kind, work):
    claims.work_claim_take(kind.claims, obj_id=work.pk, actor=reviewer)
    with pytest.raises(claims.ClaimHeld) as refused:
        kind.decide(work, second_reviewer)
    assert refused.value.claim.reviewer_id == reviewer.pk and refused.value.http_status == 409
    assert reviewer.username in str(refused.value)
    assert kind.is_open(work)


@pytest.mark.django_db
def test_the_holder_decides_and_the_claim_ends(client, reviewer, kind, work):
    client.force_login(reviewer)
    client.get(reverse(kind.page, args=[work.pk]))
    response = client.post(reverse(kind.decide_url, args=[work.pk]), kind.decision)
    assert response.status_code == 302
    assert not kind.is_open(work)
    assert not _claim_on(kind, work).exists()
    released = AuditLogEntry.objects.filter(action=f"{kind.claims.action}.released", data__reason=kind.decided)
    assert released.count() == 1


# How each kind's release page refuses a reviewer who holds no claim: its app's own page.
RELEASE_REFUSED_STATUS = {"audit": 409, "verification": 302}


@pytest.mark.django_db
def test_a_release_without_a_claim_is_refused_on_the_kinds_own_page_and_a_non_reviewer_reads_404(
    client, reviewer, owner_a, kind, work, request
):
    release = reverse(kind.page.replace("detail", "release"), args=[work.pk])
    client.force_login(owner_a)
    assert client.post(release).status_code == 404
    client.force_login(reviewer)
    response = client.post(release)
    name = request.node.callspec.params["kind"]
    assert response.status_code == RELEASE_REFUSED_STATUS[name]
    if response.status_code == 302:
        assert response["Location"] == reverse(kind.page, args=[work.pk])
    assert not AuditLogEntry.objects.filter(action=f"{kind.claims.action}.released").exists()


@pytest.mark.django_db
def test_the_holder_releases_the_work_to_the_queue_and_another_reviewer_takes_it(
    client, reviewer, second_reviewer, kind, work
):
    client.force_login(reviewer)
    page = client.get(reverse(kind.page, args=[work.pk])).content.decode()
    release = reverse(kind.page.replace("detail", "release"), args=[work.pk])
    assert release in page
    assert client.post(release).status_code == 302
    assert not _claim_on(kind, work).exists()
    assert AuditLogEntry.objects.filter(action=f"{kind.claims.action}.released", actor=reviewer).exists()
    client.force_login(second_reviewer)
    client.get(reverse(kind.page, args=[work.pk]))
    assert _claim_on(kind, work).get().reviewer == second_reviewer


@pytest.mark.django_db
def test_an_expired_claim_returns_the_work_to_the_queue(client, reviewer, second_reviewer, kind, work):
    claims.work_claim_take(kind.claims, obj_id=work.pk, actor=reviewer, now=timezone.now() - timedelta(hours=1))
    assert claims.work_claim_of(kind.claims, work.pk) is None  # expired: as good as none
    client.force_login(second_reviewer)
    queue = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f'id="queue-{kind.claims.name}-{work.pk}"' in queue
    assert f"claimed-{kind.claims.name}-{work.pk}" not in queue
    response = client.post(reverse(kind.decide_url, args=[work.pk]), kind.decision)
    assert response.status_code == 302
    assert not kind.is_open(work)
    taken = AuditLogEntry.objects.filter(action=f"{kind.claims.action}.taken", actor=second_reviewer).get()
    assert taken.data["took_over_expired_claim_of"] == reviewer.username


@pytest.mark.django_db
def test_only_reviewers_claim(owner_a, kind, work):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        claims.work_claim_take(kind.claims, obj_id=work.pk, actor=owner_a)
    assert not _claim_on(kind, work).exists()


@pytest.mark.django_db
def test_the_queue_shows_claimed_work_as_claimed_by_whom_until_when(client, reviewer, second_reviewer, kind, work):
    claim = claims.work_claim_take(kind.claims, obj_id=work.pk, actor=reviewer)
    client.force_login(second_reviewer)
    page = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f'id="claimed-{kind.claims.name}-{work.pk}"' in page and reviewer.username in page
    assert f"Claimed by {reviewer.username} until" in page
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:review-queue")).content.decode()
    assert f'id="claimed-{kind.claims.name}-{work.pk}"' in page and "Yours until" in page
    assert claim.expires_at > timezone.now()


@pytest.mark.django_db
def test_the_audit_queue_offers_no_decision_on_an_audit_another_reviewer_holds(
    client, reviewer, second_reviewer, settings, brand_a, owner_a
):
    audit = _audit_make(settings, brand_a, owner_a)
    claims.work_claim_take(AUDIT_CLAIMS, obj_id=audit.pk, actor=reviewer)
    client.force_login(second_reviewer)
    page = client.get(reverse("good_faith:audit-queue")).content.decode()
    assert f'id="claimed-audit-{audit.pk}"' in page and reviewer.username in page
    assert reverse("good_faith:audit-decide", args=[audit.pk]) not in page
    client.force_login(reviewer)
    page = client.get(reverse("good_faith:audit-queue")).content.decode()
    assert reverse("good_faith:audit-decide", args=[audit.pk]) in page


@pytest.mark.django_db
def test_claims_of_every_kind_on_the_queue_cost_no_query_more(
    client, reviewer, second_reviewer, settings, brand_a, owner_a, brand_b, user_b
):
    """One query reads the running claims of every kind on a page (a UNION), claimed or not."""
    settings.GOOD_FAITH_AUDIT_PERCENT = 0
    audit = _audit_make(settings, brand_a, owner_a)
    asset = _asset_make(settings, brand_a, owner_a)
    # Brand B is no Good Faith member: its item waits for a review.
    listing, right = factories.ListingFactory(), factories.IPAssetFactory(rights_holder=brand_b)
    (item,) = file_notice(user_b, brand_b, [draft(listing, right)]).accepted
    client.force_login(second_reviewer)
    url = reverse("takedowns:review-queue")
    client.get(url)
    with CaptureQueriesContext(connection) as unclaimed:
        client.get(url)
    claims.work_claim_take(AUDIT_CLAIMS, obj_id=audit.pk, actor=reviewer)
    claims.work_claim_take(VERIFICATION_CLAIMS, obj_id=asset.pk, actor=reviewer)
    review_claim_take(item_id=item.pk, actor=reviewer)
    with CaptureQueriesContext(connection) as claimed:
        page = client.get(url).content.decode()
    assert len(claimed) == len(unclaimed)
    for anchor in (f"claimed-audit-{audit.pk}", f"claimed-verification-{asset.pk}", f"claimed-{item.pk}"):
        assert f'id="{anchor}"' in page


# --- Racing on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(KINDS))
def test_two_reviewers_racing_to_claim_one_piece_of_work_get_one_claim(name, settings, brand_a, owner_a):
    needs_postgres()
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    kind = KINDS[name]
    work = kind.make(settings, brand_a, owner_a)
    first_reviewer, second_reviewer = _reviewer(), _reviewer()
    reached, release = threading.Event(), threading.Event()
    # The first holds the work's row lock, its claim not yet written; the second then asks for it too.
    first = Worker(
        holding(
            lambda: claims.work_claim_take(kind.claims, obj_id=work.pk, actor=first_reviewer),
            reached=reached,
            release=release,
        )
    )
    first.start()
    assert reached.wait(180)
    second = Worker(lambda: claims.work_claim_take(kind.claims, obj_id=work.pk, actor=second_reviewer))
    second.start()
    wait_until_a_backend_waits_on_a_lock()  # the second really waits on the first's lock
    release.set()
    first.finish()
    second.finish()
    assert first.error is None and first.result.reviewer_id == first_reviewer.pk
    assert isinstance(second.error, claims.ClaimHeld)
    assert second.error.claim.reviewer_id == first_reviewer.pk
    rows = list(_claim_model(kind).objects.values_list(kind.claims.key, "reviewer_id"))
    assert rows == [(work.pk, first_reviewer.pk)]
    assert AuditLogEntry.objects.filter(action=f"{kind.claims.action}.taken").count() == 1
    assert kind.is_open(work)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(KINDS))
def test_two_reviewers_racing_to_decide_one_piece_of_work_one_decides_the_other_is_refused(
    name, settings, brand_a, owner_a
):
    """The decision service itself takes the claim: of two reviewers deciding at once (neither opened the
    page), one decides and the other is refused, whether by the claim or by the decision already made."""
    needs_postgres()
    from portal.roles import ensure_platform_groups

    ensure_platform_groups()
    kind = KINDS[name]
    work = kind.make(settings, brand_a, owner_a)
    reviewers = [_reviewer(), _reviewer()]
    start = threading.Barrier(len(reviewers))

    def decide_for(user):
        def run():
            start.wait(60)
            return kind.decide(work, user)

        return run

    workers = [Worker(decide_for(user)) for user in reviewers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.finish()
    won = [w for w in workers if w.error is None]
    assert len(won) == 1
    (lost,) = [w for w in workers if w is not won[0]]
    # Refused by the winner's claim, or (its claim ended) by the decision already made.
    assert isinstance(lost.error, (TransitionError, VerificationError)), lost.error
    assert not kind.is_open(work)
    assert AuditLogEntry.objects.filter(action=f"{kind.claims.action}.released", data__reason=kind.decided).count() == 1
