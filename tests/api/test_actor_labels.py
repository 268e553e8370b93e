"""What an API key does is shown as the key of its organisation, never as its principal's internal username:
the item page (reviewer and the brand's people), the API's own timeline, the e-mail to the brand's people, the
admin's audit log and notice pages."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import AuditLogEntry
from takedowns.effects import item_effects_run
from takedowns.models import NoticeItem
from tests import factories
from tests.api.test_notices import file, line

LABEL = "API key \u201cVendor sync\u201d (Brand A)"


@pytest.fixture
def withdrawn(world, key_client, settings, django_capture_on_commit_callbacks):
    """An item filed, then withdrawn, by brand A's key "Vendor sync"; its effects (the e-mails) run."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    factories.member_of(world.brand.organisation, role="owner", email="owner@brand-a.test")
    client = key_client(world.brand.organisation, name="Vendor sync")
    (accepted,) = file(client, line(world.listings[0], world.asset)).json()["accepted"]
    with django_capture_on_commit_callbacks(execute=True):  # the e-mails go after commit
        response = client.post(f"/api/v1/items/{accepted['id']}/withdraw/", {"reason": "Settled."}, format="json")
        assert response.status_code == 200, response.content
        item = NoticeItem.objects.get(listing=world.listings[0])
        item_effects_run(item.pk)
    return item, response.json()


def test_the_item_page_names_the_key_for_the_reviewer_and_the_brand(withdrawn, world, reviewer, client):
    item, _ = withdrawn
    for viewer in (reviewer, factories.member_of(world.brand.organisation)):
        client.force_login(viewer)
        page = client.get(reverse("takedowns:item-detail", args=[item.pk])).content.decode()
        assert LABEL in page, viewer
        assert "api-key-" not in page


def test_the_api_timeline_names_the_key(withdrawn):
    _, body = withdrawn
    assert {event["by"] for event in body["events"] if event["action"] in ("submitted", "withdrawn")} == {LABEL}


def test_the_e_mail_to_the_brand_names_the_key(withdrawn):
    (message,) = [m for m in mail.outbox if "withdrawn" in m.subject]
    assert LABEL in message.body and "api-key-" not in message.body


def test_the_audit_log_and_the_admin_name_the_key(withdrawn, client):
    item, _ = withdrawn
    labels = set(AuditLogEntry.objects.filter(actor__is_api_principal=True).values_list("actor_label", flat=True))
    assert labels == {LABEL}
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    for url in (
        reverse("admin:portal_auditlogentry_changelist"),
        reverse("admin:takedowns_itemevent_changelist"),
        reverse("admin:takedowns_notice_change", args=[item.notice_id]),
    ):
        page = client.get(url).content.decode()
        assert LABEL in page, url
        assert "api-key-" not in page, url
