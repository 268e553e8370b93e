"""The nightly evaluation run by a real Celery worker process on Redis and PostgreSQL.

The test sends ``good_faith.tasks.evaluate_memberships`` through the broker
exactly as beat does at 02:30 UTC; the worker evaluates on its own (real)
clock, so the decided items are dated a day ago. The holder's record is built
with ``decided_items`` (final states written directly, for the record
arithmetic only; ``test_membership.py`` has the lifecycle-driven case).
"""

import pytest

from good_faith.models import MembershipChange, MembershipStatus
from good_faith.tasks import evaluate_memberships
from portal.roles import ensure_platform_groups
from takedowns.models import Notification
from tests import factories
from tests.good_faith.test_records import decided_items
from tests.services import needs_postgres
from tests.workers import broker_sender, celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_broker(redis_broker):
    needs_postgres()
    return redis_broker


def evaluations_finished(worker):
    """The worker log's lines for finished evaluation tasks."""
    return [line for line in worker.log().splitlines() if "evaluate_memberships[" in line and "succeeded" in line]


def statuses(memberships):
    return sorted(memberships.values_list("infringement_type", "status"))


def notifications(user):
    return list(Notification.objects.filter(recipient=user).values_list("subject", "emailed_at"))


def test_the_nightly_task_enrols_then_suspends_through_a_real_worker(redis_broker, tmp_path):
    ensure_platform_groups()
    brand = factories.RightsHolderFactory(legal_name="Brand A")
    owner = factories.member_of(brand.organisation, role="owner")
    factories.IPAssetFactory(rights_holder=brand)
    decided_items(brand, 20, infringement_type="counterfeit")
    membership = brand.memberships

    with celery_worker(redis_broker, var_dir=tmp_path / "var") as worker:
        with broker_sender(redis_broker) as sender:
            sender.send_task(evaluate_memberships.name)
        wait_for(
            lambda: membership.filter(infringement_type="", status=MembershipStatus.MEMBER).exists(),
            timeout=300,
            interval=0.2,
            message="the holder to be enrolled",
            seen=lambda: f"memberships {statuses(membership)}",
            worker=worker,
        )
        # The e-mail went out after the run's commit, from a task the worker sent itself.
        wait_for(
            lambda: Notification.objects.filter(recipient=owner, emailed_at__isnull=False).exists(),
            timeout=300,
            interval=0.2,
            message="the enrolment e-mail",
            seen=lambda: f"notifications (subject, e-mailed at) {notifications(owner)}",
            worker=worker,
        )

        # A run sent twice is a normal event: the second finds nothing to change.
        with broker_sender(redis_broker) as sender:
            sender.send_task(evaluate_memberships.name)
        wait_for(
            lambda: len(evaluations_finished(worker)) >= 2,
            timeout=300,
            message="the second run to finish",
            seen=lambda: f"{len(evaluations_finished(worker))} finished runs",
            worker=worker,
        )
        assert MembershipChange.objects.count() == 2  # overall and counterfeit

        # The record turns bad; the next night suspends and starts the cooling-off.
        decided_items(brand, 5, infringement_type="counterfeit", status="rejected")
        with broker_sender(redis_broker) as sender:
            sender.send_task(evaluate_memberships.name)
        wait_for(
            lambda: membership.filter(infringement_type="", status=MembershipStatus.SUSPENDED).exists(),
            timeout=300,
            interval=0.2,
            message="the member to be suspended",
            seen=lambda: f"memberships {statuses(membership)}",
            worker=worker,
        )

    overall = membership.get(infringement_type="")
    assert overall.cooling_off_until is not None
    change = overall.changes.last()
    assert (change.cause, change.from_status, change.to_status) == ("nightly", "member", "suspended")
    assert change.figures["decided"] == 25 and change.figures["upheld"] == 20
    assert Notification.objects.filter(recipient=owner).count() == 2
