"""Screening alerts over the API: the inbox of a brand and its agents, confirm (a notice, once) and dismiss."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.fields import PREFIXES
from portal.public_ids import encode, uuid7
from screening.models import AlertStatus, ScreeningAlert
from takedowns.models import Notice, NoticeItem
from tests.api.access_matrix import FILER, BrowserClient
from tests.screening.alert_world import alert_made, alert_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return alert_world()


def aid(alert):
    return encode(PREFIXES["alert"], alert.public_id)


def test_the_brand_lists_its_alerts_newest_first_with_the_listing_score_and_evidence(w, key_client):
    newer = alert_made(w.holder, w.asset, w.listings[1], score="0.6100")
    alert_made(w.other, w.other_asset, w.listings[2])  # another brand's: never shown
    body = key_client(w.holder.organisation).get("/api/v1/alerts/").json()
    assert [row["id"] for row in body["results"]] == [aid(newer), aid(w.alert)]
    row = body["results"][1]
    assert row["status"] == "open" and row["score"] == 0.72 and row["notice"] is None
    assert row["listing"]["title"] == w.listings[0].title and row["listing"]["store_name"] == "Cheap Kicks"
    assert row["listing"]["price"] == "15.00" and row["asset"]["name"] == "NORTHWIND"
    assert row["rights_holder"]["name"] == "Northwind Athletics"
    kinds = [signal["kind"] for signal in row["signals"]]
    assert kinds == ["keyword", "ocr", "image", "price", "merchant"]
    image = row["signals"][2]
    assert image["label"] == "Image match" and image["details"]["distance"] == 4
    assert "image" not in image["details"] and "reference_image" not in image["details"]  # no storage names
    assert row["signals"][1]["details"]["ocr_text"] == "NORTHWIND ORIGINAL QUALITY"


def test_the_list_filters_by_status_and_asset_and_refuses_a_malformed_filter(w, key_client):
    client = key_client(w.holder.organisation)
    second_asset = type(w.asset).objects.create(
        rights_holder=w.holder, kind="trademark", name="SOUTHWIND", verification_status="verified"
    )
    other = alert_made(w.holder, second_asset, w.listings[1])
    ScreeningAlert.objects.filter(pk=other.pk).update(status=AlertStatus.DISMISSED)
    assert [r["id"] for r in client.get("/api/v1/alerts/?status=open").json()["results"]] == [aid(w.alert)]
    assert [r["id"] for r in client.get("/api/v1/alerts/?status=dismissed").json()["results"]] == [aid(other)]
    by_asset = client.get(f"/api/v1/alerts/?asset={encode('ast', second_asset.public_id)}").json()["results"]
    assert [r["id"] for r in by_asset] == [aid(other)]
    bad = client.get("/api/v1/alerts/?asset=lst_nope")
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "/asset"
    assert client.get("/api/v1/alerts/?status=closed").status_code == 400


def test_an_agent_with_a_letter_sees_the_brands_alerts_and_nobody_else_does(w, key_client):
    from tests import factories

    assert [r["id"] for r in key_client(w.agent).get("/api/v1/alerts/").json()["results"]] == [aid(w.alert)]
    firm = factories.OrganisationFactory(kind="agent", name="No Letter LLP")
    for organisation in (firm, w.other.organisation, w.store.merchant.organisation):
        client = key_client(organisation)
        assert client.get("/api/v1/alerts/").json()["results"] == []
        hidden = client.get(f"/api/v1/alerts/{aid(w.alert)}/")
        missing = client.get(f"/api/v1/alerts/{encode('alr', uuid7())}/")
        assert hidden.status_code == missing.status_code == 404
        assert {k: v for k, v in hidden.json().items() if k != "instance"} == {
            k: v for k, v in missing.json().items() if k != "instance"
        }
        response = client.post(f"/api/v1/alerts/{aid(w.alert)}/dismiss/", {"reason": "genuine_goods"}, format="json")
        assert response.status_code == 404
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def test_the_list_costs_the_same_queries_for_one_alert_or_many(w, key_client):
    client = key_client(w.holder.organisation)
    client.get("/api/v1/me/")  # the key's first use writes its "last used" mark
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/alerts/").json()["results"]) == 1
    for listing in w.listings[1:]:
        alert_made(w.holder, w.asset, listing)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/alerts/").json()["results"]) == 3
    assert len(many) == len(one)
    # The key, the caller's organisations, its brands (its acting roles: a brand's own organisation reads no
    # letters), the page of alerts with everything shown.
    assert len(many) == 4, [q["sql"][:120] for q in many.captured_queries]


def test_confirming_files_a_notice_from_the_alert_once(w, key_client):
    client = key_client(w.holder.organisation)
    url = f"/api/v1/alerts/{aid(w.alert)}/confirm/"
    response = client.post(url, FILER, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1")
    assert response.status_code == 200, response.content
    body = response.json()
    notice = Notice.objects.get()
    assert body["status"] == "confirmed" and body["notice"] == encode("ntc", notice.public_id)
    assert body["decided_at"] is not None
    item = NoticeItem.objects.get()
    assert (notice.channel, item.infringement_type, item.listing, item.ip_asset) == (
        "api",
        "counterfeit",
        w.listings[0],
        w.asset,
    )
    assert '"N0rthw1nd"' in item.explanation
    # The same request again: the first answer, nothing filed anew; a new request: 409 with the state.
    replay = client.post(url, FILER, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    again = client.post(url, FILER, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "alert_not_open" and again.json()["current_state"] == "confirmed"
    assert Notice.objects.count() == 1


def test_confirming_takes_a_type_and_an_explanation_and_needs_the_declarations(w, key_client):
    client = key_client(w.agent)
    url = f"/api/v1/alerts/{aid(w.alert)}/confirm/"
    for body, pointer in (
        ({**FILER, "filer_email": "nope"}, "/filer_email"),
        ({**FILER, "authority_statement": False}, "/authority_statement"),
        ({k: v for k, v in FILER.items() if k != "signature"}, "/signature"),
    ):
        refused = client.post(url, body, format="json")
        assert refused.status_code == 400
        assert [e["pointer"] for e in refused.json()["errors"]] == [pointer]
    bad_text = client.post(url, {**FILER, "explanation": "Fake\u0007"}, format="json")
    assert bad_text.status_code == 400 and bad_text.json()["errors"][0]["pointer"] == "/explanation"
    bad_type = client.post(url, {**FILER, "infringement_type": "evil"}, format="json")
    assert bad_type.status_code == 400 and bad_type.json()["errors"][0]["pointer"] == "/infringement_type"
    assert not Notice.objects.exists()
    done = client.post(
        url, {**FILER, "infringement_type": "trademark_misuse", "explanation": "Our logo on a fake box."}, format="json"
    )
    assert done.status_code == 200, done.content
    item = NoticeItem.objects.get()
    assert (item.infringement_type, item.explanation, item.notice.filer_organisation) == (
        "trademark_misuse",
        "Our logo on a fake box.",
        w.agent,
    )


def test_confirming_without_an_idempotency_key_is_refused(w, key_client):
    response = key_client(w.holder.organisation).post(
        f"/api/v1/alerts/{aid(w.alert)}/confirm/", FILER, format="json", HTTP_IDEMPOTENCY_KEY=None
    )
    assert response.status_code == 400 and not Notice.objects.exists()


def test_a_listing_removed_meanwhile_is_a_conflict_and_files_nothing(w, key_client):
    type(w.listings[0]).objects.filter(pk=w.listings[0].pk).update(status="removed")
    response = key_client(w.holder.organisation).post(f"/api/v1/alerts/{aid(w.alert)}/confirm/", FILER, format="json")
    assert response.status_code == 409 and response.json()["code"] == "listing_removed"
    assert response.json()["current_state"] == "open"
    assert not Notice.objects.exists()


def test_a_listing_under_the_brands_open_notice_closes_the_alert_naming_that_notice(w, key_client):
    from tests.takedowns.conftest import draft, file_notice

    (open_item,) = file_notice(w.staff, w.holder, [draft(w.listings[0], w.asset)]).accepted
    client = key_client(w.agent)
    url = f"/api/v1/alerts/{aid(w.alert)}/confirm/"
    response = client.post(url, FILER, format="json", HTTP_IDEMPOTENCY_KEY="confirm-dup")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["notice"]) == ("already_filed", encode("ntc", open_item.notice.public_id))
    assert body["decided_at"] is not None
    assert list(NoticeItem.objects.all()) == [open_item] and Notice.objects.count() == 1
    assert client.get(f"/api/v1/notices/{body['notice']}/").status_code == 200  # the agent follows it there
    listed = client.get("/api/v1/alerts/", {"status": "already_filed"}).json()["results"]
    assert [row["id"] for row in listed] == [aid(w.alert)]
    replay = client.post(url, FILER, format="json", HTTP_IDEMPOTENCY_KEY="confirm-dup")
    assert replay.status_code == 200 and replay.json() == body
    again = client.post(url, FILER, format="json")
    assert again.status_code == 409 and again.json()["current_state"] == "already_filed"


# --- Evidence (multipart) --------------------------------------------------------------


def _png(name="test-buy.png", colour="blue"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _pdf(name="receipt.pdf", content=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.access_matrix import PDF

    return SimpleUploadedFile(name, PDF if content is None else content, content_type="application/pdf")


def _stored(media):
    return sorted(path.name for path in (media / "evidence").glob("*"))


def test_confirming_in_multipart_files_the_notice_with_its_evidence_as_the_page_does(w, key_client, _private_media):
    from takedowns.models import Evidence

    client = key_client(w.holder.organisation)
    response = client.post(
        f"/api/v1/alerts/{aid(w.alert)}/confirm/",
        {**FILER, "explanation": "The test buy's receipt and photos.", "evidence": [_pdf(), _png()]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    item = NoticeItem.objects.get()
    assert item.explanation == "The test buy's receipt and photos." and item.notice.channel == "api"
    rows = list(Evidence.objects.filter(item=item).order_by("pk"))
    assert [(e.original_name, e.content_type) for e in rows] == [
        ("receipt.pdf", "application/pdf"),
        ("test-buy.png", "image/png"),
    ]
    assert {e.uploaded_by for e in rows} == {NoticeItem.objects.get().notice.filed_by}
    assert len(_stored(_private_media)) == 2


@pytest.mark.parametrize(
    ("files", "pointers"),
    [
        # The second file is no document: pointed at by its index, the first one not stored either.
        (lambda: [_pdf(), _pdf("fake.pdf", b"MZ not a pdf")], ["/evidence/1"]),
        (lambda: [_png(), _png(colour="red"), _pdf("empty.pdf", b"")], ["/evidence/2"]),
        (lambda: [_png(f"{n}.png") for n in range(11)], ["/evidence"]),
    ],
    ids=["not-a-document", "empty", "too-many"],
)
def test_a_refused_evidence_file_refuses_the_confirmation_and_keeps_nothing(
    w, key_client, _private_media, files, pointers
):
    response = key_client(w.holder.organisation).post(
        f"/api/v1/alerts/{aid(w.alert)}/confirm/", {**FILER, "evidence": files()}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == pointers
    assert not Notice.objects.exists() and _stored(_private_media) == []
    assert ScreeningAlert.objects.get(pk=w.alert.pk).status == AlertStatus.OPEN


def test_good_evidence_with_a_refused_confirmation_stores_no_file(w, key_client, _private_media):
    type(w.listings[0]).objects.filter(pk=w.listings[0].pk).update(status="removed")
    response = key_client(w.holder.organisation).post(
        f"/api/v1/alerts/{aid(w.alert)}/confirm/", {**FILER, "evidence": [_pdf()]}, format="multipart"
    )
    assert response.status_code == 409 and response.json()["code"] == "listing_removed"
    assert not Notice.objects.exists() and _stored(_private_media) == []


def test_evidence_in_a_json_body_is_refused_not_dropped(w, key_client):
    response = key_client(w.holder.organisation).post(
        f"/api/v1/alerts/{aid(w.alert)}/confirm/", {**FILER, "evidence": ["JVBERi0xLjQK"]}, format="json"
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/evidence/0"]
    assert not Notice.objects.exists()


def test_dismissing_needs_a_reason_and_for_other_a_note(w, key_client):
    client = key_client(w.holder.organisation)
    url = f"/api/v1/alerts/{aid(w.alert)}/dismiss/"
    for body, pointer in (
        ({}, "/reason"),
        ({"reason": "bored"}, "/reason"),
        ({"reason": "other"}, "/note"),
        ({"reason": "other", "note": "  "}, "/note"),
        ({"reason": "genuine_goods", "note": "a\u0000b"}, "/note"),
    ):
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert response.json()["errors"][0]["pointer"] == pointer, body
    assert client.post(url, ["genuine_goods"], format="json").status_code == 400
    response = client.post(url, {"reason": "other", "note": "Our own test listing."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["dismissal_reason"], body["dismissal_note"]) == (
        "dismissed",
        "other",
        "Our own test listing.",
    )
    again = client.post(f"/api/v1/alerts/{aid(w.alert)}/confirm/", FILER, format="json")
    assert again.status_code == 409 and again.json()["current_state"] == "dismissed"


def test_a_key_without_the_alert_scopes_is_refused(w, key_client):
    reader = key_client(w.holder.organisation, ["alerts:read"])
    assert reader.get("/api/v1/alerts/").status_code == 200
    response = reader.post(f"/api/v1/alerts/{aid(w.alert)}/dismiss/", {"reason": "genuine_goods"}, format="json")
    assert response.status_code == 403 and "alerts:write" in response.json()["detail"]
    assert key_client(w.holder.organisation, ["notices:read"]).get("/api/v1/alerts/").status_code == 403


def test_a_signed_in_person_names_the_organisation_that_files(w):
    client = BrowserClient()
    client.sign_in(w.staff)
    url = f"/api/v1/alerts/{aid(w.alert)}/confirm/"
    unnamed = client.post(url, FILER, format="json")
    assert unnamed.status_code == 400 and unnamed.json()["errors"][0]["pointer"] == "/acting_organisation"
    named = client.post(url, {**FILER, "acting_organisation": w.holder.organisation.slug}, format="json")
    assert named.status_code == 200, named.content
    assert Notice.objects.get().filed_by == w.staff
