"""Screening alerts as webhooks: ``alert.created`` when the pipeline raises one, ``alert.decided`` when its rights
holder confirms or dismisses it; for the brand and the agent firms whose letter is in force, nobody else."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from api.fields import PREFIXES
from api.models import WebhookDelivery, WebhookEvent
from api.webhooks import fanout, types
from api.webhooks.payloads import event_data
from portal.public_ids import encode
from screening.alerts import alert_confirm, alert_dismiss
from screening.models import ScreeningAlert, ScreeningTrigger
from screening.pipeline import listings_screen
from tests import factories
from tests.screening.alert_world import alert_world
from tests.screening.pipeline_world import brand_with_asset, listing_made
from tests.takedowns.conftest import NOTICE_DATA

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"  # nothing listens: these tests look at the rows, not the sending


@pytest.fixture(autouse=True)
def _no_sending(monkeypatch):
    monkeypatch.setattr(fanout, "deliveries_dispatch", lambda: None)


def _types(organisation):
    return list(WebhookEvent.objects.filter(organisation=organisation).order_by("id").values_list("type", flat=True))


def test_an_alert_raised_by_the_pipeline_is_told_to_the_brand_and_its_agents_only(subscribe):
    holder, asset = brand_with_asset()
    agent = factories.OrganisationFactory(kind="agent", name="Law Firm")
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=holder)
    lapsed = factories.OrganisationFactory(kind="agent", name="Former Firm")
    factories.LetterOfAuthorisationFactory(
        agent=lapsed,
        rights_holder=holder,
        valid_from=timezone.now().date() - timedelta(days=400),
        valid_until=timezone.now().date() - timedelta(days=1),
    )
    store = factories.StoreFactory()
    other = factories.RightsHolderFactory()
    brand_sub, _ = subscribe(holder.organisation, URL)
    agent_sub, _ = subscribe(agent, URL, event_types=[types.ALERT_CREATED])
    for organisation in (lapsed, other.organisation, store.merchant.organisation):
        subscribe(organisation, URL)

    listing = listing_made(store, "X1", "N0rthw1nd runners replica AAA quality", price="15.00")
    listings_screen([listing.pk], trigger=ScreeningTrigger.CREATED)

    alert = ScreeningAlert.objects.get()
    assert _types(holder.organisation) == ["alert.created"]
    assert _types(agent) == ["alert.created"]
    for organisation in (lapsed, other.organisation, store.merchant.organisation):
        assert _types(organisation) == [], organisation
    assert WebhookDelivery.objects.filter(subscription__in=[brand_sub, agent_sub]).count() == 2
    event = WebhookEvent.objects.get(organisation=holder.organisation)
    assert (event.source, event.source_id, event.occurred_at) == ("screening_alert", alert.pk, alert.created_at)
    data = event_data(event)
    assert data == {
        "alert": encode(PREFIXES["alert"], alert.public_id),
        "listing": encode(PREFIXES["listing"], listing.public_id),
        "asset": encode(PREFIXES["asset"], asset.public_id),
        "rights_holder": encode(PREFIXES["rights_holder"], holder.public_id),
        "score": float(alert.result.score),
        "status": "open",
        "created_at": data["created_at"],
        "decided_at": None,
        "dismissal_reason": None,
        "notice": None,
    }


def test_a_confirmation_is_an_alert_decided_naming_the_notice_and_created_still_says_open(subscribe):
    w = alert_world()
    brand_sub, _ = subscribe(w.holder.organisation, URL)
    subscribe(w.agent, URL, event_types=[types.ALERT_DECIDED])
    subscribe(w.other.organisation, URL)
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = alert_confirm(
            alert_id=w.alert.pk, actor=w.staff, data=dict(NOTICE_DATA), acting_organisation=w.holder.organisation
        )
    # The brand also hears of the notice's item; the agent chose alert.decided only.
    assert "alert.decided" in _types(w.holder.organisation)
    assert _types(w.agent) == ["alert.decided"] and _types(w.other.organisation) == []
    event = WebhookEvent.objects.get(organisation=w.holder.organisation, type="alert.decided")
    assert (event.source, event.source_id) == ("screening_alert_decision", w.alert.pk)
    assert WebhookDelivery.objects.filter(event=event, subscription=brand_sub).count() == 1
    data = event_data(event)
    assert data["status"] == "confirmed" and data["dismissal_reason"] is None
    assert data["notice"] == encode(PREFIXES["notice"], decision.receipt.notice.public_id)
    assert data["decided_at"] is not None
    # An alert.created rendered late (after the decision) still tells the raising.
    created = WebhookEvent(organisation=w.holder.organisation, source="screening_alert", source_id=w.alert.pk)
    assert event_data(created)["status"] == "open" and event_data(created)["notice"] is None


def test_a_dismissal_is_an_alert_decided_with_its_reason(subscribe):
    w = alert_world()
    subscribe(w.holder.organisation, URL, event_types=[types.ALERT_DECIDED])
    alert_dismiss(alert_id=w.alert.pk, actor=w.staff, reason="authorised_seller")
    event = WebhookEvent.objects.get(organisation=w.holder.organisation)
    assert event.type == "alert.decided"
    data = event_data(event)
    assert (data["status"], data["dismissal_reason"], data["notice"]) == ("dismissed", "authorised_seller", None)


def test_an_alert_closed_as_already_filed_is_an_alert_decided_naming_the_open_notice(subscribe):
    from tests.takedowns.conftest import draft, file_notice

    w = alert_world()
    (open_item,) = file_notice(w.staff, w.holder, [draft(w.listings[0], w.asset)]).accepted
    subscribe(w.agent, URL, event_types=[types.ALERT_DECIDED])
    with TestCase.captureOnCommitCallbacks(execute=True):
        alert_confirm(alert_id=w.alert.pk, actor=w.lawyer, data=dict(NOTICE_DATA), acting_organisation=w.agent)
    data = event_data(WebhookEvent.objects.get(organisation=w.agent))
    assert (data["status"], data["notice"]) == ("already_filed", encode(PREFIXES["notice"], open_item.notice.public_id))


def test_the_alert_types_are_offered_to_subscribers():
    assert {types.ALERT_CREATED, types.ALERT_DECIDED} <= set(types.SUBSCRIBABLE)
    assert types.event_types_clean(["alert.decided", "alert.created"]) == ["alert.created", "alert.decided"]
