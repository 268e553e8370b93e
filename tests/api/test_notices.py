"""Notices over the API: filing with per-item results, lists, filters and the detail, for every role.

Roles: a brand's own key, an agent firm's key with and without a letter of authorisation, a partner's
key, a merchant's key, a browser session. Every refusal is problem details and keeps nothing.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from listings.models import ListingStatus
from portal import public_ids
from rights_holders.models import VerificationStatus
from takedowns.models import Channel, Notice, NoticeItem, Track
from tests import factories
from tests.api.conftest import PartnerClient

FILER = {
    "filer_name": "Ada Brand",
    "filer_address": "1 Brand Street, Paris",
    "filer_phone": "+33 1 23 45 67 89",
    "filer_email": "ada@brand-a.test",
    "signature": "Ada Brand",
    "good_faith_statement": True,
    "accuracy_statement": True,
    "authority_statement": True,
}


def pid(prefix, obj):
    return public_ids.encode(prefix, obj.public_id)


def line(listing, asset, **kwargs):
    return {
        "listing": pid("lst", listing),
        "asset": pid("ast", asset),
        "infringement_type": "counterfeit",
        "explanation": "Fake logo, wrong stitching, a tenth of the price.",
        **kwargs,
    }


def body(*items, **extra):
    return {**FILER, "items": list(items), **extra}


def problem(response, status, code=None):
    """The response is RFC 9457 problem details with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert {"type", "title", "status", "detail"} <= set(data)
    assert data["status"] == status
    if code is not None:
        assert data["code"] == code, data
    return data


def pointers(data):
    return {(e["pointer"], e["code"]) for e in data.get("errors", [])}


def file(client, *items, **extra):
    return client.post("/api/v1/notices/", body(*items, **extra), format="json")


# --- Filing ---------------------------------------------------------------------------


def test_a_brand_key_files_two_items_and_polls_the_notice(world, key_client):
    client = key_client(world.brand.organisation)
    response = file(client, line(world.listings[0], world.asset), line(world.listings[1], world.asset))
    assert response.status_code == 201, response.content
    filed = response.json()
    assert filed["id"].startswith("ntc_") and response["Location"] == f"/api/v1/notices/{filed['id']}/"
    assert [a["pointer"] for a in filed["accepted"]] == ["/items/0", "/items/1"]
    assert {a["track"] for a in filed["accepted"]} == {Track.STANDARD}
    assert filed["invalid"] == [] and filed["refused"] == []
    notice = Notice.objects.get()
    assert notice.channel == Channel.API and notice.filer_organisation == world.brand.organisation

    detail = client.get(f"/api/v1/notices/{filed['id']}/").json()
    assert detail["rights_holder"] == {"id": pid("rhd", world.brand), "name": "Brand A"}
    assert detail["status_counts"] == {"pending_review": 2}
    item = detail["items"][0]
    assert item["id"] == filed["accepted"][0]["id"]
    assert (item["status"], item["client_status"]) == ("pending_review", "received")
    assert [e["action"] for e in item["events"]] == ["submitted", "queued"]
    assert item["listing"]["id"] == pid("lst", world.listings[0])
    assert item["asset"] == {"id": pid("ast", world.asset), "name": "ACME"}
    assert item["actions"] == ["withdraw"]
    assert item["statements_of_reasons"] == []


