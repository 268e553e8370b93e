"""A refusal reads in the reader's language on a page, and in English over the API, from one raise."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from api.keys import api_key_create, scopes_offered_to
from portal.errors import TransitionError
from takedowns import appeals
from takedowns.models import FilingSuspension, Notice
from tests.api.conftest import PartnerClient
from tests.api.test_notices import body, line
from tests.screening.alert_world import alert_world
from tests.screening.test_alert_views import _confirm_post
from tests.takedowns.test_penalties import uphold


def test_an_appeal_filed_twice_is_refused_in_chinese_on_a_page_and_in_english_for_the_api(
    client, owner_a, brand_a, reviewer, store, merchant_user
):
    item = uphold(owner_a, brand_a, reviewer, store)
    appeals.appeal_file(item_id=item.pk, actor=merchant_user, statement="The goods are genuine.")
    with pytest.raises(TransitionError) as refused:
        appeals.appeal_file(item_id=item.pk, actor=merchant_user, statement="Again.")
    with translation.override("zh-hans"):
        assert str(refused.value) == "您已对此决定提出申诉。"
    with translation.override("en"):
        assert str(refused.value) == "You have already appealed this decision."
    assert refused.value.code == "duplicate"

    merchant_user.language = "zh-hans"
    merchant_user.save(update_fields=["language"])
    client.force_login(merchant_user)
    page = client.post(f"/takedowns/items/{item.pk}/appeal/", {"statement": "Again."})
    assert page.status_code == 409 and "您已对此决定提出申诉。" in page.content.decode()


def test_a_refusal_naming_a_state_names_it_in_the_readers_language(owner_a, brand_a, reviewer, store, merchant_user):
    from tests.takedowns.conftest import draft, file_notice

    receipt = file_notice(owner_a, brand_a, [draft(store.listings.first() or _listing(store), _asset(brand_a))])
    (item,) = receipt.accepted
    with pytest.raises(TransitionError) as refused:
        appeals.appeal_file(item_id=item.pk, actor=owner_a, statement="Why?")
    with translation.override("en"):
        assert "only a final decision can be appealed" in str(refused.value)
    with translation.override("zh-hans"):
        text = str(refused.value)
    assert "only a final decision" not in text and "待审核" in text


def _listing(store):
    from tests import factories

    return factories.ListingFactory(store=store)


def _asset(brand):
    from tests import factories

    return factories.IPAssetFactory(rights_holder=brand)


def test_a_suspended_filer_is_refused_in_chinese_on_a_page_and_in_english_by_the_api(client, db):
    w = alert_world()
    ends = timezone.now() + timedelta(days=30)
    FilingSuspension.objects.create(organisation=w.holder.organisation, ends_at=ends, reason="Unfounded notices")
    w.staff.language = "zh-hans"
    w.staff.save(update_fields=["language"])
    client.force_login(w.staff)
    page = client.post(reverse("screening:alert-confirm", args=[w.alert.pk]), _confirm_post(w))
    assert page.status_code == 400
    assert f"投诉资格暂停至 {ends:%Y-%m-%d %H:%M} UTC：Unfounded notices" in page.content.decode()

    organisation = w.holder.organisation
    _, secret = api_key_create(organisation=organisation, scopes=scopes_offered_to(organisation), name="key")
    partner = PartnerClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = partner.post(
        "/api/v1/notices/", body(line(w.listings[1], w.asset)), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert answer.status_code == 400, answer.content
    details = [error["detail"] for error in answer.json()["errors"]]
    assert details == [f"Filing is suspended until {ends:%Y-%m-%d %H:%M} UTC: Unfounded notices"]
    assert not Notice.objects.exists()
