"""The owner's webhook pages: list, create with the secret shown once, turn off, test event, log, redeliver."""

import re

import pytest
from django.test import TestCase

from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.webhooks.secret_storage import secret_decrypt
from portal.public_ids import encode
from tests import factories
from tests.html import error_summary, field_boxes

LIST = "/integrations/webhooks/"


@pytest.fixture
def owner(brand_a):
    return factories.member_of(brand_a.organisation, role="owner")


def _logged_in(client, user):
    client.force_login(user)
    return client


def test_an_owner_creates_a_subscription_and_sees_its_secret_once(client, owner, brand_a, receiver):
    _logged_in(client, owner)
    assert client.get(LIST).status_code == 200
    assert client.get(f"{LIST}new/").status_code == 200
    response = client.post(
        f"{LIST}new/",
        {
            "organisation": brand_a.organisation.pk,
            "url": receiver.url,
            "event_types": ["notice_item.upheld", "appeal.decided"],
            "description": "Our CRM",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", page).group(0)
    subscription = WebhookSubscription.objects.get()
    assert subscription.organisation == brand_a.organisation
    # Stored encrypted: the row holds no part of the secret, and the key gives it back.
    assert secret.removeprefix("whsec_")[:16] not in subscription.secret_encrypted
    assert secret_decrypt(subscription.secret_encrypted) == secret
    detail = client.get(f"{LIST}{encode('whk', subscription.public_id)}/").content.decode()
    assert "whsec_" not in detail and receiver.url in detail
    assert "whsec_" not in client.get(LIST).content.decode()


def test_a_refused_url_is_shown_on_the_form_with_a_400(client, owner, brand_a):
    _logged_in(client, owner)
    response = client.post(
        f"{LIST}new/", {"organisation": brand_a.organisation.pk, "url": "http://10.1.1.1/hook", "event_types": ["*"]}
    )
    assert response.status_code == 400
    assert "private address" in response.content.decode()
    response = client.post(f"{LIST}new/", {"organisation": brand_a.organisation.pk, "url": "", "event_types": []})
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_each_error_is_shown_by_the_field_that_caused_it_and_summed_up_on_top(client, owner, brand_a):
    """as_p put the events' error right under the URL's help text, where it read as the URL's."""
    _logged_in(client, owner)
    response = client.post(
        f"{LIST}new/",
        {"organisation": brand_a.organisation.pk, "url": "https://hooks.example.test/in", "event_types": []},
    )
    assert response.status_code == 400
    boxes = field_boxes(response.content)
    assert "This field is required." in boxes["event_types"]
    assert "errorlist" not in boxes["url"] and "errorlist" not in boxes["description"]
    assert error_summary(response.content) == [("event_types", "Events : This field is required.")]
    assert not WebhookSubscription.objects.exists()


def test_a_refused_url_is_shown_by_the_url_field(client, owner, brand_a):
    _logged_in(client, owner)
    response = client.post(
        f"{LIST}new/", {"organisation": brand_a.organisation.pk, "url": "http://10.1.1.1/hook", "event_types": ["*"]}
    )
    assert response.status_code == 400
    assert "private address" in field_boxes(response.content)["url"]
    assert [target for target, _ in error_summary(response.content)] == ["url"]


def test_owner_turns_it_off_tests_it_and_redelivers_from_the_log(client, owner, brand_a, subscribe, receiver):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    public = encode("whk", subscription.public_id)
    _logged_in(client, owner)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{LIST}{public}/test/")
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    page = client.get(f"{LIST}{public}/").content.decode()
    assert "webhook.test" in page and "HTTP 200" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"{LIST}{public}/deliveries/{encode('evt', delivery.event.public_id)}/redeliver/")
    assert len(receiver.requests) == 2
    client.post(f"{LIST}{public}/active/", {"active": "0"})
    subscription.refresh_from_db()
    assert not subscription.active
    response = client.post(f"{LIST}{public}/test/")
    assert response.status_code == 409 and "turned off" in response.content.decode()
    client.post(f"{LIST}{public}/active/", {"active": "1"})
    subscription.refresh_from_db()
    assert subscription.active
    response = client.post(f"{LIST}{public}/rotate-secret/")
    assert response.status_code == 200 and "whsec_" in response.content.decode()
    assert client.post(f"{LIST}{public}/delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_staff_who_own_nothing_and_other_organisations_are_refused(
    client, owner, brand_a, brand_b, subscribe, receiver
):
    subscription, _ = subscribe(brand_a.organisation, receiver.url, actor=owner)
    public = encode("whk", subscription.public_id)
    staff = factories.member_of(brand_a.organisation)  # a member, not an owner
    _logged_in(client, staff)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}new/").status_code == 403
    assert client.get(f"{LIST}{public}/").status_code == 404
    other_owner = factories.member_of(brand_b.organisation, role="owner")
    _logged_in(client, other_owner)
    assert client.get(f"{LIST}{public}/").status_code == 404
    assert client.post(f"{LIST}{public}/delete/").status_code == 404
    assert client.post(f"{LIST}{public}/active/", {"active": "0"}).status_code == 404
    subscription.refresh_from_db()
    assert subscription.active
    client.logout()
    assert client.get(LIST).status_code == 302  # to the log-in page


def test_the_account_page_leads_owners_to_their_webhooks(client, owner, brand_a):
    page = _logged_in(client, owner).get("/account/").content.decode()
    assert LIST in page
    staff = factories.member_of(brand_a.organisation)
    assert LIST not in _logged_in(client, staff).get("/account/").content.decode()


def test_a_refused_url_reads_in_chinese_on_the_page_and_in_english_from_the_api(client, owner, brand_a, key_client):
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    _logged_in(client, owner)
    response = client.post(
        f"{LIST}new/", {"organisation": brand_a.organisation.pk, "url": "http://10.1.1.1/hook", "event_types": ["*"]}
    )
    assert response.status_code == 400
    assert (
        "该 URL 的主机解析为 10.1.1.1，属于私有地址：Webhook 只发送到公网地址。" in field_boxes(response.content)["url"]
    )

    answer = key_client(brand_a.organisation).post(
        "/api/v1/webhooks/",
        {"url": "http://10.1.1.1/hook", "event_types": ["*"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "The URL's host resolves to 10.1.1.1, a private address: webhooks are sent to public addresses only."
    )
    assert not WebhookSubscription.objects.exists()