def test_each_line_gets_its_own_result_and_the_valid_ones_are_filed(world, key_client):
    unverified = factories.IPAssetFactory(rights_holder=world.brand, verification_status=VerificationStatus.PENDING)
    removed = factories.ListingFactory(store=world.store, status=ListingStatus.REMOVED)
    response = file(
        key_client(world.brand.organisation),
        line(world.listings[0], world.asset),
        line(world.listings[1], unverified),
        {**line(world.listings[2], world.asset), "listing": pid("lst", factories.ListingFactory.build())},
        line(removed, world.asset),
        line(world.listings[3], world.other_asset),  # another brand's asset is unknown here, never named
        {**line(world.listings[3], world.asset), "explanation": "bad\x07text"},
    )
    assert response.status_code == 201, response.content
    filed = response.json()
    assert [a["pointer"] for a in filed["accepted"]] == ["/items/0"]
    assert [(i["pointer"], i["code"], i["status"]) for i in filed["invalid"]] == [
        ("/items/1", "asset_not_verified", "invalid"),
        ("/items/3", "listing_removed", "invalid"),
    ]
    assert [(r["pointer"], r["code"]) for r in filed["refused"]] == [
        ("/items/2", "listing_unknown"),
        ("/items/4", "asset_unknown"),
        ("/items/5", "explanation_invalid"),
    ]
    assert "OTHER" not in response.content.decode()
    assert NoticeItem.objects.count() == 3  # the accepted one and the two kept as invalid


def test_a_notice_whose_every_line_is_refused_is_400_and_keeps_nothing(world, key_client):
    response = file(
        key_client(world.brand.organisation),
        line(world.listings[0], world.other_asset),
        {**line(world.listings[1], world.asset), "listing_external_id": "NOPE", "listing": None},
    )
    # ``listing: null`` is a shape error of the request (400 before anything runs).
    data = problem(response, 400)
    assert ("/items/1/listing", "null") in pointers(data)

    response = file(
        key_client(world.brand.organisation),
        line(world.listings[0], world.other_asset),
        {k: v for k, v in line(world.listings[1], world.asset).items() if k != "listing"}
        | {"listing_external_id": "NOPE"},
    )
    data = problem(response, 400, "invalid")
    assert pointers(data) == {("/items/0", "asset_unknown"), ("/items/1", "listing_unknown")}
    assert not Notice.objects.exists() and not NoticeItem.objects.exists()


@pytest.mark.parametrize(
    "change, pointer, code",
    [
        ({"filer_name": ""}, "/filer_name", "blank"),
        ({"filer_email": "not-an-address"}, "/filer_email", "invalid"),
        ({"good_faith_statement": False}, "/good_faith_statement", "invalid"),
        ({"signature": "tab\tin a line"}, "/signature", "invalid"),
        ({"items": []}, "/items", "empty"),
        (
            {"items": [{"asset": "ast_x", "infringement_type": "counterfeit", "explanation": "x"}]},
            "/items/0/asset",
            "invalid_id",
        ),
        ({"items": [{"listing": "itm_01", "asset": "ast_x"}]}, "/items/0/listing", "invalid_id"),
        ({"rights_holder": "rhd_" + "0" * 26}, "/rights_holder", "not_found"),
    ],
)
def test_bad_notice_input_is_400_with_a_pointer_and_keeps_nothing(world, key_client, change, pointer, code):
    items = [line(world.listings[0], world.asset)]
    response = file(key_client(world.brand.organisation), *items, **change)
    data = problem(response, 400)
    assert (pointer, code) in pointers(data), data
    assert not Notice.objects.exists() and not NoticeItem.objects.exists()


def _lines_to_read():
    """Lines a partner may send: plainly valid ones in every shape, and each way a field can be wrong."""
    listing, asset = (
        pid("lst", SimpleNamespace(public_id=public_ids.uuid7())),
        pid("ast", SimpleNamespace(public_id=public_ids.uuid7())),
    )
    good = {"listing": listing, "asset": asset, "infringement_type": "counterfeit", "explanation": "Fake logo."}
    by_external = {k: v for k, v in good.items() if k != "listing"} | {"listing_external_id": "  EXT-1 "}
    variants = [
        good,
        by_external,
        good | {"listing": listing.lower(), "explanation": "  spaces kept \n\t  ", "unknown": 1},
        good | {"test_buy_order_number": "  TB-1  ", "test_buy_report": " report "},
        good | {"test_buy_order_number": "   ", "explanation": ""},
        good | {"explanation": "caf\u00e9 \u201cquoted\u201d \U0001f600"},
    ]
    wrong = [
        good | {"listing_external_id": "EXT-1"},  # named twice
        {k: v for k, v in good.items() if k != "listing"},  # not named
        by_external | {"listing_external_id": "   "},
        good | {"listing": None},
        good | {"listing": "itm_" + listing[4:]},
        good | {"asset": listing},
        {k: v for k, v in good.items() if k != "asset"},
        good | {"infringement_type": "piracy"},
        good | {"infringement_type": None},
        {k: v for k, v in good.items() if k != "explanation"},
        good | {"explanation": ["a"]},
        good | {"explanation": "nul \x00 inside"},
        good | {"explanation": "lone \ud800 surrogate"},
        good | {"test_buy_report": True},
        good | {"test_buy_order_number": None},
        good | {"test_buy_order_number": "TB \x00"},
        "not an object",
        ["a", "list"],
    ]
    # Valid for the fields, which make strings of numbers: not plain, so left to them.
    not_plain = [by_external | {"listing_external_id": 12}, good | {"explanation": 42}]
    return variants, wrong, not_plain


