"""The owner's API key pages: owners list, create (secret shown once) and revoke; staff read; others 404."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_find, api_key_revoke
from api.models import ApiKey
from portal.models import AuditLogEntry, Membership, OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories
from tests.html import error_summary, field_boxes


@pytest.fixture
def staff_a(brand_a):
    return factories.member_of(brand_a.organisation, role="staff")


@pytest.fixture
def owner_b(brand_b):
    return factories.member_of(brand_b.organisation, role="owner")


def _urls(organisation, key=None):
    urls = {
        "list": reverse("api-keys:list", args=[organisation.slug]),
        "create": reverse("api-keys:create", args=[organisation.slug]),
    }
    if key is not None:
        urls["revoke"] = reverse("api-keys:revoke", args=[organisation.slug, key.pk])
    return urls


def _signed_in(client, user):
    client.force_login(user)
    return client


def _create(client, organisation, **data):
    data = {"name": "ERP integration", "scopes": ["notices:read", "notices:write"], "expires_in_days": "", **data}
    return client.post(_urls(organisation)["create"], data)


def test_the_owner_sees_every_key_with_its_facts(client, brand_a, owner_a, make_key):
    used, _ = make_key(brand_a.organisation, ["notices:read"], name="Used key", created_by=owner_a)
    ApiKey.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
    revoked, _ = make_key(brand_a.organisation, ["assets:read"], name="Old key")
    api_key_revoke(key=revoked)
    expiring, _ = make_key(
        brand_a.organisation, ["good_faith:read"], name="Temp key", expires_at=timezone.now() + timedelta(days=3)
    )
    page = _signed_in(client, owner_a).get(_urls(brand_a.organisation)["list"])
    assert page.status_code == 200
    body = page.content.decode()
    for key in (used, revoked, expiring):
        assert key.name in body and f"{key.prefix}_…" in body
    assert "notices:read" in body and "good_faith:read" in body
    assert "Revoked" in body and "Active" in body and body.count("never") >= 2
    assert _urls(brand_a.organisation)["create"] in body
    assert _urls(brand_a.organisation, used)["revoke"] in body
    assert _urls(brand_a.organisation, revoked)["revoke"] not in body
    assert revoked.secret_hash not in body


def test_the_list_takes_the_same_queries_for_any_number_of_keys(
    client, brand_a, owner_a, make_key, django_assert_max_num_queries
):
    _signed_in(client, owner_a)
    make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    with CaptureQueriesContext(connection) as one:
        client.get(_urls(brand_a.organisation)["list"])
    for _ in range(5):
        make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(_urls(brand_a.organisation)["list"]).status_code == 200


def test_staff_see_the_list_read_only(client, brand_a, owner_a, staff_a, make_key):
    key, secret = make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    _signed_in(client, staff_a)
    urls = _urls(brand_a.organisation, key)
    body = client.get(urls["list"]).content.decode()
    assert key.name in body and "Only an owner" in body
    assert urls["create"] not in body and urls["revoke"] not in body
    assert client.get(urls["create"]).status_code == 403
    assert _create(client, brand_a.organisation).status_code == 403
    assert client.get(urls["revoke"]).status_code == 403
    assert client.post(urls["revoke"]).status_code == 403
    assert ApiKey.objects.count() == 1 and api_key_find(secret) is not None


@pytest.mark.parametrize("who", ["owner_b", "user_b", "platform_staff"])
def test_anyone_outside_the_organisation_gets_404(client, request, brand_a, owner_a, make_key, who):
    if who == "platform_staff":
        outsider = factories.UserFactory(is_staff=True, is_superuser=True)
    else:
        outsider = request.getfixturevalue(who)
    key, secret = make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    _signed_in(client, outsider)
    urls = _urls(brand_a.organisation, key)
    assert client.get(urls["list"]).status_code == 404
    assert client.get(urls["create"]).status_code == 404
    assert _create(client, brand_a.organisation).status_code == 404
    assert client.post(urls["revoke"]).status_code == 404
    assert ApiKey.objects.count() == 1 and api_key_find(secret) is not None


def test_an_owner_cannot_reach_another_organisations_key_through_their_own(client, brand_a, owner_b, make_key):
    key, secret = make_key(brand_a.organisation, ["notices:read"])
    _signed_in(client, owner_b)
    url = reverse("api-keys:revoke", args=[owner_b.memberships.get().organisation.slug, key.pk])
    assert client.post(url).status_code == 404
    assert api_key_find(secret) is not None


def test_no_organisation_by_that_slug_is_404(client, owner_a):
    assert _signed_in(client, owner_a).get(reverse("api-keys:list", args=["no-such-org"])).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, brand_a):
    response = client.get(_urls(brand_a.organisation)["list"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_form_offers_the_organisations_scopes_as_checkboxes(client, brand_a, owner_a):
    body = _signed_in(client, owner_a).get(_urls(brand_a.organisation)["create"]).content.decode()
    assert 'type="checkbox" name="scopes" value="notices:write"' in body
    assert 'value="listings:ingest"' not in body


def test_creating_a_key_shows_the_secret_once(client, brand_a, owner_a):
    _signed_in(client, owner_a)
    response = _create(client, brand_a.organisation, expires_in_days="30")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    key = ApiKey.objects.get()
    secret = response.context["secret"]
    body = response.content.decode()
    assert secret in body and "shown this once" in body and "copy" in body.lower()
    assert api_key_find(secret) == key
    assert key.name == "ERP integration" and key.scopes == ["notices:read", "notices:write"]
    assert key.created_by == owner_a
    assert timedelta(days=29, hours=23) < key.expires_at - timezone.now() <= timedelta(days=30)
    entry = AuditLogEntry.objects.get(action="api.key.created", object_id=str(key.pk))
    assert entry.actor == owner_a and secret not in str(entry.data)
    # The list shows the prefix, never the secret.
    assert secret not in client.get(_urls(brand_a.organisation)["list"]).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").json()["organisation"] == brand_a.organisation.name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scopes": []}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"name": "ERP\x00"}, "invisible character"),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"scopes": ["listings:ingest"]}, "Select a valid choice"),
        ({"scopes": ["everything"]}, "Select a valid choice"),
        ({"expires_in_days": "7"}, "Select a valid choice"),
    ],
)
def test_bad_input_answers_400_with_the_reason_and_creates_nothing(client, brand_a, owner_a, data, message):
    response = _create(_signed_in(client, owner_a), brand_a.organisation, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ApiKey.objects.exists()
    assert not AuditLogEntry.objects.filter(action="api.key.created").exists()


def test_each_error_is_shown_by_the_field_that_caused_it_and_summed_up_on_top(client, brand_a, owner_a):
    """as_p put the scopes' error right under the name's help text, where it read as the name's."""
    response = _create(_signed_in(client, owner_a), brand_a.organisation, scopes=[])
    assert response.status_code == 400
    boxes = field_boxes(response.content)
    assert "This field is required." in boxes["scopes"]
    assert "errorlist" not in boxes["name"] and "errorlist" not in boxes["expires_in_days"]
    assert boxes["scopes"].index("What the key may do") < boxes["scopes"].index("This field is required.")
    assert error_summary(response.content) == [("scopes", "Scopes : This field is required.")]


