"""Webhook tests: a real receiver on 127.0.0.1, the settings that let the guard reach it, a small world."""

import pytest

from api.webhooks.subscriptions import webhook_subscription_create
from tests.api.webhooks.receiver import receiver_start, receiver_stop
from tests.takedowns.conftest import (  # noqa: F401 (fixtures)
    asset_a,
    listing,
    merchant_org,
    merchant_user,
    senior_reviewer,
    store,
)


@pytest.fixture(autouse=True)
def _webhooks_may_reach_loopback(settings):
    # Production refuses loopback and plain http; development and tests let 127.0.0.1 through.
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver():
    started = receiver_start()
    yield started
    receiver_stop(started)


@pytest.fixture
def subscribe(db):
    """subscribe(organisation, url, event_types=["*"]) -> (subscription, secret), made by an owner of it."""
    from tests import factories

    def make(organisation, url, event_types=("*",), actor=None):
        actor = actor or factories.member_of(organisation, role="owner")
        return webhook_subscription_create(
            organisation=organisation, url=url, event_types=list(event_types), actor=actor
        )

    return make
