"""/api/v1/webhooks/: every operation allowed with webhooks:manage, 401 without a key, 403 without the scope,
404 for another organisation's subscription, problem details on every error, the secret shown once."""

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from api.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from portal.models import AuditLogEntry
from tests import factories

BASE = "/api/v1/webhooks/"


@pytest.fixture
def client_a(brand_a, key_client):
    return key_client(brand_a.organisation, ["webhooks:manage"])


@pytest.fixture
def client_b(brand_b, key_client):
    return key_client(brand_b.organisation, ["webhooks:manage"])


def _create(client, url, event_types=("*",), **extra):
    return client.post(BASE, {"url": url, "event_types": list(event_types), **extra}, format="json")


def _problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    if code:
        assert body["code"] == code or code in [e["code"] for e in body.get("errors", [])], body
    return body


def test_create_shows_the_secret_once_then_never(client_a, brand_a, receiver):
    response = _create(client_a, receiver.url, ["notice_item.upheld", "notice_item.counter_noticed"], description="CRM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["id"].startswith("whk_")
    assert body["event_types"] == ["notice_item.counter_noticed", "notice_item.upheld"]
    assert body["active"] is True and body["description"] == "CRM"
    detail = client_a.get(f"{BASE}{body['id']}/").json()
    assert "secret" not in detail and detail["url"] == receiver.url
    listed = client_a.get(BASE).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]] and "secret" not in listed["results"][0]
    subscription = WebhookSubscription.objects.get()
    assert subscription.organisation == brand_a.organisation
    assert AuditLogEntry.objects.filter(action="api.webhook.created", object_id=str(subscription.pk)).exists()
    assert body["secret"] not in str(AuditLogEntry.objects.values_list("data", flat=True))


@pytest.mark.parametrize(
    "payload, pointer, code",
    [
        ({"url": "http://10.0.0.1/x", "event_types": ["*"]}, "/url", "url_address_refused"),
        ({"url": "http://169.254.169.254/latest/", "event_types": ["*"]}, "/url", "url_address_refused"),
        ({"url": "gopher://example.com/", "event_types": ["*"]}, "/url", "url_scheme"),
        ({"url": "http://127.0.0.1:9/x", "event_types": ["no.such"]}, "/event_types", "unknown_event_type"),
        ({"url": "http://127.0.0.1:9/x", "event_types": []}, "/event_types", "event_types_required"),
        ({"url": "http://127.0.0.1:9/x", "event_types": "*"}, "/event_types", "not_a_list"),
        ({"event_types": ["*"]}, "/url", "required"),
        ({"url": "http://127.0.0.1:9/x", "event_types": ["*"], "description": "a\x00b"}, "/description", None),
    ],
)
def test_bad_input_is_a_400_pointing_at_the_field_and_writes_nothing(client_a, payload, pointer, code):
    body = _problem(client_a.post(BASE, payload, format="json"), 400)
    assert pointer in [e["pointer"] for e in body["errors"]], body
    if code:
        assert code in [e["code"] for e in body["errors"]], body
    assert WebhookSubscription.objects.count() == 0


def test_without_a_key_401_and_without_the_scope_403(brand_a, key_client):
    _problem(APIClient().get(BASE), 401)
    _problem(APIClient().post(BASE, {}, format="json"), 401)
    reader = key_client(brand_a.organisation, ["notices:read"])
    _problem(reader.get(BASE), 403)
    _problem(_create(reader, "http://127.0.0.1:9/x"), 403)
    assert WebhookSubscription.objects.count() == 0


