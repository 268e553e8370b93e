"""/api/v1/assets/: list, detail and registration with a proof, for every role."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from portal import public_ids
from portal.models import AuditLogEntry, LetterOfAuthorisation, OrganisationKind
from rights_holders.models import IPAsset, IPAssetProof, Partner, PartnerKind, VerificationStatus
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PROBLEM = "application/problem+json"


def _asset_id(asset):
    return public_ids.encode("ast", asset.public_id)


def _rhd(holder):
    return public_ids.encode("rhd", holder.public_id)


def _registration(proof=PDF, filename="certificate.pdf", **overrides):
    data = {
        "kind": "trademark",
        "name": "NORTHWIND",
        "trademark_type": "word",
        "registration_number": "018000001",
        "office": "EUIPO",
        "nice_classes": [25, 18],
        "keywords": ["Northwind", "n0rthwind"],
        "reference_price": "120.00",
        "reference_currency": "EUR",
        "proof": SimpleUploadedFile(filename, proof) if proof is not None else None,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _problem(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def _pointers(body):
    return {(e["pointer"], e["code"]) for e in body["errors"]}


def _stored_files(media):
    return [p for p in media.rglob("*") if p.is_file()]


# --- reading --------------------------------------------------------------------------------------------------


def test_a_brand_lists_its_own_assets_only(brand_a, brand_b, key_client):
    mine = factories.IPAssetFactory(rights_holder=brand_a)
    factories.IPAssetProofFactory(asset=mine)
    factories.IPAssetFactory(rights_holder=brand_b)
    response = key_client(brand_a.organisation, ["assets:read"]).get("/api/v1/assets/")
    assert response.status_code == 200
    body = response.json()
    assert [a["id"] for a in body["results"]] == [_asset_id(mine)]
    row = body["results"][0]
    assert row["rights_holder"] == {"id": public_ids.encode("rhd", brand_a.public_id), "name": "Brand A"}
    assert row["keywords"] == mine.keywords and row["reference_price"] == "120.00"
    assert row["created_at"].endswith("Z")
    assert len(row["proofs"]) == 1 and set(row["proofs"][0]) == {"original_name", "content_type", "size", "uploaded_at"}
    assert "next" in body and "count" not in body  # cursor pagination leaks no counts


def test_the_list_keeps_a_constant_number_of_queries(brand_a, key_client):
    client = key_client(brand_a.organisation, ["assets:read"])
    factories.IPAssetFactory(rights_holder=brand_a)
    client.get("/api/v1/assets/")  # the key's first use records it (once a minute); count the requests after
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/assets/").status_code == 200
    for _ in range(5):
        factories.IPAssetProofFactory(asset=factories.IPAssetFactory(rights_holder=brand_a))
    with CaptureQueriesContext(connection) as six:
        assert len(client.get("/api/v1/assets/").json()["results"]) == 6
    assert len(six) == len(one)


def test_the_list_filters_by_status_and_kind(brand_a, key_client):
    verified = factories.IPAssetFactory(rights_holder=brand_a)
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    client = key_client(brand_a.organisation, ["assets:read"])
    body = client.get("/api/v1/assets/?verification_status=pending").json()
    assert [a["id"] for a in body["results"]] == [_asset_id(pending)]
    body = client.get("/api/v1/assets/?kind=trademark").json()
    assert {a["id"] for a in body["results"]} == {_asset_id(verified), _asset_id(pending)}
    _problem(client.get("/api/v1/assets/?kind=spaceship"), 400)


def test_an_agent_with_a_letter_sees_the_brand_s_assets(brand_a, key_client):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    response = key_client(letter.agent, ["assets:read"]).get(f"/api/v1/assets/{_asset_id(asset)}/")
    assert response.status_code == 200
    assert response.json()["name"] == asset.name


def _vetting_partner(*holders):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Small Brands Association")
    partner = Partner.objects.create(organisation=organisation, kind=PartnerKind.ASSOCIATION)
    partner.vetted_rights_holders.add(*holders)
    return partner


def test_a_vetting_partner_reads_the_verified_assets_of_the_brands_it_vets_without_their_proofs(
    brand_a, brand_b, key_client
):
    verified = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    factories.IPAssetProofFactory(asset=verified)
    pending = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.PENDING)
    rejected = factories.IPAssetFactory(rights_holder=brand_a, verification_status=VerificationStatus.REJECTED)
    theirs = factories.IPAssetFactory(rights_holder=brand_b)
    client = key_client(_vetting_partner(brand_a).organisation, ["assets:read"])

    listed = client.get("/api/v1/assets/").json()["results"]
    assert [a["id"] for a in listed] == [_asset_id(verified)]
    assert listed[0]["proofs"] == []  # the brand's own side reads them; the partner files without them
    detail = client.get(f"/api/v1/assets/{_asset_id(verified)}/")
    assert detail.status_code == 200 and detail.json()["proofs"] == []
    missing = _problem(client.get(f"/api/v1/assets/{public_ids.encode('ast', public_ids.uuid7())}/"), 404)
    for hidden in (pending, rejected, theirs):
        assert _problem(client.get(f"/api/v1/assets/{_asset_id(hidden)}/"), 404)["detail"] == missing["detail"]


def test_every_asset_a_vetting_partner_reads_is_one_its_notice_lines_may_name(brand_a, key_client):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    listing = factories.ListingFactory()
    client = key_client(_vetting_partner(brand_a).organisation, ["assets:read", "notices:write"])
    (row,) = client.get("/api/v1/assets/").json()["results"]
    assert row["id"] == _asset_id(asset)
    body = {
        "rights_holder": row["rights_holder"]["id"],
        "filer_name": "Vera Vetter",
        "filer_address": "1 Guild Street, Lyon",
        "filer_phone": "+33 4 00 00 00 00",
        "filer_email": "vera@association.test",
        "signature": "Vera Vetter",
        "good_faith_statement": True,
        "accuracy_statement": True,
        "authority_statement": True,
        "items": [
            {
                "listing": public_ids.encode("lst", listing.public_id),
                "asset": row["id"],
                "infringement_type": "counterfeit",
                "explanation": "The association vetted this complaint.",
            }
        ],
    }
    response = client.post("/api/v1/notices/", body, format="json")
    assert response.status_code == 201, response.content
    assert len(response.json()["accepted"]) == 1


def test_a_partner_that_vets_another_brand_sees_none_of_this_one_s_assets(brand_a, brand_b, key_client):
    factories.IPAssetFactory(rights_holder=brand_a)
    client = key_client(_vetting_partner(brand_b).organisation, ["assets:read"])
    assert client.get("/api/v1/assets/").json()["results"] == []


@pytest.mark.parametrize("end", ["expired", "revoked"])
def test_an_agent_whose_letter_ended_gets_404_like_a_missing_asset(brand_a, key_client, end):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    client = key_client(letter.agent, ["assets:read"])
    assert client.get(f"/api/v1/assets/{_asset_id(asset)}/").status_code == 200
    if end == "expired":
        yesterday = timezone.now().date() - timedelta(days=1)
        LetterOfAuthorisation.objects.filter(pk=letter.pk).update(
            valid_from=yesterday - timedelta(days=30), valid_until=yesterday
        )
    else:
        LetterOfAuthorisation.objects.filter(pk=letter.pk).update(revoked_at=timezone.now())
    hidden = _problem(client.get(f"/api/v1/assets/{_asset_id(asset)}/"), 404)
    missing = _problem(client.get(f"/api/v1/assets/{public_ids.encode('ast', public_ids.uuid7())}/"), 404)
    assert hidden["detail"] == missing["detail"]
    assert client.get("/api/v1/assets/").json()["results"] == []


def test_detail_of_another_organisation_s_asset_is_404_like_a_missing_one(brand_a, brand_b, key_client):
    theirs = factories.IPAssetFactory(rights_holder=brand_b)
    client = key_client(brand_a.organisation, ["assets:read"])
    hidden = _problem(client.get(f"/api/v1/assets/{_asset_id(theirs)}/"), 404, "not_found")
    missing = _problem(client.get(f"/api/v1/assets/{public_ids.encode('ast', public_ids.uuid7())}/"), 404)
    assert hidden["detail"] == missing["detail"]
    _problem(client.get(f"/api/v1/assets/{public_ids.encode('lst', theirs.public_id)}/"), 404)  # wrong type
    _problem(client.get("/api/v1/assets/17/"), 404)


def test_a_merchant_key_sees_no_assets(key_client):
    store = factories.StoreFactory()
    factories.IPAssetFactory()
    body = key_client(store.merchant.organisation, ["assets:read"]).get("/api/v1/assets/").json()
    assert body["results"] == []


@pytest.mark.parametrize("path", ["/api/v1/assets/", "/api/v1/assets/ast_01JD8X3M5Q2ZKV7R9T4W6Y8B0C/"])
def test_reading_needs_a_key_and_the_scope(brand_a, key_client, path):
    _problem(APIClient().get(path), 401, "not_authenticated")
    body = _problem(key_client(brand_a.organisation, ["listings:read"]).get(path), 403)
    assert "assets:read" in body["detail"]


def test_a_browser_session_reads_as_the_pages_do(client, owner_a, brand_a, brand_b):
    mine = factories.IPAssetFactory(rights_holder=brand_a)
    factories.IPAssetFactory(rights_holder=brand_b)
    client.force_login(owner_a)
    body = client.get("/api/v1/assets/").json()
    assert [a["id"] for a in body["results"]] == [_asset_id(mine)]


# --- registering ------------------------------------------------------------------------------------------------


def test_a_brand_registers_an_asset_with_its_proof_pending_verification(brand_a, key_client, _private_media):
    client = key_client(brand_a.organisation, ["assets:write"])
    response = client.post("/api/v1/assets/", _registration(), format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    asset = IPAsset.objects.get()
    assert body["id"] == _asset_id(asset)
    assert body["verification_status"] == "pending"
    assert asset.rights_holder == brand_a
    assert asset.nice_classes == [18, 25]
    assert asset.keywords == ["northwind", "n0rthwind"]  # as the page keeps them
    assert str(asset.reference_price) == "120.00" and asset.reference_currency == "EUR"
    proof = asset.proofs.get()
    assert proof.content_type == "application/pdf" and proof.original_name == "certificate.pdf"
    assert body["proofs"][0]["content_type"] == "application/pdf"
    entry = AuditLogEntry.objects.get(action="rights_holders.asset.registered")
    assert entry.actor.api_key.organisation == brand_a.organisation
    assert len(_stored_files(_private_media)) == 1


def test_an_agent_names_the_brand_it_registers_for(brand_a, brand_b, key_client):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT)
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_b)
    client = key_client(agent, ["assets:write"])
    body = _problem(client.post("/api/v1/assets/", _registration(), format="multipart"), 400)
    assert _pointers(body) == {("/rights_holder", "required")}
    assert _rhd(brand_a) in body["detail"] and _rhd(brand_b) in body["detail"]
    response = client.post("/api/v1/assets/", _registration(rights_holder=_rhd(brand_b)), format="multipart")
    assert response.status_code == 201
    assert IPAsset.objects.get().rights_holder == brand_b


def test_an_agent_cannot_register_for_a_brand_without_a_letter(brand_a, brand_b, key_client):
    letter = factories.LetterOfAuthorisationFactory(rights_holder=brand_a)
    body = _problem(
        key_client(letter.agent, ["assets:write"]).post(
            "/api/v1/assets/", _registration(rights_holder=_rhd(brand_b)), format="multipart"
        ),
        400,
    )
    assert _pointers(body) == {("/rights_holder", "not_found")}
    assert not IPAsset.objects.exists()


def test_an_organisation_acting_for_no_brand_is_refused(key_client, _private_media):
    store = factories.StoreFactory()
    body = _problem(
        key_client(store.merchant.organisation, ["assets:write"]).post(
            "/api/v1/assets/", _registration(), format="multipart"
        ),
        403,
    )
    assert "no rights holder" in body["detail"]
    assert not IPAsset.objects.exists() and _stored_files(_private_media) == []


def test_registering_needs_a_key_and_the_write_scope(brand_a, key_client, _private_media):
    _problem(APIClient().post("/api/v1/assets/", _registration(), format="multipart"), 401)
    body = _problem(
        key_client(brand_a.organisation, ["assets:read"]).post("/api/v1/assets/", _registration(), format="multipart"),
        403,
    )
    assert "assets:write" in body["detail"]
    assert not IPAsset.objects.exists() and _stored_files(_private_media) == []


def test_a_refused_proof_leaves_no_asset_and_no_file(brand_a, key_client, _private_media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", "hello")
    client = key_client(brand_a.organisation, ["assets:write"])
    body = _problem(
        client.post("/api/v1/assets/", _registration(buffer.getvalue(), "certificate.jpg"), format="multipart"), 400
    )
    assert [e["pointer"] for e in body["errors"]] == ["/proof"]
    assert "ZIP" in body["detail"]
    assert not IPAsset.objects.exists() and not IPAssetProof.objects.exists()
    assert _stored_files(_private_media) == []


def test_a_database_failure_after_the_file_was_stored_leaves_no_orphan(
    brand_a, key_client, _private_media, monkeypatch
):
    import rights_holders.services as services

    def failing_audit(**kwargs):
        if kwargs["action"] == "rights_holders.asset.proof_added":
            raise RuntimeError("audit store unavailable")
        return original(**kwargs)

    original = services.audit_log_record
    monkeypatch.setattr(services, "audit_log_record", failing_audit)
    client = key_client(brand_a.organisation, ["assets:write"])
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post("/api/v1/assets/", _registration(), format="multipart")
    assert not IPAsset.objects.exists() and not IPAssetProof.objects.exists()
    assert _stored_files(_private_media) == []


@pytest.mark.parametrize(
    "overrides, pointer, code",
    [
        ({"proof": None}, "/proof", "required"),
        ({"kind": "spaceship"}, "/kind", "invalid_choice"),
        ({"name": None}, "/name", "required"),
        ({"trademark_type": ""}, "/trademark_type", "invalid"),  # the page's rule: say word or figurative
        ({"nice_classes": [46]}, "/nice_classes/0", "max_value"),
        ({"kind": "copyright", "trademark_type": ""}, "/nice_classes", "invalid"),  # trademarks only
        ({"reference_price": "-5"}, "/reference_price", "min_value"),
        ({"reference_currency": ""}, "/reference_currency", "invalid"),
        ({"keywords": ["a,b"]}, "/keywords/0", "invalid"),
        ({"description": "x\x00y"}, "/description", "null_characters_not_allowed"),
        ({"registered_on": "2030-01-01", "expires_on": "2029-01-01"}, "/expires_on", "invalid"),
        ({"registered_on": "yesterday"}, "/registered_on", "invalid"),
        ({"rights_holder": "Brand A"}, "/rights_holder", "invalid_id"),
    ],
)
def test_bad_input_points_at_the_field_and_writes_nothing(
    brand_a, key_client, _private_media, overrides, pointer, code
):
    client = key_client(brand_a.organisation, ["assets:write"])
    body = _problem(client.post("/api/v1/assets/", _registration(**overrides), format="multipart"), 400)
    assert (pointer, code) in _pointers(body), body
    assert not IPAsset.objects.exists() and _stored_files(_private_media) == []


def test_a_duplicate_registration_is_refused_with_a_problem_not_a_500(brand_a, key_client):
    client = key_client(brand_a.organisation, ["assets:write"])
    assert client.post("/api/v1/assets/", _registration(), format="multipart").status_code == 201
    body = _problem(client.post("/api/v1/assets/", _registration(), format="multipart"), 400)
    assert body["errors"]
    assert IPAsset.objects.count() == 1


def test_a_json_body_is_refused_as_unsupported(brand_a, key_client):
    response = key_client(brand_a.organisation, ["assets:write"]).post(
        "/api/v1/assets/", {"kind": "trademark"}, format="json"
    )
    _problem(response, 415)


def test_a_method_the_path_does_not_serve_is_405_with_the_allowed_ones(brand_a, key_client):
    response = key_client(brand_a.organisation).delete("/api/v1/assets/")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_key_may_send_a_proof_larger_than_an_ordinary_body_a_stranger_may_not(brand_a, key_client, settings):
    settings.REQUEST_MAX_BODY_BYTES = 65536
    large_pdf = PDF[:-6] + b"%" + b"x" * 100_000 + b"\n%%EOF\n"
    response = key_client(brand_a.organisation, ["assets:write"]).post(
        "/api/v1/assets/", _registration(large_pdf), format="multipart"
    )
    assert response.status_code == 201, response.content
    for client in (APIClient(), APIClient(HTTP_AUTHORIZATION="Bearer tdp_0123456789ab_nope")):
        assert client.post("/api/v1/assets/", _registration(large_pdf), format="multipart").status_code == 413
    assert IPAsset.objects.count() == 1
