"""A Good Faith refusal reads in the reader's language on a page, and in English wherever English is read."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from good_faith.audits import quality_audit_decide, quality_audit_maybe_select
from good_faith.models import QualityAuditStatus
from portal.errors import TransitionError
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories
from tests.takedowns.conftest import draft, file_notice


@pytest.fixture
def audit(settings, brand_a):
    """A fast-track takedown, filed by a vetting partner, drawn for a quality audit."""
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Small Brands Association")
    partner = Partner.objects.create(organisation=organisation, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    settings.GOOD_FAITH_AUDIT_PERCENT = 0  # no random draw while filing; the audit is made below
    asset = factories.IPAssetFactory(rights_holder=brand_a, name="ACME")
    (item,) = file_notice(
        factories.member_of(organisation), brand_a, [draft(factories.ListingFactory(), asset)], partner=partner
    ).accepted
    settings.GOOD_FAITH_AUDIT_PERCENT = 100
    return quality_audit_maybe_select(item, now=timezone.now())


def test_an_audit_decided_twice_is_refused_in_chinese_on_the_queue_and_in_english_when_read_in_english(
    client, reviewer, audit
):
    url = reverse("good_faith:audit-decide", args=[audit.pk])
    reviewer.language = "zh-hans"
    reviewer.save(update_fields=["language"])
    client.force_login(reviewer)
    assert client.post(url, {"decision": "confirm", "reason": "Right call."}).status_code == 302

    again = client.post(url, {"decision": "reverse", "reason": "Changed my mind."})
    assert again.status_code == 409
    prefix = f"条目 #{audit.item_id} 的抽检："
    (shown,) = [str(m) for m in get_messages(again.wsgi_request) if str(m).startswith(prefix)]
    assert "已作出决定" in shown and "already decided" not in shown
    assert "Takedown confirmed".lower() not in shown

    with pytest.raises(TransitionError) as refused:
        quality_audit_decide(audit_id=audit.pk, actor=reviewer, reverse=True, reason="Changed my mind.")
    with translation.override("en"):
        assert str(refused.value).startswith(
            f"The audit of item {audit.item_id} was already decided (takedown confirmed"
        )
    audit.refresh_from_db()
    assert audit.status == QualityAuditStatus.CONFIRMED
