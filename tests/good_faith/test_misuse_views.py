"""Misuse through the pages: the reviewer's checkbox, the refused filing, the measures page, appeal and lift."""

import re

import pytest
from django.urls import reverse

from good_faith.models import MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from portal.models import Organisation, OrganisationKind
from takedowns.models import ItemStatus, Notice
from takedowns.notices import filing_suspension_of
from tests import factories
from tests.good_faith import test_misuse as base
from tests.good_faith.test_misuse import SUSPEND, WARN, pending_item
from tests.lists import list_queries_constant
from tests.takedowns.filing_pages import file_from_page, row

# The service tests' world (fixtures), shared rather than copied.
_thresholds, asset, store, colleague_a = base._thresholds, base.asset, base.store, base.colleague_a
senior_reviewer, strikes = base.senior_reviewer, base.strikes

MISUSE = "/good-faith/misuse/"


@pytest.fixture
def suspended(strikes, brand_a):
    strikes(SUSPEND)
    return MisuseMeasure.objects.get(organisation=brand_a.organisation, kind=MisuseMeasureKind.SUSPENSION)


def test_the_misuse_page_lives_in_the_good_faith_namespace():
    assert reverse("good_faith:misuse") == MISUSE


# --- The reviewer's decision ----------------------------------------------------------------


def test_the_reject_form_offers_the_manifestly_unfounded_box(client, reviewer, owner_a, brand_a, asset, store):
    item = pending_item(owner_a, brand_a, asset, store)
    client.force_login(reviewer)
    page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
    assert 'name="manifestly_unfounded"' in page and "Manifestly unfounded" in page


def test_ticking_the_box_marks_the_rejection_manifestly_unfounded(client, reviewer, owner_a, brand_a, asset, store):
    marked, plain = (pending_item(owner_a, brand_a, asset, store) for _ in range(2))
    client.force_login(reviewer)
    response = client.post(
        reverse("takedowns:item-decide", args=[marked.pk]),
        {"decision": "reject", "reason": "The listing sells genuine goods.", "manifestly_unfounded": "on"},
        follow=True,
    )
    assert "Rejected as manifestly unfounded" in response.content.decode()
    client.post(reverse("takedowns:item-decide", args=[plain.pk]), {"decision": "reject", "reason": "Not enough."})
    marked.refresh_from_db()
    plain.refresh_from_db()
    assert (marked.status, marked.manifestly_unfounded) == (ItemStatus.REJECTED, True)
    assert (plain.status, plain.manifestly_unfounded) == (ItemStatus.REJECTED, False)
    assert marked.events.get(action="rejected").data == {"manifestly_unfounded": True}


def test_the_third_ticked_rejection_on_the_page_warns_the_filer(client, reviewer, owner_a, brand_a, asset, store):
    items = [pending_item(owner_a, brand_a, asset, store) for _ in range(WARN)]
    client.force_login(reviewer)
    for item in items:
        client.post(
            reverse("takedowns:item-decide", args=[item.pk]),
            {"decision": "reject", "reason": "No basis at all.", "manifestly_unfounded": "on"},
        )
    (warning,) = MisuseMeasure.objects.filter(organisation=brand_a.organisation)
    assert warning.kind == MisuseMeasureKind.WARNING


def test_the_box_is_not_offered_for_an_adjudication(db):
    from takedowns.forms import DecisionForm
    from takedowns.models import CannedReason

    form = DecisionForm(decisions=DecisionForm.offered({"upheld", "dismissed"}), canned=CannedReason.objects.all())
    assert "manifestly_unfounded" not in form.fields


# --- Refused filing ---------------------------------------------------------------------------


def test_the_filing_page_refuses_a_suspended_filer_with_the_end_date(client, suspended, owner_a, brand_a, asset, store):
    before = Notice.objects.count()
    client.force_login(owner_a)
    shown = client.get(reverse("takedowns:notice-create"))
    response = client.post(reverse("takedowns:notice-create"), {"action": "review"})
    assert (shown.status_code, response.status_code) == (200, 403)
    ends = suspended.suspension.ends_at
    for page in (shown.content.decode(), response.content.decode()):
        assert f"may not file notices until {ends:%Y-%m-%d %H:%M} UTC" in page
        assert "manifestly unfounded" in page and 'name="action"' not in page
    assert Notice.objects.count() == before


