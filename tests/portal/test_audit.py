import pytest
from django.db import connection, transaction
from django.db.utils import InternalError

from portal.audit import audit_log_record
from portal.context import RequestOrigin, reset_origin, set_origin
from portal.models import AuditLogEntry
from tests import factories
from tests.services import needs_postgres


@pytest.fixture
def entry(db):
    return audit_log_record(action="portal.test.recorded", data={"n": 1})


def test_entry_records_actor_object_and_origin(db):
    user = factories.UserFactory(username="alice")
    asset = factories.IPAssetFactory()
    token = set_origin(RequestOrigin(ip_address="203.0.113.7", user_agent="pytest-browser"))
    try:
        row = audit_log_record(action="rights_holders.asset.verified", actor=user, obj=asset)
    finally:
        reset_origin(token)
    row.refresh_from_db()
    assert (row.actor_label, row.action) == ("alice", "rights_holders.asset.verified")
    assert (row.object_type, row.object_id) == ("rights_holders.ipasset", str(asset.pk))
    assert (row.ip_address, row.user_agent) == ("203.0.113.7", "pytest-browser")


def test_request_origin_is_taken_from_the_request(client, owner_a):
    from django.urls import reverse

    client.force_login(owner_a)
    # The home page makes no audit entry; use the middleware directly through a view that records.
    from portal.middleware import RequestContextMiddleware

    seen = {}

    def view(request):
        from portal.context import current_origin

        seen["origin"] = current_origin()
        return None

    from django.test import RequestFactory

    request = RequestFactory().get(reverse("home"), REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Firefox")
    RequestContextMiddleware(view)(request)
    assert seen["origin"] == RequestOrigin(ip_address="198.51.100.4", user_agent="Firefox")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE portal_auditlogentry SET action = 'tampered'",
        "DELETE FROM portal_auditlogentry",
        "TRUNCATE portal_auditlogentry CASCADE",
    ],
)
def test_postgres_refuses_to_rewrite_the_audit_log(statement):
    needs_postgres()
    audit_log_record(action="portal.test.recorded")
    with pytest.raises(InternalError, match="pgtrigger: Cannot"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditLogEntry.objects.filter(action="portal.test.recorded").count() == 1


def test_orm_update_and_delete_are_refused_on_postgres(entry):
    needs_postgres()
    with pytest.raises(InternalError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(InternalError), transaction.atomic():
        AuditLogEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.action == "portal.test.recorded"
