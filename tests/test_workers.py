"""The harness of real workers (``tests/workers.py``) itself: a private broker leaves the project's app
publishing where it did before, in the same test and in every test after it."""

import pytest

from screening.feeding import listings_screen_enqueue
from tests.workers import private_redis_broker

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _queued(broker):
    """Messages waiting in the default queue under the broker's prefix."""
    with broker.client() as client:
        return client.llen(f"{broker.key_prefix}celery")


def test_the_project_app_publishes_again_to_its_broker_after_a_test_with_a_private_one():
    # The sequence of a suite: a transactional test publishes through the project's app (its pool for the
    # run's prefix is made, and kept in kombu's global registry), a test with the ``redis_broker`` fixture
    # points the app elsewhere and back, and the next transactional test publishes again.
    with private_redis_broker() as run_broker:
        assert listings_screen_enqueue([1, 2], "created") == 1
        assert _queued(run_broker) == 1

        with private_redis_broker() as test_broker:
            assert listings_screen_enqueue([3], "created") == 1
            assert _queued(test_broker) == 1
        assert _queued(run_broker) == 1

        # Before the fix this publish met "Acquire on closed pool" (logged by the enqueue, nothing sent).
        assert listings_screen_enqueue([4], "created") == 1
        assert _queued(run_broker) == 2
