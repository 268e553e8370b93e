"""The Good Faith admin: staff read memberships, audits and misuse measures there; they move them elsewhere.

Memberships move through ``good_faith.membership`` (the staff pages' grant, revoke, lift, each
with a reason), audits through ``good_faith.audits``, misuse measures and their filing
suspensions through ``good_faith.misuse`` (statement of reasons, audit entry, notifications).
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from good_faith.models import Membership, MembershipStatus, MisuseMeasure, MisuseMeasureKind, MisuseMeasureStatus
from takedowns.models import FilingSuspension

pytestmark = pytest.mark.django_db

GOOD_FAITH_MODELS = sorted(apps.get_app_config("good_faith").get_models(), key=lambda m: m._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_good_faith_model_is_registered_and_read_only(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    for model in GOOD_FAITH_MODELS:
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request), model._meta.label
        assert not model_admin.has_add_permission(request), model._meta.label
        assert not model_admin.has_change_permission(request), model._meta.label
        assert not model_admin.has_delete_permission(request), model._meta.label


def test_a_suspension_measure_opens_in_the_admin_and_a_posted_lift_changes_nothing(admin_client, brand_a):
    now = timezone.now()
    suspension = FilingSuspension.objects.create(
        organisation=brand_a.organisation, ends_at=now + timedelta(days=30), reason="Five unfounded notices."
    )
    measure = MisuseMeasure.objects.create(
        organisation=brand_a.organisation,
        kind=MisuseMeasureKind.SUSPENSION,
        statement="Measure: ...",
        suspension=suspension,
    )

    response = admin_client.get(_url(MisuseMeasure, "change", measure.pk))
    assert response.status_code == 200
    assert "Measure: ..." in response.content.decode()
    posted = admin_client.post(_url(MisuseMeasure, "change", measure.pk), {"status": MisuseMeasureStatus.LIFTED})
    assert posted.status_code == 403
    measure.refresh_from_db()
    suspension.refresh_from_db()
    assert (measure.status, suspension.lifted_at) == (MisuseMeasureStatus.IN_FORCE, None)


def test_a_membership_status_posted_to_the_admin_changes_nothing(admin_client, brand_a):
    membership = Membership.objects.create(rights_holder=brand_a, status=MembershipStatus.NOT_MEMBER)

    assert admin_client.get(_url(Membership, "change", membership.pk)).status_code == 200
    posted = admin_client.post(_url(Membership, "change", membership.pk), {"status": MembershipStatus.MEMBER})
    assert posted.status_code == 403
    assert admin_client.get(_url(Membership, "add")).status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.NOT_MEMBER