def test_a_refusal_of_the_service_is_shown_by_its_field(client, brand_a, owner_a, monkeypatch):
    from portal.errors import InvalidInput

    def refusing(**kwargs):
        raise InvalidInput("Key name: it may not be called that.", code="name_invalid")

    monkeypatch.setattr("api.pages.api_key_create", refusing)
    response = _create(_signed_in(client, owner_a), brand_a.organisation)
    assert response.status_code == 400
    assert "it may not be called that" in field_boxes(response.content)["name"]
    assert error_summary(response.content) == [("name", "Name : Key name: it may not be called that.")]


def test_the_marketplace_owner_may_give_a_key_listings_ingest(client, db):
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    owner = factories.member_of(marketplace, role="owner")
    _signed_in(client, owner)
    assert 'value="listings:ingest"' in client.get(_urls(marketplace)["create"]).content.decode()
    assert _create(client, marketplace, scopes=["listings:ingest"]).status_code == 200
    assert ApiKey.objects.get().scopes == ["listings:ingest"]


def test_the_list_marks_a_scope_the_organisation_may_no_longer_hold(client, db, make_key):
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    partner = Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    owner = factories.member_of(marketplace, role="owner")
    make_key(marketplace, ["listings:ingest", "listings:read"])
    _signed_in(client, owner)
    assert "not in force" not in client.get(_urls(marketplace)["list"]).content.decode()
    Partner.objects.filter(pk=partner.pk).update(kind=PartnerKind.VENDOR)
    body = client.get(_urls(marketplace)["list"]).content.decode()
    assert body.count("(not in force)") == 1
    assert "<del" in body and "<code>listings:read</code>" in body


def test_revoking_asks_first_then_ends_the_key(client, brand_a, owner_a, make_key):
    key, secret = make_key(brand_a.organisation, ["notices:read"], name="ERP", created_by=owner_a)
    _signed_in(client, owner_a)
    url = _urls(brand_a.organisation, key)["revoke"]
    confirmation = client.get(url)
    assert confirmation.status_code == 200
    assert "cannot be undone" in confirmation.content.decode()
    assert api_key_find(secret) is not None  # asking changed nothing
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == _urls(brand_a.organisation)["list"]
    assert "is revoked" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 401
    entry = AuditLogEntry.objects.get(action="api.key.revoked", object_id=str(key.pk))
    assert entry.actor == owner_a
    # Twice: nothing more happens, and the owner is told.
    again = client.post(url, follow=True)
    assert "already revoked" in again.content.decode()
    assert AuditLogEntry.objects.filter(action="api.key.revoked").count() == 1


def test_revoking_takes_a_post(client, brand_a, owner_a, make_key):
    key, secret = make_key(brand_a.organisation, ["notices:read"])
    _signed_in(client, owner_a)
    client.get(_urls(brand_a.organisation, key)["revoke"])
    assert api_key_find(secret) is not None


def test_the_account_page_links_to_each_organisations_keys(client, brand_a, owner_a, brand_b):
    Membership.objects.create(user=owner_a, organisation=brand_b.organisation, role="staff")
    body = _signed_in(client, owner_a).get(reverse("account")).content.decode()
    assert _urls(brand_a.organisation)["list"] in body and _urls(brand_b.organisation)["list"] in body
    assert "Owner" in body and "Staff" in body


def test_the_admin_shows_keys_read_only_and_never_the_hash(client, brand_a, make_key):
    key, _ = make_key(brand_a.organisation, ["notices:read"], name="ERP")
    _signed_in(client, factories.UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:api_apikey_changelist"))
    assert listing.status_code == 200 and "ERP" in listing.content.decode()
    detail = client.get(reverse("admin:api_apikey_change", args=[key.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert key.prefix in body and key.secret_hash not in body and 'name="name"' not in body
    assert client.get(reverse("admin:api_apikey_add")).status_code == 403
    assert client.post(reverse("admin:api_apikey_change", args=[key.pk]), {"name": "changed"}).status_code == 403
    assert client.post(reverse("admin:api_apikey_delete", args=[key.pk]), {"post": "yes"}).status_code == 403
    key.refresh_from_db()
    assert key.name == "ERP"
