"""The screening report page: platform staff see every brand, a brand's people their own, others nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import OrganisationKind
from screening.models import AlertStatus, DismissalReason
from tests import factories
from tests.screening.report_world import NOW, alert_decided

pytestmark = pytest.mark.django_db

URL = "/screening/report/"


@pytest.fixture
def world(brand_a, brand_b):
    asset_a = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    asset_b = factories.IPAssetFactory(rights_holder=brand_b, name="BOREALIS")
    # Brand A: 14 false alerts low in the band, one confirmed among them, the rest confirmed higher up.
    for score in [0.50, 0.51, 0.52, 0.53, 0.54, 0.55, 0.56, 0.57, 0.58, 0.59, 0.60, 0.61, 0.61, 0.61]:
        alert_decided(
            asset_a, score=score, kinds=["keyword"], status=AlertStatus.DISMISSED, reason=DismissalReason.GENUINE_GOODS
        )
    for score in [0.55, 0.62, 0.65, 0.7, 0.75, 0.8, 0.85]:
        alert_decided(asset_a, score=score, kinds=["keyword", "price"], status=AlertStatus.CONFIRMED)
    alert_decided(
        asset_b, score=0.7, kinds=["merchant"], status=AlertStatus.DISMISSED, reason=DismissalReason.AUTHORISED_SELLER
    )
    return asset_a, asset_b


def test_the_url_is_named():
    assert reverse("screening_report:report") == URL


def test_platform_staff_see_every_brand_with_suggestions(client, reviewer, world):
    client.force_login(reviewer)
    response = client.get(URL, {"days": "30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Brand A" in body and "Brand B" in body
    assert "Raising the alert threshold from 0.50 to 0.62 would have sent 14 fewer false alerts" in body
    assert "Threshold suggestions need 20 decisions; 1 so far." in body  # brand B
    assert "authorised seller 1" in body and "genuine goods 14" in body


def test_a_brands_people_see_their_own_brand_only(client, owner_a, user_b, world):
    client.force_login(owner_a)
    body = client.get(URL).content.decode()
    assert "Brand A" in body and "Brand B" not in body and "authorised seller" not in body
    client.force_login(user_b)
    body = client.get(URL).content.decode()
    assert "Brand B" in body and "Brand A" not in body and "fewer false alerts" not in body


def test_each_brand_links_to_its_screening_page_and_only_staff_are_shown_the_command(
    client, reviewer, owner_a, brand_a, world
):
    brand_page = reverse("screening:brand", args=[brand_a.pk])
    client.force_login(reviewer)
    body = client.get(URL).content.decode()
    assert f'href="{brand_page}"' in body and "python manage.py screening_report" in body
    client.force_login(owner_a)
    body = client.get(URL).content.decode()
    # A brand's people run no command on the marketplace's servers.
    assert f'href="{brand_page}"' in body and "manage.py" not in body


def test_an_agent_with_a_letter_sees_the_brand_it_covers(client, brand_a, world):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Agents & Co")
    factories.LetterOfAuthorisationFactory(agent=agent, rights_holder=brand_a)
    client.force_login(factories.member_of(agent))
    body = client.get(URL).content.decode()
    assert "Brand A" in body and "Brand B" not in body


def test_anyone_else_gets_404_and_anonymous_users_log_in(client, world):
    merchant = factories.OrganisationFactory(kind=OrganisationKind.MERCHANT)
    client.force_login(factories.member_of(merchant))
    assert client.get(URL).status_code == 404
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("days", ["0", "lots", "²", "731", ""])
def test_a_bad_number_of_days_is_refused_with_what_is_allowed(client, reviewer, days):
    client.force_login(reviewer)
    response = client.get(URL, {"days": days})
    assert response.status_code == 400
    assert "Days must be a whole number from 1 to 730" in response.content.decode()


def test_decisions_older_than_the_period_are_left_out(client, owner_a, brand_a):
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    alert_decided(asset, score=0.6, kinds=["ocr"], status=AlertStatus.CONFIRMED, decided_at=NOW - timedelta(days=40))
    client.force_login(owner_a)
    assert "Nothing was decided in this period." in client.get(URL, {"days": "30"}).content.decode()
    assert "Text in an image" in client.get(URL, {"days": "60"}).content.decode()


def test_the_page_reads_in_a_fixed_number_of_queries(client, reviewer, world, brand_b):
    client.force_login(reviewer)
    client.get(URL)  # sessions, groups: warm
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    asset = factories.IPAssetFactory(rights_holder=factories.RightsHolderFactory())
    for _ in range(5):
        alert_decided(asset, score=0.7, kinds=["image"], status=AlertStatus.CONFIRMED)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(few) == len(many)