# --- The measures page, appeal and lift -------------------------------------------------------


def test_members_see_their_measures_with_the_statement_and_an_appeal_form(client, suspended, colleague_a):
    client.force_login(colleague_a)
    page = client.get(MISUSE).content.decode()
    assert "Filing suspension" in page and "Warning" in page
    assert "Digital Services Act article 23" in page
    assert f"{suspended.suspension.ends_at:%Y-%m-%d %H:%M}" in page
    # One appeal form per measure still in force and not appealed: the warning and the suspension.
    assert len(re.findall(r'action="/good-faith/misuse/\d+/appeal/"', page)) == 2


def test_an_outsider_sees_nothing_and_cannot_appeal(client, suspended, user_b):
    client.force_login(user_b)
    page = client.get(MISUSE).content.decode()
    assert "Statement of reasons" not in page and "Brand A" not in page
    response = client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "Let me in."})
    assert response.status_code == 404
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.IN_FORCE


def test_appeal_and_lift_through_the_pages_lets_the_holder_file_again(
    client, suspended, owner_a, brand_a, asset, store, senior_reviewer, reviewer
):
    client.force_login(owner_a)
    response = client.post(
        reverse("good_faith:misuse-appeal", args=[suspended.pk]),
        {"statement": "Every listing sold fakes; the test buys are attached to the items."},
        follow=True,
    )
    assert "Your appeal is filed" in response.content.decode()
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.APPEALED
    again = client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "Again."}, follow=True)
    assert "can be appealed once" in again.content.decode()

    # A reviewer who is not senior neither sees the queue nor decides.
    client.force_login(reviewer)
    assert "Decide the appeal" not in client.get(MISUSE).content.decode()
    denied = client.post(reverse("good_faith:misuse-decide", args=[suspended.pk]), {"decision": "lift", "reason": "x"})
    assert denied.status_code == 404

    client.force_login(senior_reviewer)
    queue = client.get(MISUSE).content.decode()
    assert "Every listing sold fakes" in queue and "Decide the appeal" in queue
    decided = client.post(
        reverse("good_faith:misuse-decide", args=[suspended.pk]),
        {"decision": "lift", "reason": "The test buys show the goods were fakes."},
        follow=True,
    )
    assert "Lifted" in decided.content.decode()
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.LIFTED
    assert filing_suspension_of(brand_a.organisation_id) is None

    client.force_login(owner_a)
    listing = factories.ListingFactory(store=store)
    filed = file_from_page(client, owner_a, [row(listing.external_id, asset)])
    assert filed.status_code == 200
    assert Notice.objects.filter(rights_holder=brand_a, items__listing=listing).exists()
    page = client.get(MISUSE).content.decode()
    assert "Lifted on appeal" in page and "The test buys show the goods were fakes." in page


def test_confirming_on_the_page_keeps_the_suspension(client, suspended, owner_a, brand_a, senior_reviewer):
    client.force_login(owner_a)
    client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "We filed in good faith."})
    client.force_login(senior_reviewer)
    client.post(
        reverse("good_faith:misuse-decide", args=[suspended.pk]),
        {"decision": "confirm", "reason": "Five listings of the brand's own goods."},
    )
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.UPHELD_ON_APPEAL
    assert filing_suspension_of(brand_a.organisation_id) == suspended.suspension


