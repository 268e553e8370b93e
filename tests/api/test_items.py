"""Items over the API: each move a party makes, for every role; 409 with the state, 400 for bad input."""

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from takedowns import lifecycle
from takedowns.effects import item_effects_run
from takedowns.models import CounterNotice, CounterNoticeEvidence, ItemStatus, NoticeItem
from tests.api.test_notices import file, line, pid, problem


@pytest.fixture
def filed(world, key_client):
    """One pending item of brand A on the merchant's listing; one of brand B elsewhere; the parties' keys."""
    brand = key_client(world.brand.organisation)
    (accepted,) = file(brand, line(world.listings[0], world.asset)).json()["accepted"]
    other = file(key_client(world.other_brand.organisation), line(world.other_listing, world.other_asset)).json()
    return SimpleNamespace(
        id=accepted["id"],
        item=NoticeItem.objects.get(public_id__isnull=False, listing=world.listings[0]),
        other_id=other["accepted"][0]["id"],
        brand=brand,
        merchant=key_client(world.merchant_org),
        url=f"/api/v1/items/{accepted['id']}/",
    )


def accepted(filed, reviewer):
    lifecycle.notice_item_accept(item_id=filed.item.pk, actor=reviewer)


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


COUNTER_NOTICE = {
    "statement": "Bought from the brand's own distributor; invoice attached.",
    "contact_name": "Mo Merchant",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "mo@shady.test",
    "signature": "Mo Merchant",
    "accuracy_statement": "true",
}


# --- Reading ------------------------------------------------------------------------


def test_an_item_reads_the_same_for_its_parties_and_404_for_others(world, filed, key_client):
    mine = filed.brand.get(filed.url).json()
    assert mine["id"] == filed.id and mine["status"] == "pending_review" and mine["actions"] == ["withdraw"]
    assert filed.merchant.get(filed.url).json()["id"] == filed.id
    problem(filed.brand.get(f"/api/v1/items/{filed.other_id}/"), 404)
    problem(key_client(world.agent_without_letter).get(filed.url), 404)
    problem(filed.brand.get("/api/v1/items/itm_nope/"), 404)
    problem(APIClient().get(filed.url), 401)
    problem(key_client(world.brand.organisation, ["good_faith:read"]).get(filed.url), 403)


def test_the_items_list_filters_and_scopes(world, filed):
    assert [i["id"] for i in filed.brand.get("/api/v1/items/").json()["results"]] == [filed.id]
    assert filed.brand.get("/api/v1/items/?state=upheld").json()["results"] == []
    assert filed.merchant.get(f"/api/v1/items/?listing={pid('lst', world.listings[0])}").json()["results"]
    assert filed.merchant.get("/api/v1/items/?counter_notice_due=true").json()["results"] == []


# --- Withdraw ----------------------------------------------------------------------


def test_the_holder_withdraws_and_a_second_withdrawal_is_409_with_the_state(world, filed):
    response = filed.brand.post(f"{filed.url}withdraw/", {"reason": "Settled with the seller."}, format="json")
    assert response.status_code == 200, response.content
    item = response.json()
    assert (item["status"], item["client_status"], item["actions"]) == ("withdrawn", "withdrawn", [])
    assert item["events"][-1]["action"] == "withdrawn"
    assert item["events"][-1]["reason"] == "Settled with the seller."

    data = problem(filed.brand.post(f"{filed.url}withdraw/", {}, format="json"), 409, "illegal_transition")
    assert data["current_state"] == "withdrawn"


def test_withdrawing_is_for_the_holders_side_with_the_write_scope(world, filed, key_client):
    problem(filed.merchant.post(f"{filed.url}withdraw/", {}, format="json"), 403)
    problem(key_client(world.brand.organisation, ["notices:read"]).post(f"{filed.url}withdraw/", {}), 403)
    problem(filed.brand.post(f"/api/v1/items/{filed.other_id}/withdraw/", {}, format="json"), 404)
    problem(APIClient().post(f"{filed.url}withdraw/", {}, format="json"), 401)
    # The agent holding a letter for the brand withdraws the brand's items too.
    response = key_client(world.agent).post(f"{filed.url}withdraw/", {}, format="json")
    assert response.status_code == 200, response.content


def test_an_unreadable_reason_is_400_and_moves_nothing(world, filed):
    data = problem(filed.brand.post(f"{filed.url}withdraw/", {"reason": "bell\x07"}, format="json"), 400)
    assert {e["pointer"] for e in data["errors"]} == {"/reason"}
    filed.item.refresh_from_db()
    assert filed.item.status == ItemStatus.PENDING_REVIEW


