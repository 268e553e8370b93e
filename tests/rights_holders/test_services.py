import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.models import AuditLogEntry, User
from portal.uploads import UploadRejected
from rights_holders.models import IPAssetProof
from rights_holders.services import ip_asset_proof_add
from tests import factories

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture
def asset(brand_a):
    return factories.IPAssetFactory(rights_holder=brand_a)


def stored_files(media_dir):
    return [p for p in media_dir.rglob("*") if p.is_file()] if media_dir.exists() else []


def test_proof_added_stored_under_server_name_with_audit_entry(asset, owner_a, _private_media):
    proof = ip_asset_proof_add(
        asset=asset, uploaded_file=SimpleUploadedFile("EUIPO certificate.pdf", PDF), actor=owner_a
    )
    proof.refresh_from_db()
    assert proof.asset == asset
    assert proof.original_name == "EUIPO certificate.pdf"
    assert proof.content_type == "application/pdf"
    assert proof.size == len(PDF)
    assert proof.uploaded_by == owner_a
    assert proof.file.name.startswith("proofs/")
    assert "certificate" not in proof.file.name
    assert proof.file.name.endswith(".pdf")
    assert (_private_media / proof.file.name).read_bytes() == PDF
    entry = AuditLogEntry.objects.get(action="rights_holders.asset.proof_added")
    assert entry.actor == owner_a
    assert entry.object_id == str(proof.pk)
    assert entry.organisation == asset.rights_holder.organisation


def test_image_proof_accepted_but_polyglot_refused(asset, owner_a):
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(buf, "JPEG")
    # A JPEG with a PDF appended is a polyglot: refused as a document.
    with pytest.raises(UploadRejected, match="polyglot"):
        ip_asset_proof_add(
            asset=asset, uploaded_file=SimpleUploadedFile("scan.jpg", buf.getvalue() + PDF), actor=owner_a
        )
    proof = ip_asset_proof_add(asset=asset, uploaded_file=SimpleUploadedFile("scan.jpg", buf.getvalue()), actor=owner_a)
    assert proof.content_type == "image/jpeg"
    assert proof.file.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("certificate.pdf", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("certificate.pdf", b"PK\x03\x04" + b"\x00" * 100),
        ("certificate.pdf", PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>")),
        ("certificate.pdf", b""),
    ],
)
def test_rejected_file_leaves_no_row_no_file_no_audit(asset, owner_a, _private_media, name, data):
    with pytest.raises(UploadRejected):
        ip_asset_proof_add(asset=asset, uploaded_file=SimpleUploadedFile(name, data), actor=owner_a)
    assert not IPAssetProof.objects.exists()
    assert not AuditLogEntry.objects.filter(action="rights_holders.asset.proof_added").exists()
    assert stored_files(_private_media) == []


def test_database_failure_after_storing_deletes_the_file(asset, _private_media):
    ghost = User(username="ghost")  # never saved: the row cannot reference it, so the DB write fails
    with pytest.raises(ValueError):
        ip_asset_proof_add(asset=asset, uploaded_file=SimpleUploadedFile("certificate.pdf", PDF), actor=ghost)
    assert not IPAssetProof.objects.exists()
    assert stored_files(_private_media) == []