def test_the_measures_page_needs_a_login(client):
    response = client.get(MISUSE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_measures_page_costs_the_same_queries_however_many_measures(client, suspended, owner_a, brand_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner_a)
    client.get(MISUSE)  # warm the session and the user's caches
    with CaptureQueriesContext(connection) as two:
        client.get(MISUSE)
    for measure in MisuseMeasure.objects.filter(organisation=brand_a.organisation):
        measure.pk = None
        measure.suspension = None
        measure.save()
    with CaptureQueriesContext(connection) as four:
        page = client.get(MISUSE).content.decode()
    assert page.count("Statement of reasons") == 4
    assert len(four) == len(two)


def test_staff_see_the_latest_measures_of_every_organisation_but_holders_see_only_their_own(
    client, suspended, reviewer, user_b
):
    client.force_login(reviewer)
    page = client.get(MISUSE).content.decode()
    assert "Latest measures" in page and suspended.organisation.name in page
    client.force_login(user_b)
    page = client.get(MISUSE).content.decode()
    assert "Latest measures" not in page and suspended.organisation.name not in page


# --- Refusals answer with the page and the status, never a redirect ---------------------------


def test_an_appeal_a_colleague_filed_first_answers_409_with_the_page_as_it_now_stands(
    client, suspended, owner_a, colleague_a
):
    from good_faith.misuse import misuse_measure_appeal

    client.force_login(owner_a)
    # The colleague appeals while the owner still has the page open.
    misuse_measure_appeal(measure_id=suspended.pk, actor=colleague_a, statement="The goods were fakes.")
    response = client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "Ours too."})
    assert response.status_code == 409
    page = response.content.decode()
    assert "can be appealed once" in page and "Filing suspension" in page
    suspended.refresh_from_db()
    assert (suspended.status, suspended.appeal_statement) == (MisuseMeasureStatus.APPEALED, "The goods were fakes.")


def test_a_senior_reviewer_who_loses_the_decision_race_gets_409_and_the_page(
    client, suspended, colleague_a, senior_reviewer
):
    from good_faith.misuse import misuse_appeal_decide, misuse_measure_appeal

    misuse_measure_appeal(measure_id=suspended.pk, actor=colleague_a, statement="The goods were fakes.")
    other = factories.UserFactory()
    other.groups.add(senior_reviewer.groups.get())
    client.force_login(senior_reviewer)
    misuse_appeal_decide(measure_id=suspended.pk, actor=other, lift=False, reason="Five genuine listings.")
    response = client.post(
        reverse("good_faith:misuse-decide", args=[suspended.pk]), {"decision": "lift", "reason": "Test buys."}
    )
    assert response.status_code == 409
    assert "only an appealed measure can be decided" in response.content.decode()
    suspended.refresh_from_db()
    assert (suspended.status, suspended.appeal_decided_by) == (MisuseMeasureStatus.UPHELD_ON_APPEAL, other)
    assert filing_suspension_of(suspended.organisation_id) == suspended.suspension


def test_an_appeal_or_decision_without_its_text_answers_400_and_changes_nothing(
    client, suspended, owner_a, senior_reviewer
):
    client.force_login(owner_a)
    response = client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "  "})
    assert response.status_code == 400
    assert "Explain why the measure should be lifted." in response.content.decode()
    client.post(reverse("good_faith:misuse-appeal", args=[suspended.pk]), {"statement": "Fakes, all of them."})
    client.force_login(senior_reviewer)
    response = client.post(reverse("good_faith:misuse-decide", args=[suspended.pk]), {"decision": "lift"})
    assert response.status_code == 400
    assert "give the organisation the reasons" in response.content.decode()
    suspended.refresh_from_db()
    assert suspended.status == MisuseMeasureStatus.APPEALED


def test_staffs_list_of_measures_costs_the_same_queries_for_10_or_500(client, reviewer):
    def make(n):
        start = Organisation.objects.count()
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(name=f"Filer {start + i}", slug=f"filer-{start + i}", kind=OrganisationKind.RIGHTS_HOLDER)
                for i in range(n)
            ]
        )
        MisuseMeasure.objects.bulk_create(
            [MisuseMeasure(organisation=o, kind=MisuseMeasureKind.WARNING, statement="Three unfounded.") for o in orgs]
        )

    client.force_login(reviewer)
    url = reverse("good_faith:misuse")
    list_queries_constant(client, url, make)
    list_queries_constant(client, url, make, params={"kind": "warning", "sort": "organisation"}, sizes=(510, 1000))