def test_a_plainly_valid_line_is_read_in_one_pass_exactly_as_its_fields_read_it():
    """The filing reads a notice's lines through _plain_line when it can (a notice holds up to 1,000
    lines); every line it reads must come out as the serializer's fields make it, and every line the
    fields refuse must be left to them (and their messages)."""
    from rest_framework import serializers

    from api.views.notices import NoticeItemInputSerializer, _plain_line

    def by_fields(data):
        try:
            return serializers.Serializer.run_validation(NoticeItemInputSerializer(), data)
        except serializers.ValidationError:
            return None

    variants, wrong, not_plain = _lines_to_read()
    for data in variants:
        fast = _plain_line(data)
        assert fast is not None, data
        assert fast == dict(by_fields(data)), data
    for data in wrong:
        assert by_fields(data) is None, data
        assert _plain_line(data) is None, data
    for data in not_plain:
        assert by_fields(data) is not None, data
        assert _plain_line(data) is None, data


def test_a_missing_field_is_400_with_the_web_forms_message(world, key_client):
    without_phone = {k: v for k, v in body(line(world.listings[0], world.asset)).items() if k != "filer_phone"}
    data = problem(key_client(world.brand.organisation).post("/api/v1/notices/", without_phone, format="json"), 400)
    assert data["errors"] == [{"pointer": "/filer_phone", "code": "required", "detail": "Give a phone number."}]


def test_filing_needs_a_key_and_the_write_scope(world, key_client):
    problem(APIClient().post("/api/v1/notices/", body(), format="json"), 401, "not_authenticated")
    reader = key_client(world.brand.organisation, ["notices:read"])
    data = problem(file(reader, line(world.listings[0], world.asset)), 403)
    assert "notices:write" in data["detail"]
    assert not Notice.objects.exists()


def test_an_agent_with_a_letter_files_for_the_brand_it_names(world, key_client):
    client = key_client(world.agent)
    response = file(client, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand))
    assert response.status_code == 201, response.content
    assert Notice.objects.get().filer_organisation == world.agent
    # The brand is never guessed, even for a firm with one letter.
    problem(file(client, line(world.listings[1], world.asset)), 400)
    # A brand its letter does not cover: 403, nothing kept.
    data = problem(
        file(client, line(world.listings[1], world.other_asset), rights_holder=pid("rhd", world.other_brand)), 403
    )
    assert "letter of authorisation" in data["detail"]
    assert Notice.objects.count() == 1


def test_an_agent_without_a_letter_or_with_an_expired_one_is_refused(world, key_client):
    client = key_client(world.agent_without_letter)
    problem(file(client, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand)), 403)
    world.agent.letters_held.update(valid_until=timezone.now().date() - timedelta(days=1))
    problem(
        file(key_client(world.agent), line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand)), 403
    )
    assert not Notice.objects.exists()


def test_a_partner_files_for_a_brand_it_vets_on_the_fast_track(world, key_client):
    client = key_client(world.partner.organisation)
    response = file(client, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand))
    assert response.status_code == 201, response.content
    (accepted,) = response.json()["accepted"]
    assert (accepted["track"], accepted["status"], accepted["client_status"]) == (
        "fast",
        "awaiting_counter_notice",
        "removed",
    )
    assert Notice.objects.get().partner == world.partner
    problem(file(client, line(world.listings[1], world.other_asset), rights_holder=pid("rhd", world.other_brand)), 403)


