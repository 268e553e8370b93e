"""Keys: 401 for unknown, revoked or expired; 403 without the scope; the key acts for its organisation only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from api.keys import api_key_find, api_key_revoke, scopes_offered_to
from api.models import ApiKey
from api.scopes import Scope
from portal import public_ids
from portal.errors import InvalidInput
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories


@pytest.mark.django_db
def test_no_key_is_401_with_a_challenge():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer tdp_nope_nope", "Bearer x", "Bearer "])
def test_an_unknown_key_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_key_acts_for_its_organisation_only(brand_a, brand_b, make_key, owner_a):
    key, secret = make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    assert secret.startswith("tdp_") and key.prefix in secret
    assert key.secret_hash not in secret and len(key.secret_hash) == 64
    assert list(key.principal.organisations.all()) == [brand_a.organisation]
    assert not key.principal.has_usable_password()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = client.get("/api/v1/me/").json()
    assert body["organisation"] == brand_a.organisation.name
    assert body["scopes"] == ["notices:read"]
    assert AuditLogEntry.objects.filter(action="api.key.created", object_id=str(key.pk)).exists()


def test_a_revoked_or_expired_key_is_refused(brand_a, make_key):
    key, secret = make_key(brand_a.organisation)
    api_key_revoke(key=key)
    assert api_key_find(secret) is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 401

    key, secret = make_key(brand_a.organisation, expires_at=timezone.now() + timedelta(days=1))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_key_find(secret) is None
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert api_key_find(secret) == key


def test_a_wrong_secret_with_a_real_key_id_is_refused(brand_a, make_key):
    _, secret = make_key(brand_a.organisation)
    tampered = secret[:-2] + ("BB" if secret.endswith("AA") else "AA")
    assert api_key_find(tampered) is None


class _NeedsNoticesRead(APIView):
    required_scopes = {"GET": "notices:read"}

    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"ok": True})


def test_the_scope_is_required_and_an_undeclared_method_fails_closed(brand_a, make_key):
    _, without = make_key(brand_a.organisation, ["assets:read"])
    _, with_scope = make_key(brand_a.organisation, ["notices:read"])
    view = _NeedsNoticesRead.as_view()
    factory = APIRequestFactory()
    refused = view(factory.get("/x", HTTP_AUTHORIZATION=f"Bearer {without}"))
    assert refused.status_code == 403
    assert "notices:read" in refused.data["detail"]
    assert view(factory.get("/x", HTTP_AUTHORIZATION=f"Bearer {with_scope}")).status_code == 200
    assert view(factory.post("/x", HTTP_AUTHORIZATION=f"Bearer {with_scope}")).status_code == 403


def test_only_an_owner_creates_or_revokes_a_key(brand_a, owner_a, make_key):
    staff = factories.member_of(brand_a.organisation, role="staff")
    with pytest.raises(PermissionDenied):
        make_key(brand_a.organisation, ["notices:read"], created_by=staff)
    key, _ = make_key(brand_a.organisation, ["notices:read"], created_by=owner_a)
    outsider = factories.member_of(factories.OrganisationFactory(), role="owner")
    for actor in (staff, outsider):
        with pytest.raises(PermissionDenied):
            api_key_revoke(key=key, actor=actor)
    api_key_revoke(key=key, actor=owner_a)
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.principal.is_active
    entry = AuditLogEntry.objects.get(action="api.key.revoked", object_id=str(key.pk))
    assert entry.actor == owner_a and entry.data == {"prefix": key.prefix}


def test_a_key_may_not_expire_in_the_past(brand_a, make_key):
    with pytest.raises(InvalidInput, match="future"):
        make_key(brand_a.organisation, ["notices:read"], expires_at=timezone.now())
    assert not ApiKey.objects.exists()


def test_listings_ingest_is_offered_to_the_marketplace_only(brand_a, make_key):
    assert "listings:ingest" not in scopes_offered_to(brand_a.organisation)
    with pytest.raises(InvalidInput) as refused:
        make_key(brand_a.organisation, ["listings:ingest"])
    assert refused.value.code == "scope_not_allowed"
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    assert scopes_offered_to(marketplace) == Scope.values
    key, _ = make_key(marketplace, ["listings:ingest"])
    assert key.scopes == ["listings:ingest"]


@pytest.mark.parametrize("change", ["other_kind", "no_partner"])
def test_a_key_loses_listings_ingest_when_its_organisation_stops_being_the_marketplace(make_key, change):
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    partner = Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    key, secret = make_key(marketplace, ["listings:ingest", "listings:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    store = public_ids.encode("sto", factories.StoreFactory().public_id)
    rows = {
        "listings": [
            {"external_id": "X-1", "title": "Trail runner", "category": "shoes", "price": "49", "store": store}
        ]
    }
    assert client.post("/api/v1/listings/ingest/", rows, format="json", HTTP_IDEMPOTENCY_KEY="first").status_code == 200
    assert client.get("/api/v1/me/").json()["scopes"] == ["listings:ingest", "listings:read"]

    if change == "other_kind":
        Partner.objects.filter(pk=partner.pk).update(kind=PartnerKind.VENDOR)
    else:
        partner.delete()

    refused = client.post("/api/v1/listings/ingest/", rows, format="json", HTTP_IDEMPOTENCY_KEY="second")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "listings:ingest" in refused.json()["detail"]
    # What the key may do now is what /me/ says: the scope is in force again only if the organisation is again
    # the marketplace (the key's row still carries it).
    assert client.get("/api/v1/me/").json()["scopes"] == ["listings:read"]
    assert ApiKey.objects.get(pk=key.pk).scopes == ["listings:ingest", "listings:read"]


def test_finding_a_key_and_its_scopes_in_force_is_one_query(make_key, django_assert_num_queries):
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    _, secret = make_key(marketplace, ["listings:ingest"])
    _, brand_secret = make_key(factories.OrganisationFactory(), ["notices:read"])
    for presented, expected in ((secret, {"listings:ingest"}), (brand_secret, {"notices:read"})):
        with django_assert_num_queries(1):
            key = api_key_find(presented)
            assert key.scopes_in_force == expected
            assert key.principal.is_active and key.organisation.name


def test_a_preset_key_is_made_by_the_same_service_and_refused_when_malformed_or_taken(brand_a, make_key):
    secret_part = "d" * 43
    key, secret = make_key(brand_a.organisation, ["notices:read"], preset=("demobrand", secret_part))
    assert secret == f"tdp_demobrand_{secret_part}" and key.prefix == "tdp_demobrand"
    assert api_key_find(secret) == key and key.principal.is_api_principal
    for preset, code in (
        (("demobrand", "e" * 43), "key_id_taken"),
        (("Demo_Brand", "e" * 43), "preset_invalid"),
        (("demoother", "short"), "preset_invalid"),
    ):
        with pytest.raises(InvalidInput) as refused:
            make_key(brand_a.organisation, ["notices:read"], preset=preset)
        assert refused.value.code == code
    assert ApiKey.objects.count() == 1
