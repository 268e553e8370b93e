"""Every model in the admin opens for a superuser; enforcement state is read-only there."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry, LetterOfAuthorisation, OrganisationKind
from rights_holders.models import AssetVerificationClaim, AuthorisedStore, IPAsset, Partner, PartnerKind
from tests import factories


@pytest.fixture
def admin_client(client, db):
    user = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.session_user = user
    return client


@pytest.fixture
def rows(db):
    proof = factories.IPAssetProofFactory()
    order = factories.OrderFactory()
    AuthorisedStore.objects.create(rights_holder=proof.asset.rights_holder, store=order.listing.store)
    partner = Partner.objects.create(
        organisation=factories.OrganisationFactory(kind=OrganisationKind.PARTNER), kind=PartnerKind.ASSOCIATION
    )
    partner.vetted_rights_holders.add(proof.asset.rights_holder)
    factories.LetterOfAuthorisationFactory()
    owner = factories.member_of(factories.RightsHolderFactory().organisation, role="owner")
    AuditLogEntry.objects.create(actor=owner, actor_label=owner.username, action="tests.admin", ip_address="127.0.0.1")
    AssetVerificationClaim.objects.create(
        asset=proof.asset, reviewer=owner, expires_at=timezone.now() + timedelta(minutes=15)
    )


READ_ONLY = {AuditLogEntry, AssetVerificationClaim}
MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
OWN_MODELS = [m for m in MODELS if m._meta.app_label in {"portal", "rights_holders", "listings"}]


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_changelist_and_add_open(admin_client, rows, model, rf):
    opts = model._meta
    request = rf.get("/")
    request.user = admin_client.session_user
    # Read-only registrations (our audit log, reviewers' claims, django-axes' logs) refuse the add page.
    can_add = admin.site._registry[model].has_add_permission(request)
    if opts.app_label in {"portal", "rights_holders", "listings"}:
        assert can_add is not (model in READ_ONLY)
    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code == (200 if can_add else 403)


@pytest.mark.parametrize("model", OWN_MODELS, ids=[m._meta.label for m in OWN_MODELS])
def test_change_form_opens(admin_client, rows, model):
    obj = model._default_manager.first()
    assert obj is not None, f"no factory row for {model._meta.label}"
    opts = model._meta
    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_every_domain_model_is_registered():
    labels = {m._meta.label for m in admin.site._registry}
    for label in [
        "portal.User",
        "portal.Organisation",
        "portal.LetterOfAuthorisation",
        "portal.AuditLogEntry",
        "rights_holders.RightsHolder",
        "rights_holders.IPAsset",
        "rights_holders.Partner",
        "rights_holders.AuthorisedStore",
        "listings.Merchant",
        "listings.Store",
        "listings.Listing",
        "listings.Order",
    ]:
        assert label in labels


def test_audit_log_is_read_only(admin_client, rows):
    entry = AuditLogEntry.objects.get()
    change = admin_client.get(reverse("admin:portal_auditlogentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert b'name="action"' not in change.content
    delete = admin_client.post(reverse("admin:portal_auditlogentry_delete", args=[entry.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_ip_asset_verification_is_not_editable(admin_client, rows):
    asset = IPAsset.objects.get()
    response = admin_client.get(reverse("admin:rights_holders_ipasset_change", args=[asset.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for field in ("verification_status", "verification_reason", "verified_by", "verified_at"):
        assert field not in form.fields
    assert b'name="verification_status"' not in response.content


def test_store_and_listing_status_not_editable(admin_client, rows):
    listing = factories.ListingFactory()
    response = admin_client.get(reverse("admin:listings_listing_change", args=[listing.pk]))
    assert "status" not in response.context["adminform"].form.fields
    response = admin_client.get(reverse("admin:listings_store_change", args=[listing.store.pk]))
    form = response.context["adminform"].form
    for field in ("status", "restricted_until", "suspended_until", "payout_account_hash"):
        assert field not in form.fields


def test_a_verified_assets_registered_facts_are_read_only_a_pending_ones_are_not(admin_client, rows):
    verified = IPAsset.objects.get()
    response = admin_client.get(reverse("admin:rights_holders_ipasset_change", args=[verified.pk]))
    form = response.context["adminform"].form
    for field in ("rights_holder", "kind", "name", "registration_number", "office", "expires_on"):
        assert field not in form.fields, field
    # What screening uses stays editable: it is not what the reviewer verified.
    assert {"keywords", "reference_price", "description"} <= set(form.fields)

    pending = factories.IPAssetFactory(verification_status="pending")
    response = admin_client.get(reverse("admin:rights_holders_ipasset_change", args=[pending.pk]))
    assert {"name", "registration_number", "expires_on"} <= set(response.context["adminform"].form.fields)


def test_approving_a_partner_for_vetting_in_the_admin_is_audited(admin_client, rows):
    partner = Partner.objects.get()
    holders = list(partner.vetted_rights_holders.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:rights_holders_partner_change", args=[partner.pk]),
        {
            "organisation": partner.organisation_id,
            "kind": partner.kind,
            "approved_for_vetting": "on",
            "vetted_rights_holders": holders,
        },
    )
    assert response.status_code == 302, response.content
    partner.refresh_from_db()
    assert partner.approved_for_vetting
    entry = AuditLogEntry.objects.get(action="rights_holders.partner.changed")
    assert (entry.actor, entry.object_id, entry.organisation_id) == (
        admin_client.session_user,
        str(partner.pk),
        partner.organisation_id,
    )
    assert entry.data == {"via": "admin", "changed": {"approved_for_vetting": {"before": False, "after": True}}}


def test_revoking_a_letter_of_authorisation_in_the_admin_is_audited(admin_client, rows):
    letter = LetterOfAuthorisation.objects.get()
    response = admin_client.post(
        reverse("admin:portal_letterofauthorisation_change", args=[letter.pk]),
        {
            "agent": letter.agent_id,
            "rights_holder": letter.rights_holder_id,
            "valid_from": letter.valid_from.isoformat(),
            "valid_until": letter.valid_until.isoformat(),
            "document_name": letter.document_name,
            "revoked_at_0": "2026-01-02",
            "revoked_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content
    letter.refresh_from_db()
    assert letter.revoked_at is not None
    entry = AuditLogEntry.objects.get(action="portal.letter_of_authorisation.changed")
    assert entry.actor == admin_client.session_user and entry.organisation_id == letter.agent_id
    assert entry.data["changed"] == {"revoked_at": {"before": None, "after": letter.revoked_at.isoformat()}}