def test_a_merchant_key_cannot_file(world, key_client):
    client = key_client(world.merchant_org)
    problem(file(client, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand)), 403)
    problem(file(client, line(world.listings[0], world.asset)), 400)  # a merchant is no brand: name one
    assert not Notice.objects.exists()


def test_a_key_files_for_its_own_organisation_only(world, key_client):
    client = key_client(world.brand.organisation)
    problem(file(client, line(world.listings[0], world.asset), acting_organisation=world.agent.slug), 403)
    assert not Notice.objects.exists()


def test_a_browser_session_names_the_acting_organisation(world):
    user = factories.member_of(world.agent)
    client = PartnerClient()
    client.force_login(user)
    data = problem(file(client, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand)), 400)
    assert pointers(data) == {("/acting_organisation", "required")}
    problem(
        file(
            client,
            line(world.listings[0], world.asset),
            rights_holder=pid("rhd", world.brand),
            acting_organisation=world.brand.organisation.slug,
        ),
        403,
    )
    response = file(
        client,
        line(world.listings[0], world.asset),
        rights_holder=pid("rhd", world.brand),
        acting_organisation=world.agent.slug,
    )
    assert response.status_code == 201, response.content
    assert Notice.objects.get().filed_by == user


def test_the_roles_a_key_may_file_in(world, key_client):
    assert key_client(world.brand.organisation).get("/api/v1/rights-holders/").json()["results"] == [
        {"id": pid("rhd", world.brand), "name": "Brand A", "acting_as": "own_staff", "letter_valid_until": None}
    ]
    (agent_role,) = key_client(world.agent).get("/api/v1/rights-holders/").json()["results"]
    assert agent_role["acting_as"] == "agent" and agent_role["letter_valid_until"]
    (partner_role,) = key_client(world.partner.organisation).get("/api/v1/rights-holders/").json()["results"]
    assert partner_role["acting_as"] == "partner"
    assert key_client(world.merchant_org).get("/api/v1/rights-holders/").json()["results"] == []


# --- Reading ---------------------------------------------------------------------------


@pytest.fixture
def filed(world, key_client):
    """Two notices of brand A (items on two listings, then one on a third), one of brand B elsewhere."""
    brand = key_client(world.brand.organisation)
    first = file(brand, line(world.listings[0], world.asset), line(world.listings[1], world.asset)).json()
    second = file(brand, line(world.listings[2], world.asset, infringement_type="copyright")).json()
    other = file(key_client(world.other_brand.organisation), line(world.other_listing, world.other_asset)).json()
    return SimpleNamespace(first=first, second=second, other=other, client=brand)


def ids(response):
    assert response.status_code == 200, response.content
    return [n["id"] for n in response.json()["results"]]


def test_the_list_shows_the_organisations_notices_newest_first(world, filed):
    assert ids(filed.client.get("/api/v1/notices/")) == [filed.second["id"], filed.first["id"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("type=copyright", ["second"]),
        ("state=pending_review", ["second", "first"]),
        ("state=upheld", []),
        ("state=upheld&state=pending_review", ["second", "first"]),
        ("track=fast", []),
    ],
)
def test_the_list_filters_by_item_fields(world, filed, query, expected):
    names = {filed.first["id"]: "first", filed.second["id"]: "second"}
    assert [names[i] for i in ids(filed.client.get(f"/api/v1/notices/?{query}"))] == expected


