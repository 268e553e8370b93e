"""The owners' API key and webhook lists: filters, sortable columns and pages in constant queries."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey
from api.webhooks.models import WebhookSubscription
from portal.models import Membership, User
from tests.lists import list_queries_constant

pytestmark = pytest.mark.django_db


def keys_make(organisation, count, **fields):
    """``count`` keys of ``organisation`` with their principals, in three statements (fixture setup)."""
    tag = uuid.uuid4().hex[:8]
    principals = User.objects.bulk_create(
        [User(username=f"key-{tag}-{n}", is_api_principal=True) for n in range(count)]
    )
    Membership.objects.bulk_create([Membership(user=u, organisation=organisation) for u in principals])
    ApiKey.objects.bulk_create(
        [
            ApiKey(
                organisation=organisation,
                name=f"Key {n}",
                key_id=f"{tag}{n:06d}"[:16],
                secret_hash="0" * 64,
                scopes=["notices:read"],
                principal=principal,
                **fields,
            )
            for n, principal in enumerate(principals)
        ]
    )


def webhooks_make(organisation, count, **fields):
    WebhookSubscription.objects.bulk_create(
        [
            WebhookSubscription(
                organisation=organisation,
                url=f"https://hooks.example/{uuid.uuid4().hex}",
                secret_encrypted="x",
                **fields,
            )
            for _ in range(count)
        ]
    )


def test_the_key_list_costs_the_same_queries_for_10_or_500_keys(client, brand_a, owner_a):
    client.force_login(owner_a)
    url = reverse("api-keys:list", args=[brand_a.organisation.slug])
    list_queries_constant(client, url, lambda n: keys_make(brand_a.organisation, n))
    list_queries_constant(
        client,
        url,
        lambda n: keys_make(brand_a.organisation, n),
        params={"state": "active", "sort": "-last_used"},
        sizes=(510, 1000),
    )


def test_the_key_list_filters_by_status(client, brand_a, owner_a):
    keys_make(brand_a.organisation, 2)
    keys_make(brand_a.organisation, 1, revoked_at=timezone.now())
    client.force_login(owner_a)
    url = reverse("api-keys:list", args=[brand_a.organisation.slug])

    assert client.get(url, {"state": "revoked"}).context["listing"].count == 1
    assert client.get(url, {"state": "active"}).context["listing"].count == 2


def test_the_webhook_list_costs_the_same_queries_for_10_or_500_subscriptions(client, brand_a, owner_a):
    client.force_login(owner_a)
    list_queries_constant(client, reverse("webhooks:list"), lambda n: webhooks_make(brand_a.organisation, n))


def test_the_webhook_list_filters_on_and_off(client, brand_a, owner_a):
    webhooks_make(brand_a.organisation, 2)
    webhooks_make(brand_a.organisation, 1, active=False)
    client.force_login(owner_a)

    assert client.get(reverse("webhooks:list"), {"active": "off"}).context["listing"].count == 1
