"""The rights holders' refusals and the asset form read in the reader's language on a page, in English over the API."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from api.keys import api_key_create, scopes_offered_to
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.models import VerificationStatus
from rights_holders.verification import VerificationError, ip_asset_verify
from takedowns.models import Notice
from tests import factories
from tests.api.conftest import PartnerClient
from tests.api.test_notices import body, line


def _reads_chinese(user):
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return user


def test_an_expired_right_is_refused_in_chinese_on_the_reviewers_page_and_in_english_when_read_in_english(
    client, reviewer, brand_a
):
    asset = factories.IPAssetFactory(
        rights_holder=brand_a, verification_status=VerificationStatus.PENDING, expires_on=date(2020, 1, 31)
    )
    client.force_login(_reads_chinese(reviewer))
    page = client.post(reverse("rights:asset-decide", args=[asset.pk]), {"decision": "verify"}, follow=True)
    html = page.content.decode()
    assert "该注册已于 2020-01-31 到期；已过期的权利无法通过验证。" in html
    assert "an expired right cannot be verified" not in html

    with pytest.raises(VerificationError) as refused:
        ip_asset_verify(asset_id=asset.pk, actor=reviewer)
    with translation.override("en"):
        assert str(refused.value) == "The registration expired on 2020-01-31; an expired right cannot be verified."
    asset.refresh_from_db()
    assert asset.verification_status == VerificationStatus.PENDING


def test_the_asset_registration_form_names_and_explains_its_fields_in_chinese(client, owner_a):
    client.force_login(_reads_chinese(owner_a))
    html = client.get(reverse("rights:asset-create")).content.decode()
    for chinese in (
        "注册号",
        "商标、作品名称、外观设计或发明。",
        "注册机构或法域，例如 EUIPO、USPTO、CNIPA。",
        "参考价格币种",
    ):
        assert chinese in html
    for english in ("Registration number", "The mark, the work", "Registering office", "Reference currency"):
        assert english not in html


def test_an_agent_without_a_letter_is_refused_in_english_by_the_api_whatever_language_is_asked(brand_a, db):
    agent = factories.OrganisationFactory(kind=OrganisationKind.AGENT, name="Other Firm")
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    listing = factories.ListingFactory()
    _, secret = api_key_create(organisation=agent, scopes=scopes_offered_to(agent), name="key")
    partner = PartnerClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    answer = partner.post(
        "/api/v1/notices/",
        body(line(listing, asset), rights_holder=public_ids.encode("rhd", brand_a.public_id)),
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 403, answer.content
    assert answer.json()["detail"] == (
        "Other Firm holds no valid letter of authorisation for Brand A; it cannot act for this rights holder."
    )
    assert not Notice.objects.exists()