def test_the_list_filters_by_asset_listing_store_and_dates(world, filed):
    client = filed.client
    assert ids(client.get(f"/api/v1/notices/?listing={pid('lst', world.listings[2])}")) == [filed.second["id"]]
    assert len(ids(client.get(f"/api/v1/notices/?asset={pid('ast', world.asset)}"))) == 2
    assert len(ids(client.get(f"/api/v1/notices/?store={pid('sto', world.store)}"))) == 2
    assert ids(client.get(f"/api/v1/notices/?store={pid('sto', world.other_listing.store)}")) == []
    later = (timezone.now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert ids(client.get("/api/v1/notices/", {"submitted_after": later})) == []
    assert len(ids(client.get("/api/v1/notices/", {"submitted_before": later}))) == 2


@pytest.mark.parametrize(
    "query, pointer",
    [("listing=ast_nope", "/listing"), ("state=nonsense", "/state"), ("submitted_after=yesterday", "/submitted")],
)
def test_a_bad_filter_is_a_400_naming_it(world, filed, query, pointer):
    data = problem(filed.client.get(f"/api/v1/notices/?{query}"), 400)
    assert pointer in {e["pointer"] for e in data["errors"]}


def test_the_list_is_cursor_paginated(world, filed):
    first_page = filed.client.get("/api/v1/notices/?page_size=1").json()
    assert [n["id"] for n in first_page["results"]] == [filed.second["id"]]
    assert "cursor=" in first_page["next"] and "count" not in first_page
    second_page = filed.client.get(first_page["next"]).json()
    assert [n["id"] for n in second_page["results"]] == [filed.first["id"]]


def test_history_is_in_the_list_on_request(world, filed):
    plain = filed.client.get("/api/v1/notices/").json()["results"][0]["items"][0]
    assert plain["events"] is None and plain["statements_of_reasons"] is None
    expanded = filed.client.get("/api/v1/notices/?expand=history").json()["results"][0]["items"][0]
    assert [e["action"] for e in expanded["events"]] == ["submitted", "queued"]


def test_another_organisations_notice_is_404_like_a_missing_one(world, filed):
    problem(filed.client.get(f"/api/v1/notices/{filed.other['id']}/"), 404, "not_found")
    problem(filed.client.get("/api/v1/notices/ntc_" + "0" * 26 + "/"), 404, "not_found")
    problem(filed.client.get(f"/api/v1/notices/{filed.first['accepted'][0]['id']}/"), 404)  # an item's id
    assert filed.other["id"] not in ids(filed.client.get("/api/v1/notices/"))


def test_reading_needs_the_read_scope(world, filed, key_client):
    problem(key_client(world.brand.organisation, ["good_faith:read"]).get("/api/v1/notices/"), 403)
    problem(APIClient().get(f"/api/v1/notices/{filed.first['id']}/"), 401)


def test_the_merchant_sees_the_notices_naming_its_listings(world, filed, key_client):
    merchant = key_client(world.merchant_org)
    assert ids(merchant.get("/api/v1/notices/")) == [filed.second["id"], filed.first["id"]]
    detail = merchant.get(f"/api/v1/notices/{filed.first['id']}/").json()
    assert len(detail["items"]) == 2
    assert detail["items"][0]["actions"] == []  # nothing to answer before a reviewer accepts
    (submitted,) = [e for e in detail["items"][0]["events"] if e["action"] == "submitted"]
    assert submitted["by"] == "The rights holder"


def test_the_partner_and_the_agent_read_what_they_filed(world, key_client):
    agent = key_client(world.agent)
    filed = file(agent, line(world.listings[0], world.asset), rights_holder=pid("rhd", world.brand)).json()
    # The brand reads the agent's notice too: it acts for the brand.
    assert ids(key_client(world.brand.organisation).get("/api/v1/notices/")) == [filed["id"]]
    assert ids(agent.get("/api/v1/notices/")) == [filed["id"]]
    assert ids(key_client(world.partner.organisation).get("/api/v1/notices/")) == []
    assert ids(key_client(world.agent_without_letter).get("/api/v1/notices/")) == []


def test_the_list_costs_the_same_queries_for_one_notice_or_many(world, key_client, django_assert_max_num_queries):
    client = key_client(world.brand.organisation)
    file(client, line(world.listings[0], world.asset))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/notices/?expand=history")
    for listing in world.listings[1:]:
        file(client, line(listing, world.asset))
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notices/?expand=history")
    assert len(many) == len(one)


# --- Idempotency --------------------------------------------------------------------


def test_filing_requires_an_idempotency_key_and_a_retry_files_nothing_new(world, key_client):
    client = key_client(world.brand.organisation)
    items = [line(world.listings[0], world.asset), line(world.listings[1], world.asset)]
    problem(client.post("/api/v1/notices/", body(*items), format="json", HTTP_IDEMPOTENCY_KEY=None), 400)
    assert not Notice.objects.exists()
    first = client.post("/api/v1/notices/", body(*items), format="json", HTTP_IDEMPOTENCY_KEY="notice-1")
    retry = client.post("/api/v1/notices/", body(*items), format="json", HTTP_IDEMPOTENCY_KEY="notice-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert Notice.objects.count() == 1 and NoticeItem.objects.count() == 2
    other = body(line(world.listings[2], world.asset))
    problem(client.post("/api/v1/notices/", other, format="json", HTTP_IDEMPOTENCY_KEY="notice-1"), 422)
    assert Notice.objects.count() == 1


# --- Evidence (multipart) --------------------------------------------------------------


def _png():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("screenshot.png", buffer.getvalue(), content_type="image/png")


def _multipart(*items, **parts):
    import json

    return {"notice": json.dumps(body(*items)), **parts}


def test_evidence_goes_with_each_line_through_the_upload_validator(world, key_client, _private_media):
    from takedowns.models import Evidence

    client = key_client(world.brand.organisation)
    data = _multipart(
        line(world.listings[0], world.asset),
        line(world.listings[1], world.asset),
        **{"/items/1/evidence": [_png(), _png()]},
    )
    response = client.post("/api/v1/notices/", data, format="multipart")
    assert response.status_code == 201, response.content
    second = NoticeItem.objects.get(listing=world.listings[1])
    assert [e.content_type for e in Evidence.objects.filter(item=second)] == ["image/png", "image/png"]
    assert not Evidence.objects.filter(item__listing=world.listings[0]).exists()


@pytest.mark.parametrize(
    "parts, pointer",
    [
        ({"/items/1/evidence": [b"not a file"]}, "/items/1/evidence"),
        ({"/items/7/evidence": [_png()]}, "/items/7/evidence"),
        ({"/evidence": [_png()]}, "/~1evidence"),
    ],
)
def test_a_refused_evidence_file_refuses_the_notice_and_stores_nothing(
    world, key_client, _private_media, parts, pointer
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from takedowns.models import Evidence

    parts = {
        name: [
            f if not isinstance(f, bytes) else SimpleUploadedFile("x.png", f, content_type="image/png") for f in files
        ]
        for name, files in parts.items()
    }
    data = _multipart(line(world.listings[0], world.asset), line(world.listings[1], world.asset), **parts)
    response = key_client(world.brand.organisation).post("/api/v1/notices/", data, format="multipart")
    assert pointer in {e["pointer"] for e in problem(response, 400)["errors"]}
    assert not Notice.objects.exists() and not Evidence.objects.exists()
    assert not list((_private_media / "evidence").glob("*"))


def test_a_multipart_notice_needs_its_json_part(world, key_client):
    client = key_client(world.brand.organisation)
    problem(client.post("/api/v1/notices/", {"/items/0/evidence": [_png()]}, format="multipart"), 400)
    data = problem(client.post("/api/v1/notices/", {"notice": "{not json"}, format="multipart"), 400)
    assert {e["pointer"] for e in data["errors"]} == {"/notice"}


def test_good_evidence_with_a_refused_notice_stores_no_file(world, key_client, _private_media):
    import json

    from takedowns.models import Evidence

    data = {
        "notice": json.dumps({**body(line(world.listings[0], world.asset)), "good_faith_statement": False}),
        "/items/0/evidence": [_png()],
    }
    problem(key_client(world.brand.organisation).post("/api/v1/notices/", data, format="multipart"), 400)
    assert not Notice.objects.exists() and not Evidence.objects.exists()
    assert not list((_private_media / "evidence").glob("*"))