# --- Counter-notice ------------------------------------------------------------------


def test_the_merchant_finds_the_item_due_and_files_a_counter_notice_with_evidence(world, filed, reviewer):
    accepted(filed, reviewer)
    due = filed.merchant.get("/api/v1/items/?counter_notice_due=true").json()["results"]
    assert [i["id"] for i in due] == [filed.id] and due[0]["actions"] == ["counter_notice"]

    response = filed.merchant.post(
        f"{filed.url}counter-notice/", {**COUNTER_NOTICE, "evidence": [png(), png("b.png")]}, format="multipart"
    )
    assert response.status_code == 200, response.content
    item = response.json()
    assert item["status"] == "counter_noticed"
    assert item["counter_notice"]["id"].startswith("cnt_")
    assert [e["content_type"] for e in item["counter_notice"]["evidence"]] == ["image/png", "image/png"]
    assert item["counter_notice"]["contact"]["email"] == "mo@shady.test"  # the merchant reads its own

    holder_view = filed.brand.get(filed.url).json()
    assert holder_view["client_status"] == "clarification_required"
    assert holder_view["counter_notice"]["contact"] is None  # counterfeit: not passed on (DMCA 512(g) is copyright)
    assert holder_view["events"][-1]["by"] == "The merchant"
    assert holder_view["actions"] == ["reply", "withdraw"]


@pytest.mark.parametrize(
    "change, pointers",
    [
        ({"statement": ""}, {"/statement"}),
        ({"accuracy_statement": "false"}, {"/accuracy_statement"}),
        ({"contact_email": "nope"}, {"/contact_email"}),
        ({"evidence": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]}, {"/evidence"}),
    ],
)
def test_a_bad_counter_notice_is_400_with_pointers_and_keeps_nothing(world, filed, reviewer, change, pointers):
    accepted(filed, reviewer)
    data = problem(
        filed.merchant.post(f"{filed.url}counter-notice/", {**COUNTER_NOTICE, **change}, format="multipart"), 400
    )
    assert pointers <= {e["pointer"] for e in data["errors"]}
    assert not CounterNotice.objects.exists() and not CounterNoticeEvidence.objects.exists()
    filed.item.refresh_from_db()
    assert filed.item.status == ItemStatus.AWAITING_COUNTER_NOTICE


def test_a_counter_notice_is_the_merchants_with_its_scope_and_in_time(world, filed, reviewer, key_client):
    accepted(filed, reviewer)
    problem(filed.brand.post(f"{filed.url}counter-notice/", COUNTER_NOTICE, format="json"), 403)
    problem(key_client(world.merchant_org, ["notices:read"]).post(f"{filed.url}counter-notice/", COUNTER_NOTICE), 403)
    NoticeItem.objects.filter(pk=filed.item.pk).update(counter_notice_deadline=timezone.now() - timedelta(minutes=1))
    data = problem(filed.merchant.post(f"{filed.url}counter-notice/", COUNTER_NOTICE, format="json"), 409)
    assert data["current_state"] == "awaiting_counter_notice" and data["code"] == "deadline_passed"
    assert not CounterNotice.objects.exists()


# --- Reply ---------------------------------------------------------------------------


def counter_noticed(filed, reviewer):
    accepted(filed, reviewer)
    response = filed.merchant.post(f"{filed.url}counter-notice/", COUNTER_NOTICE, format="json")
    assert response.status_code == 200, response.content


