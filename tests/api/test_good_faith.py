"""The Good Faith standing over the API: the page's figures and the distance to the bar, per role."""

import pytest
from rest_framework.test import APIClient

from good_faith.membership import membership_eligibility, memberships_evaluate
from good_faith.records import TrackRecord
from tests.api.test_notices import pid, problem
from tests.good_faith.test_records import decided_items


def test_a_brand_reads_its_record_overall_and_per_type_with_the_distance_to_the_bar(world, key_client):
    decided_items(world.brand, 18, asset=world.asset)
    decided_items(
        world.brand, 2, status="dismissed", counter_notice=True, infringement_type="patent", asset=world.asset
    )
    body = key_client(world.brand.organisation, ["good_faith:read"]).get("/api/v1/good-faith/").json()
    assert body["bar"] == {
        "window_days": 180,
        "min_decided": 20,
        "min_upheld": 95,
        "max_counter_notice": 5,
        "cooling_off_days": 90,
    }
    (subject,) = body["subjects"]
    assert (subject["kind"], subject["id"], subject["name"]) == ("rights_holder", pid("rhd", world.brand), "Brand A")
    assert subject["fast_track_types"] == [] and subject["partner_privilege"] is None
    overall, *types = subject["scopes"]
    assert overall["infringement_type"] is None and overall["membership"] == "not_member"
    assert (overall["record"]["decided"], overall["record"]["upheld"]) == (20, 18)
    assert not overall["eligible"]
    distance = {d["code"]: d for d in overall["distance_to_bar"]}
    assert set(distance) == {"upheld_percent", "counter_notice_percent"}
    # 18 of 20 upheld: 20 more upheld in a row make 38 of 40 = 95%.
    assert (distance["upheld_percent"]["current"], distance["upheld_percent"]["more_needed"]) == (90.0, 20)
    # 2 successful counter-notices of 20: 20 more decisions without one make 2 of 40 = 5%.
    assert (distance["counter_notice_percent"]["required"], distance["counter_notice_percent"]["more_needed"]) == (
        5,
        20,
    )
    assert [t["infringement_type"] for t in types] == ["counterfeit", "patent"]
    counterfeit = types[0]
    assert [(d["code"], d["current"], d["required"], d["more_needed"]) for d in counterfeit["distance_to_bar"]] == [
        ("decided_items", 18, 20, 2)
    ]


def test_a_member_sees_its_fast_track(world, key_client):
    decided_items(world.brand, 20, asset=world.asset)
    memberships_evaluate()
    (subject,) = key_client(world.brand.organisation).get("/api/v1/good-faith/").json()["subjects"]
    assert subject["fast_track_types"] == ["counterfeit", "trademark_misuse", "copyright", "design", "patent", "other"]
    assert subject["scopes"][0]["membership"] == "member" and subject["scopes"][0]["active"]
    assert subject["scopes"][0]["member_since"] and subject["scopes"][0]["distance_to_bar"] == []


def test_each_role_reads_its_own_subjects(world, key_client):
    decided_items(world.other_brand, 5, asset=world.other_asset)
    (agent_view,) = key_client(world.agent).get("/api/v1/good-faith/").json()["subjects"]
    assert agent_view["id"] == pid("rhd", world.brand)  # the brand its letter covers, not Brand B
    (partner_view,) = key_client(world.partner.organisation).get("/api/v1/good-faith/").json()["subjects"]
    assert (partner_view["kind"], partner_view["id"], partner_view["partner_privilege"]) == ("partner", None, True)
    assert key_client(world.merchant_org).get("/api/v1/good-faith/").json()["subjects"] == []
    assert key_client(world.agent_without_letter).get("/api/v1/good-faith/").json()["subjects"] == []
    brand_b = key_client(world.other_brand.organisation).get("/api/v1/good-faith/").json()["subjects"]
    assert [s["name"] for s in brand_b] == ["Brand B"]


def test_the_standing_needs_a_key_with_its_scope(world, key_client):
    problem(APIClient().get("/api/v1/good-faith/"), 401)
    problem(key_client(world.brand.organisation, ["notices:read"]).get("/api/v1/good-faith/"), 403)


@pytest.mark.parametrize(
    "decided, upheld, counter_notices",
    [(20, 18, 0), (2000, 1899, 0), (40, 40, 3), (7, 6, 1), (100, 80, 10)],
)
def test_more_needed_is_the_least_number_of_decisions_that_closes_the_gap(decided, upheld, counter_notices):
    """Checked against the eligibility rule itself: after more_needed decisions the gap closes, one fewer not."""
    ok, shortfalls = membership_eligibility(
        TrackRecord(decided=decided, upheld=upheld, dismissed_after_counter_notice=counter_notices),
        has_verified_asset=True,
        misuse_strikes=0,
    )

    def closes(code, k):
        # k more decisions, each upheld and without a successful counter-notice.
        rec = TrackRecord(decided=decided + k, upheld=upheld + k, dismissed_after_counter_notice=counter_notices)
        _, after = membership_eligibility(rec, has_verified_asset=True, misuse_strikes=0)
        return code not in {s.code for s in after}

    for shortfall in shortfalls:
        if shortfall.code in ("upheld_percent", "counter_notice_percent"):
            assert closes(shortfall.code, shortfall.more_needed)
            assert not closes(shortfall.code, shortfall.more_needed - 1)