def test_another_organisations_subscription_is_404_everywhere(client_a, client_b, receiver):
    theirs = _create(client_b, receiver.url).json()["id"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        delivery_id = client_b.post(f"{BASE}{theirs}/test/").json()["id"]
    assert client_a.get(BASE).json()["results"] == []
    for method, path in [
        ("get", f"{BASE}{theirs}/"),
        ("patch", f"{BASE}{theirs}/"),
        ("delete", f"{BASE}{theirs}/"),
        ("post", f"{BASE}{theirs}/rotate-secret/"),
        ("post", f"{BASE}{theirs}/test/"),
        ("get", f"{BASE}{theirs}/deliveries/"),
        ("get", f"{BASE}{theirs}/deliveries/{delivery_id}/"),
        ("post", f"{BASE}{theirs}/deliveries/{delivery_id}/redeliver/"),
        ("get", f"{BASE}whk_{'0' * 26}/"),
        ("get", f"{BASE}not-an-id/"),
    ]:
        _problem(getattr(client_a, method)(path, {"active": False}, format="json"), 404)
    assert WebhookSubscription.objects.get().active
    assert WebhookDelivery.objects.count() == 1


def test_update_turns_off_and_on_and_changes_what_is_given(client_a, receiver):
    webhook = _create(client_a, receiver.url).json()["id"]
    body = client_a.patch(f"{BASE}{webhook}/", {"active": False}, format="json").json()
    assert body["active"] is False and "Turned off" in body["disabled_reason"]
    body = client_a.patch(
        f"{BASE}{webhook}/", {"active": True, "event_types": ["appeal.decided"], "description": "x"}, format="json"
    ).json()
    assert body["active"] is True and body["disabled_reason"] == "" and body["event_types"] == ["appeal.decided"]
    _problem(
        client_a.patch(f"{BASE}{webhook}/", {"url": "https://127.0.0.2/"}, format="json"), 400, "url_address_refused"
    )
    _problem(client_a.patch(f"{BASE}{webhook}/", {"active": "maybe"}, format="json"), 400)
    assert client_a.get(f"{BASE}{webhook}/").json()["url"] == receiver.url


def test_test_event_delivery_log_and_redeliver(client_a, receiver):
    created = _create(client_a, receiver.url).json()
    receiver.secret = created["secret"]
    webhook = created["id"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_a.post(f"{BASE}{webhook}/test/")
    assert response.status_code == 202
    event_id = response.json()["id"]
    assert event_id.startswith("evt_")
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event_id]
    assert receiver.requests[0].verified
    log = client_a.get(f"{BASE}{webhook}/deliveries/").json()["results"]
    assert len(log) == 1 and log[0]["status"] == "delivered" and log[0]["type"] == "webhook.test"
    (attempt,) = log[0]["attempt_log"]
    assert attempt["status_code"] == 200 and attempt["outcome"] == "delivered" and attempt["latency_ms"] >= 0
    assert attempt["response_excerpt"] == "ok"
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_a.post(f"{BASE}{webhook}/deliveries/{event_id}/redeliver/")
    assert response.status_code == 202
    detail = client_a.get(f"{BASE}{webhook}/deliveries/{event_id}/").json()
    assert detail["attempts"] == 2 and len(detail["attempt_log"]) == 2
    assert client_a.get(f"{BASE}{webhook}/deliveries/?status=failed").json()["results"] == []
    assert len(client_a.get(f"{BASE}{webhook}/deliveries/?type=webhook.test").json()["results"]) == 1
    _problem(client_a.get(f"{BASE}{webhook}/deliveries/?status=nonsense"), 400)


def test_a_turned_off_subscription_refuses_a_test_event_with_409(client_a, receiver):
    webhook = _create(client_a, receiver.url).json()["id"]
    client_a.patch(f"{BASE}{webhook}/", {"active": False}, format="json")
    _problem(client_a.post(f"{BASE}{webhook}/test/"), 409, "inactive")
    assert WebhookDelivery.objects.count() == 0


def test_rotate_secret_and_delete(client_a, receiver):
    created = _create(client_a, receiver.url).json()
    webhook = created["id"]
    rotated = client_a.post(f"{BASE}{webhook}/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_valid_until"]
    assert client_a.delete(f"{BASE}{webhook}/").status_code == 204
    _problem(client_a.get(f"{BASE}{webhook}/"), 404)
    assert not WebhookSubscription.objects.exists() and not WebhookAttempt.objects.exists()


def test_event_types_are_listed(client_a):
    rows = client_a.get(f"{BASE}event-types/").json()
    names = [row["type"] for row in rows]
    assert names[0] == "*" and "notice_item.counter_noticed" in names and "good_faith.membership_changed" in names
    assert "webhook.test" not in names


def test_a_browser_session_manages_the_webhooks_of_the_organisation_it_owns(brand_a, owner_a, receiver):
    client = APIClient()
    client.force_login(owner_a)
    response = client.post(BASE, {"url": receiver.url, "event_types": ["*"]}, format="json")
    assert response.status_code == 201, response.content
    assert WebhookSubscription.objects.get().organisation == brand_a.organisation
    staff = factories.member_of(brand_a.organisation)
    client.force_login(staff)
    _problem(client.post(BASE, {"url": receiver.url, "event_types": ["*"]}, format="json"), 403)
    assert client.get(BASE).json()["results"] == []


def test_at_most_twenty_subscriptions(client_a, receiver):
    for n in range(20):
        assert _create(client_a, f"{receiver.url}/{n}").status_code == 201
    _problem(_create(client_a, receiver.url), 409, "too_many_subscriptions")
