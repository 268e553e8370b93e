"""Every outermost verb commits on its own (STYLE.md habit 17): called inside a caller's transaction it refuses.

A verb that views, tasks, the admin or the beat call directly owns its
transaction with ``transaction.atomic(durable=True)``, so a caller's
transaction can never swallow it by mistake (and roll its decision back, or
hold its locks, long after it said it was done). Django lets durable blocks
nest in a test case's own transaction only; inside any other ``atomic`` block
the verb raises before it reads or writes anything. The steps that verbs call
inside their own transaction (``notice_item_route``, ``misuse_evaluate``,
``listings_status_sync``, the filer's receipt ``notice_receipt_write``, the effect
handlers) are not listed: they must nest.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from api.webhooks import delivery as webhook_delivery
from api.webhooks import secret_storage
from api.webhooks import subscriptions as webhooks
from good_faith import membership
from good_faith.audits import quality_audit_decide
from good_faith.misuse import misuse_appeal_decide, misuse_measure_appeal
from listings import services as listings
from listings.models import StoreStatus
from rights_holders import services as rights_holders
from rights_holders import verification
from screening.alerts import alert_confirm, alert_dismiss
from screening.intel import counterfeits, keywords, sellers
from takedowns import effects, lifecycle, sweep
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.penalties.stores import store_restrictions_lift
from tests import factories
from tests.rights_holders.test_services import PDF
from tests.screening.imaging import encoded, product_image
from tests.takedowns.conftest import draft, file_notice


@pytest.fixture
def world(db, brand_a, owner_a):
    senior = factories.UserFactory()
    senior.groups.add(Group.objects.get(name="senior_reviewer"))
    asset = factories.IPAssetFactory(rights_holder=brand_a)
    store = factories.StoreFactory()
    return {"holder": brand_a, "owner": owner_a, "senior": senior, "asset": asset, "store": store}


def _due_item(w):
    """An accepted item whose counter-notice window has closed: the sweep has one to move."""
    (item,) = file_notice(
        w["owner"], w["holder"], [draft(factories.ListingFactory(store=w["store"]), w["asset"])]
    ).accepted
    lifecycle.notice_item_accept(item_id=item.pk, actor=w["senior"])
    item.refresh_from_db()
    return item.counter_notice_deadline + timedelta(minutes=1)


def _restriction_due(w):
    w["store"].status, w["store"].restricted_until = StoreStatus.RESTRICTED, timezone.now() - timedelta(minutes=1)
    w["store"].save(update_fields=["status", "restricted_until"])


VERBS = {
    "misuse_measure_appeal": lambda w: misuse_measure_appeal(measure_id=0, actor=w["owner"], statement="Fakes."),
    "misuse_appeal_decide": lambda w: misuse_appeal_decide(measure_id=0, actor=w["senior"], lift=True, reason="x"),
    "deadline_batch_sweep": lambda w: sweep.deadline_batch_sweep(sweep.DEADLINES[0], now=_due_item(w), batch_size=10),
    "store_restrictions_lift": lambda w: (_restriction_due(w), store_restrictions_lift()),
    "effect_run": lambda w: effects.effect_run(0),
    "effect_retry": lambda w: effects.effect_retry(effect_id=0, actor=w["senior"]),
    "memberships_evaluate": lambda w: membership.memberships_evaluate(),
    "membership_grant": lambda w: membership.membership_grant(
        rights_holder_id=w["holder"].pk, actor=w["senior"], reason="Trusted"
    ),
    "membership_revoke": lambda w: membership.membership_revoke(
        rights_holder_id=w["holder"].pk, actor=w["senior"], reason="Complaints"
    ),
    "membership_override_lift": lambda w: membership.membership_override_lift(
        membership_id=0, actor=w["senior"], reason="Done"
    ),
    "quality_audit_decide": lambda w: quality_audit_decide(audit_id=0, actor=w["senior"], reverse=False, reason="x"),
    "appeal_file": lambda w: appeal_file(item_id=0, actor=w["owner"], statement="Wrong."),
    "appeal_decide": lambda w: appeal_decide(appeal_id=0, actor=w["senior"], reverse=False, reason="x"),
    "notice_item_accept": lambda w: lifecycle.notice_item_accept(item_id=0, actor=w["senior"]),
    "ip_asset_reject": lambda w: verification.ip_asset_reject(asset_id=w["asset"].pk, actor=w["senior"], reason="x"),
    "ip_assets_expire": lambda w: (
        type(w["asset"]).objects.filter(pk=w["asset"].pk).update(expires_on=timezone.now().date() - timedelta(days=1)),
        verification.ip_assets_expire(),
    ),
    "ip_asset_register": lambda w: rights_holders.ip_asset_register(
        rights_holder=w["holder"],
        fields={"kind": "trademark", "name": "ACME", "registration_number": "EU-1", "office": "EUIPO"},
        proof_file=SimpleUploadedFile("proof.pdf", PDF),
        actor=w["owner"],
    ),
    "ip_asset_proof_add": lambda w: rights_holders.ip_asset_proof_add(
        asset=w["asset"], uploaded_file=SimpleUploadedFile("proof.pdf", PDF), actor=w["owner"]
    ),
    "merchant_register": lambda w: listings.merchant_register(
        legal_name="Durable Trading Ltd",
        business_licence_number="BL-DURABLE-1",
        contact_phone="+49 30 1234 5678",
        store_name="Durable Store",
        payout_account="DE00123456780000",
        region="Berlin",
        city="Berlin",
    ),
    "webhook_subscription_create": lambda w: webhooks.webhook_subscription_create(
        organisation=w["holder"].organisation, url="https://93.184.216.34/hook", event_types=["*"], actor=w["owner"]
    ),
    "webhook_subscription_update": lambda w: webhooks.webhook_subscription_update(subscription_id=0, actor=w["owner"]),
    "webhook_subscription_delete": lambda w: webhooks.webhook_subscription_delete(subscription_id=0, actor=w["owner"]),
    "webhook_secret_rotate": lambda w: webhooks.webhook_secret_rotate(subscription_id=0, actor=w["owner"]),
    "webhook_test_send": lambda w: webhooks.webhook_test_send(subscription_id=0, actor=w["owner"]),
    "webhook_redeliver": lambda w: webhooks.webhook_redeliver(delivery_id=0, actor=w["owner"]),
    "webhook_delivery_claim": lambda w: webhook_delivery.delivery_claim(),
    "webhook_secrets_reencrypt": lambda w: secret_storage.webhook_secrets_reencrypt(),
    "alert_confirm": lambda w: alert_confirm(alert_id=0, actor=w["owner"], data={}),
    "alert_dismiss": lambda w: alert_dismiss(alert_id=0, actor=w["owner"], reason="genuine_goods"),
    "asset_keywords_add": lambda w: keywords.asset_keywords_add(
        asset_id=w["asset"].pk, texts=["Hyperion"], actor=w["owner"]
    ),
    "extra_keyword_remove": lambda w: keywords.extra_keyword_remove(keyword_id=0, actor=w["owner"]),
    "seller_report": lambda w: sellers.seller_report(
        rights_holder_id=w["holder"].pk, identifiers={"phone": "+49 30 1234 5678"}, actor=w["owner"]
    ),
    "seller_report_remove": lambda w: sellers.seller_report_remove(report_id=0, actor=w["owner"]),
    "counterfeit_images_upload": lambda w: counterfeits.counterfeit_images_upload(
        rights_holder_id=w["holder"].pk,
        files=[SimpleUploadedFile("fake.png", encoded(product_image(1)))],
        actor=w["owner"],
    ),
    "counterfeit_image_remove": lambda w: counterfeits.counterfeit_image_remove(image_id=0, actor=w["owner"]),
}


@pytest.mark.parametrize("verb", VERBS)
def test_an_outermost_verb_refuses_to_run_inside_a_callers_transaction(world, verb):
    call = VERBS[verb]
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        call(world)