def test_the_holder_replies_to_the_counter_notice(world, filed, reviewer):
    data = problem(filed.brand.post(f"{filed.url}reply/", {"statement": "x"}, format="json"), 409)
    assert data["current_state"] == "pending_review"
    counter_noticed(filed, reviewer)
    data = problem(filed.brand.post(f"{filed.url}reply/", {}, format="json"), 400)
    assert [(e["pointer"], e["code"]) for e in data["errors"]] == [("/statement", "required")]
    problem(filed.merchant.post(f"{filed.url}reply/", {"statement": "mine"}, format="json"), 403)
    response = filed.brand.post(f"{filed.url}reply/", {"statement": "The invoice is forged."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_adjudication"
    assert response.json()["reply"]["statement"] == "The invoice is forged."
    data = problem(filed.brand.post(f"{filed.url}reply/", {"statement": "again"}, format="json"), 409)
    assert data["current_state"] == "pending_adjudication"


# --- Appeal and statements of reasons -------------------------------------------------


def upheld(filed, reviewer):
    accepted(filed, reviewer)
    lifecycle.notice_item_uphold_by_default(item_id=filed.item.pk, now=timezone.now() + timedelta(hours=73))
    item_effects_run(filed.item.pk)


def test_the_complainant_reads_the_listing_statement_and_the_merchant_its_sanction(world, filed, reviewer):
    upheld(filed, reviewer)
    holder = filed.brand.get(filed.url).json()
    assert holder["client_status"] == "removed"
    assert {s["restriction"] for s in holder["statements_of_reasons"]} == {"listing_removed"}
    merchant = filed.merchant.get(filed.url).json()
    assert {"listing_removed", "store_warning"} <= {s["restriction"] for s in merchant["statements_of_reasons"]}


def test_either_side_appeals_a_decision_once(world, filed, reviewer):
    problem(filed.brand.post(f"{filed.url}appeal/", {"statement": "Too early."}, format="json"), 409)
    upheld(filed, reviewer)
    assert "appeal" in filed.merchant.get(filed.url).json()["actions"]
    data = problem(filed.merchant.post(f"{filed.url}appeal/", {"statement": " "}, format="json"), 400)
    assert {e["pointer"] for e in data["errors"]} == {"/statement"}
    response = filed.merchant.post(f"{filed.url}appeal/", {"statement": "The goods are genuine."}, format="json")
    assert response.status_code == 200, response.content
    item = response.json()
    assert [(a["side"], a["status"]) for a in item["appeals"]] == [("merchant", "open")]
    assert "appeal" not in item["actions"]
    data = problem(filed.merchant.post(f"{filed.url}appeal/", {"statement": "Again."}, format="json"), 409)
    assert (data["code"], data["current_state"]) == ("duplicate", "upheld")
    assert filed.brand.get(filed.url).json()["appeal_deadline"]


def test_a_retried_move_gets_its_first_answer_not_a_conflict(world, filed):
    url = f"{filed.url}withdraw/"
    first = filed.brand.post(url, {"reason": "Settled."}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1")
    retry = filed.brand.post(url, {"reason": "Settled."}, format="json", HTTP_IDEMPOTENCY_KEY="withdraw-1")
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert filed.item.events.filter(action="withdrawn").count() == 1


def test_the_history_is_served_years_later(world, key_client):
    import time_machine

    client = key_client(world.brand.organisation)
    filed_at = timezone.now() - timedelta(days=800)
    with time_machine.travel(filed_at, tick=False):
        (accepted,) = file(client, line(world.listings[0], world.asset)).json()["accepted"]
    item = client.get(f"/api/v1/items/{accepted['id']}/").json()
    assert [e["action"] for e in item["events"]] == ["submitted", "queued"]
    assert item["events"][0]["at"].startswith(filed_at.date().isoformat())


def test_the_partner_and_the_agent_act_on_the_items_they_stand_for(world, key_client, reviewer):
    partner = key_client(world.partner.organisation)
    filed = file(partner, line(world.listings[1], world.asset), rights_holder=pid("rhd", world.brand)).json()
    (item_id,) = [a["id"] for a in filed["accepted"]]
    assert [i["id"] for i in partner.get("/api/v1/items/").json()["results"]] == [item_id]
    # Fast-tracked: the merchant answers at once; the agent holding the brand's letter replies.
    merchant = key_client(world.merchant_org)
    response = merchant.post(f"/api/v1/items/{item_id}/counter-notice/", COUNTER_NOTICE, format="json")
    assert response.status_code == 200, response.content
    agent = key_client(world.agent)
    response = agent.post(f"/api/v1/items/{item_id}/reply/", {"statement": "Forged invoice."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_adjudication"
    problem(key_client(world.agent_without_letter).post(f"/api/v1/items/{item_id}/withdraw/", {}, format="json"), 404)
    response = partner.post(f"/api/v1/items/{item_id}/withdraw/", {"reason": "Vetting withdrawn."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn" and response.json()["took_down_listing"] is True
    # The reinstatement is an effect carried out after commit (takedowns.effects).
    item_effects_run(NoticeItem.objects.get(listing=world.listings[1]).pk)
    assert partner.get(f"/api/v1/items/{item_id}/").json()["listing"]["status"] == "live"


def test_the_items_list_costs_the_same_queries_for_one_item_or_many(world, key_client, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = key_client(world.brand.organisation)
    file(client, line(world.listings[0], world.asset))
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/items/?expand=history").status_code == 200
    for listing in world.listings[1:]:
        file(client, line(listing, world.asset))
    for item in NoticeItem.objects.all():
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/items/?expand=history").json()["results"]) == 4
    assert len(many) == len(one)
