"""Writes made in the Django admin are audited, and files uploaded there are validated like everywhere else."""

import io

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import CheckboxInput, ClearableFileInput, MultiWidget
from django.urls import reverse
from PIL import Image

from listings.models import Listing, Merchant
from portal.admin_audit import AuditedAdminMixin
from portal.models import AuditLogEntry, LetterOfAuthorisation, Membership, MembershipRole, OrganisationKind
from rights_holders.models import AuthorisedStore, IPAssetProof, ReferenceImage
from tests import factories

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def png(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def admin_client(client, db):
    user = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.session_user = user
    return client


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def add_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def form_data(response):
    """The POST data of an admin page's form and inlines as they stand (what "Save" would send unchanged)."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, ClearableFileInput) or value is None:
                continue
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(field.widget, MultiWidget):
                for i, part in enumerate(field.widget.decompress(value)):
                    data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)
    return data


def saved(response):
    if response.status_code != 302:
        errors = [response.context["adminform"].form.errors]
        errors += [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
        raise AssertionError(f"not saved: {errors}")


def only_entry(action):
    (entry,) = AuditLogEntry.objects.filter(action=action)
    return entry


# --- One mechanism, on every admin that writes -------------------------------------------------


def test_every_admin_that_can_write_is_audited(rf, admin_client):
    request = rf.get("/")
    request.user = admin_client.session_user
    ours = {"portal", "rights_holders", "listings", "takedowns", "good_faith", "api", "auth"}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ours:
            continue
        writes = (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
        if writes:
            assert isinstance(model_admin, AuditedAdminMixin), f"{model._meta.label} is written in the admin unaudited"


# --- What the admin changes, the log shows ----------------------------------------------------


def test_a_members_role_changed_added_and_removed_in_the_admin_is_audited(admin_client):
    org = factories.OrganisationFactory(kind=OrganisationKind.RIGHTS_HOLDER)
    staff = factories.member_of(org, role="staff")
    leaving = factories.member_of(org, role="staff")
    newcomer = factories.UserFactory()
    page = admin_client.get(change_url(org))
    data = form_data(page)
    rows = {int(data[f"memberships-{i}-id"]): i for i in range(int(data["memberships-TOTAL_FORMS"]))}
    staff_row = Membership.objects.get(user=staff, organisation=org)
    leaving_row = Membership.objects.get(user=leaving, organisation=org)
    data[f"memberships-{rows[staff_row.pk]}-role"] = MembershipRole.OWNER
    data[f"memberships-{rows[leaving_row.pk]}-DELETE"] = "on"
    n = int(data["memberships-TOTAL_FORMS"])
    data.update({f"memberships-{n}-user": str(newcomer.pk), f"memberships-{n}-role": MembershipRole.STAFF})
    data["memberships-TOTAL_FORMS"] = str(n + 1)
    saved(admin_client.post(change_url(org), data))

    entry = only_entry("portal.organisation.changed")
    assert (entry.actor, entry.organisation_id, entry.object_id) == (admin_client.session_user, org.pk, str(org.pk))
    assert entry.data["via"] == "admin" and "name" not in entry.data["changed"]
    (inline,) = entry.data["inlines"]
    assert inline["model"] == "portal.membership"
    assert [row["fields"] for row in inline["changed"]] == [{"role": {"before": "staff", "after": "owner"}}]
    assert [row["id"] for row in inline["deleted"]] == [leaving_row.pk]
    (added,) = inline["added"]
    assert (added["values"]["user_id"], added["values"]["role"]) == (newcomer.pk, "staff")


def test_an_authorised_store_added_and_deleted_in_the_admin_is_audited(admin_client):
    holder = factories.RightsHolderFactory()
    store = factories.StoreFactory()
    saved(
        admin_client.post(add_url(AuthorisedStore), {"rights_holder": holder.pk, "store": store.pk, "kind": "reseller"})
    )
    authorised = AuthorisedStore.objects.get()
    entry = only_entry("rights_holders.authorised_store.created")
    assert entry.organisation_id == holder.organisation_id and entry.actor == admin_client.session_user
    assert (entry.data["values"]["store_id"], entry.data["values"]["rights_holder_id"]) == (store.pk, holder.pk)

    delete = reverse("admin:rights_holders_authorisedstore_delete", args=[authorised.pk])
    saved(admin_client.post(delete, {"post": "yes"}))
    assert not AuthorisedStore.objects.exists()
    entry = only_entry("rights_holders.authorised_store.deleted")
    assert entry.object_id == str(authorised.pk) and entry.organisation_id == holder.organisation_id
    assert entry.data["values"]["store_id"] == store.pk


def test_the_bulk_delete_action_audits_every_row(admin_client):
    rows = [
        AuthorisedStore.objects.create(rights_holder=factories.RightsHolderFactory(), store=factories.StoreFactory())
    ]
    rows.append(AuthorisedStore.objects.create(rights_holder=rows[0].rights_holder, store=factories.StoreFactory()))
    changelist = reverse("admin:rights_holders_authorisedstore_changelist")
    data = {"action": "delete_selected", "_selected_action": [r.pk for r in rows], "post": "yes"}
    saved(admin_client.post(changelist, data))
    assert not AuthorisedStore.objects.exists()
    deleted = AuditLogEntry.objects.filter(action="rights_holders.authorised_store.deleted")
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(str(r.pk) for r in rows)


def test_a_merchants_identity_changed_in_the_admin_is_audited_with_before_and_after(admin_client):
    merchant = factories.MerchantFactory(business_licence_number="BL-OLD-1")
    data = form_data(admin_client.get(change_url(merchant)))
    data["business_licence_number"] = "BL-NEW-2"
    saved(admin_client.post(change_url(merchant), data))
    assert Merchant.objects.get(pk=merchant.pk).business_licence_number == "BL-NEW-2"
    entry = only_entry("listings.merchant.changed")
    assert entry.organisation_id == merchant.organisation_id
    assert entry.data["changed"] == {"business_licence_number": {"before": "BL-OLD-1", "after": "BL-NEW-2"}}


def test_moving_a_listing_to_another_store_in_the_admin_is_audited(admin_client):
    listing = factories.ListingFactory()
    before, after = listing.store, factories.StoreFactory()
    data = form_data(admin_client.get(change_url(listing)))
    data["store"] = str(after.pk)
    saved(admin_client.post(change_url(listing), data))
    assert Listing.objects.get(pk=listing.pk).store == after
    entry = only_entry("listings.listing.changed")
    assert entry.data["changed"]["store"] == {"before": before.pk, "after": after.pk}
    assert entry.organisation_id == after.merchant.organisation_id


def test_saving_unchanged_writes_no_entry(admin_client):
    merchant = factories.MerchantFactory()
    saved(admin_client.post(change_url(merchant), form_data(admin_client.get(change_url(merchant)))))
    assert not AuditLogEntry.objects.filter(action__startswith="listings.merchant").exists()


def test_a_users_groups_and_password_set_in_the_admin_are_audited_without_the_password(admin_client):
    user = factories.UserFactory()
    reviewer = Group.objects.get(name="reviewer")
    data = form_data(admin_client.get(change_url(user)))
    data["groups"] = [str(reviewer.pk)]
    saved(admin_client.post(change_url(user), data))
    entry = only_entry("portal.user.changed")
    assert entry.data["changed"]["groups"] == {"before": [], "after": [reviewer.pk]}

    password = reverse("admin:auth_user_password_change", args=[user.pk])
    secret = "a-new-Secret-2026!"
    saved(admin_client.post(password, {"password1": secret, "password2": secret, "usable_password": "true"}))
    entry = only_entry("portal.user.password_set")
    assert entry.object_id == str(user.pk)
    assert secret not in str(entry.data) and "pbkdf2" not in str(entry.data) and "md5" not in str(entry.data)


def test_a_partners_vetting_and_a_letters_revocation_share_the_one_mechanism(admin_client):
    letter = factories.LetterOfAuthorisationFactory()
    data = form_data(admin_client.get(change_url(letter)))
    data.update({"revoked_at_0": "2026-01-02", "revoked_at_1": "10:00:00"})
    saved(admin_client.post(change_url(letter), data))
    letter.refresh_from_db()
    entry = only_entry("portal.letter_of_authorisation.changed")
    assert entry.organisation_id == letter.agent_id
    assert entry.data["changed"] == {"revoked_at": {"before": None, "after": letter.revoked_at.isoformat()}}


# --- Uploads in the admin go through the one validator -----------------------------------------


def test_an_html_file_as_a_proof_in_the_admin_is_refused_and_nothing_is_saved(admin_client):
    asset = factories.IPAssetFactory(verification_status="pending")
    data = form_data(admin_client.get(change_url(asset)))
    n = int(data["proofs-TOTAL_FORMS"])
    data["proofs-TOTAL_FORMS"] = str(n + 1)
    data[f"proofs-{n}-file"] = SimpleUploadedFile("certificate.pdf", HTML, content_type="application/pdf")
    response = admin_client.post(change_url(asset), data)
    assert response.status_code == 200
    assert "script" in response.content.decode().lower() or "HTML" in response.content.decode()
    assert not IPAssetProof.objects.filter(asset=asset).exists()
    assert not AuditLogEntry.objects.filter(action__startswith="rights_holders.ip_asset").exists()


def test_an_image_uploaded_in_the_admin_is_re_encoded_under_a_server_name_with_its_facts(admin_client):
    asset = factories.IPAssetFactory(verification_status="pending")
    data = form_data(admin_client.get(change_url(asset)))
    n = int(data["reference_images-TOTAL_FORMS"])
    data["reference_images-TOTAL_FORMS"] = str(n + 1)
    data[f"reference_images-{n}-image"] = SimpleUploadedFile("logo\u202egnp.exe", png(), content_type="image/png")
    saved(admin_client.post(change_url(asset), data))
    image = ReferenceImage.objects.get(asset=asset)
    assert image.content_type == "image/png" and image.size == image.image.size
    assert (image.width, image.height) == (40, 30)
    assert "logo" not in image.image.name and image.image.name.endswith(".png")
    assert "\u202e" not in image.original_name


def test_a_letters_document_in_the_admin_is_validated(admin_client):
    letter = factories.LetterOfAuthorisationFactory()
    data = form_data(admin_client.get(change_url(letter)))
    data["document"] = SimpleUploadedFile("letter.pdf", HTML, content_type="application/pdf")
    response = admin_client.post(change_url(letter), data)
    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.document.name.endswith(".pdf") and LetterOfAuthorisation.objects.count() == 1
    assert not AuditLogEntry.objects.filter(action__startswith="portal.letter_of_authorisation").exists()
