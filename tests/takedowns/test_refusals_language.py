"""A refusal reads in the reader's language on a page, and in English over the API, from one raise."""

import pytest
from django.utils import translation

from portal.errors import TransitionError
from takedowns import appeals
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
