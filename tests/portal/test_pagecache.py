"""Shared page fragments (portal.pagecache): the data version the database raises at each committed write, and
fragments shared by everyone who asks the same, never stale, never one person's."""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal import pagecache
from portal.audit import audit_log_record
from portal.models import Membership
from rights_holders.models import AssetVerificationClaim
from takedowns.models import CannedReason, Notification
from tests import factories
from tests.services import needs_postgres

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres():
    needs_postgres()


def _version(topic=pagecache.DATA, alias="default"):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT epoch, n FROM portal_dataversion WHERE id = %s", [topic])
        return cursor.fetchone()


def _touch():
    """A write to a tracked table that changes nothing a page shows."""
    CannedReason.objects.filter(pk=-1).update(text="never")


def test_every_table_but_the_untracked_apps_raises_the_version():
    """A table nobody tracked would leave a fragment stale: every table in the schema has the trigger, but the
    untracked apps' (sessions, sign-in throttling, second factors, the API's keys and deliveries), the
    version's own and Django's migration record."""
    untracked = (
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in pagecache.UNTRACKED_APPS
            or model._meta.label_lower in pagecache.UNTRACKED_MODELS
        }
        | pagecache.UNTRACKED_TABLES
        | {"django_migrations"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            ["portal_data_changed"],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert "takedowns_noticeitem" in triggered and "portal_user" in triggered
    assert tables - untracked - triggered == set()
    assert triggered & untracked == set()
    assert "takedowns_notification" in untracked


def test_a_claim_raises_the_claims_part_alone_and_the_audit_log_neither():
    """A reviewer opening work claims it (a claim row and its audit entry): the queue's part of the version
    moves, the data's (every other page's) does not."""
    asset = factories.IPAssetFactory()
    reviewer = factories.UserFactory()
    data, claims = _version(), _version(pagecache.CLAIMS)
    claim = AssetVerificationClaim.objects.create(
        asset=asset, reviewer=reviewer, expires_at=timezone.now() + timedelta(minutes=15)
    )
    audit_log_record(action="test.claim", actor=reviewer, obj=asset)
    assert _version() == data
    after = _version(pagecache.CLAIMS)
    assert after is not None and after != claims
    with transaction.atomic():  # both parts in one transaction: each raised once
        claim.delete()
        _touch()
    assert _version() == (data[0], data[1] + 1)
    assert _version(pagecache.CLAIMS) == (after[0], after[1] + 1)


def test_a_sign_in_or_a_notification_read_keeps_every_page_but_a_change_to_a_user_does_not():
    """Reading one's notifications and signing in write rows no shared page shows: the pages stay shared."""
    user = factories.UserFactory(password="a-long-password-2026", language="en")  # the first sign-in keeps it
    notification = Notification.objects.create(recipient=user, source="test:1", subject="s", body="b")
    epoch, n = _version()
    answer = Client().post(reverse("login"), {"username": user.username, "password": "a-long-password-2026"})
    assert answer.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None  # the sign-in wrote it
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    assert _version() == (epoch, n)
    user.first_name = "Renamed"
    user.save(update_fields=["first_name", "last_login"])  # last_login among others: the name moves it
    assert _version() == (epoch, n + 1)
    # A notification alone moves nothing: it is made with the event it tells of, which does.
    Notification.objects.create(recipient=user, source="test:2", subject="s", body="b")
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    assert _version() == (epoch, n + 1)


def test_a_transaction_raises_the_version_once_and_only_when_it_commits():
    epoch, n = _version()
    with transaction.atomic():
        _touch()
        factories.UserFactory()
        CannedReason.objects.filter(pk=-2).update(text="never")
        assert _version() == (epoch, n)  # not before the commit, even to itself
    assert _version() == (epoch, n + 1)

    with pytest.raises(ValueError), transaction.atomic():
        _touch()
        raise ValueError
    assert _version() == (epoch, n + 1)  # rolled back: nothing changed

    with transaction.atomic():
        with pytest.raises(ValueError), transaction.atomic():  # a savepoint rolled back takes its mark along
            _touch()
            raise ValueError
        _touch()
    assert _version() == (epoch, n + 2)


def test_every_way_of_writing_raises_it_and_an_untracked_write_does_not():
    epoch, n = _version()
    with connection.cursor() as cursor:  # raw SQL: nothing in the code has to remember
        cursor.execute("UPDATE takedowns_cannedreason SET text = text WHERE id = -1")
    assert _version() == (epoch, n + 1)
    CannedReason.objects.bulk_create([CannedReason(outcome="rejected", title="pagecache test", text="x")])
    assert _version() == (epoch, n + 2)
    CannedReason.objects.filter(title="pagecache test").delete()
    assert _version() == (epoch, n + 3)
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1))
    assert _version() == (epoch, n + 3)  # a session saved on every request moves nothing


def test_the_new_version_is_seen_exactly_when_the_data_is():
    """Another connection reads the old version while the writer's transaction is open, and the new one with
    the new row once it has committed: a reader never sees the new version without the data."""
    epoch, n = _version()
    written, go_on, done = threading.Event(), threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                factories.UserFactory(username="pagecache-writer")
                written.set()
                assert go_on.wait(60)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(60)
    assert _version() == (epoch, n)
    assert not apps.get_model("portal", "User").objects.filter(username="pagecache-writer").exists()
    go_on.set()
    assert done.wait(60)
    thread.join(60)
    assert _version() == (epoch, n + 1)
    assert apps.get_model("portal", "User").objects.filter(username="pagecache-writer").exists()


def test_concurrent_writers_each_raise_it_and_none_waits_for_another_s_work():
    """8 threads committing 10 transactions each: 80 raises, none lost, no deadlock (the version row is
    locked only while each commits)."""
    epoch, n = _version()
    errors = []

    def writer():
        try:
            for _ in range(10):
                with transaction.atomic():
                    _touch()
                    factories.UserFactory()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert _version() == (epoch, n + 80)


def _request(version="e.1", method="GET"):
    version = f"{version}|c.1"  # the data's part, the claims'
    return SimpleNamespace(method=method, user=SimpleNamespace(frame_data_version=version), META={}, COOKIES={})


def test_a_fragment_is_built_once_then_shared_until_its_time_is_up(monkeypatch):
    builds = []
    now = timezone.now()

    def build():
        builds.append(1)
        return pagecache.Fragment(f"<p>{len(builds)}</p>", now + timedelta(seconds=30), {"n": len(builds)})

    request = _request(version=f"t{now.timestamp()}.1")
    assert pagecache.shared_fragment(request, "t", ("a",), build)[1:] == ({"n": 1}, False)
    assert pagecache.shared_fragment(request, "t", ("a",), build)[1:] == ({"n": 1}, True)
    assert pagecache.shared_fragment(request, "t", ("b",), build)[1:] == ({"n": 2}, False)  # other parts
    other_version = _request(version=f"t{now.timestamp()}.2")
    assert pagecache.shared_fragment(other_version, "t", ("a",), build)[1:] == ({"n": 3}, False)
    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(seconds=31))
    assert pagecache.shared_fragment(request, "t", ("a",), build)[1:] == ({"n": 4}, False)  # its time is up


def test_nothing_is_shared_in_a_transaction_for_a_post_or_for_a_private_viewer():
    builds = []
    now = timezone.now()

    def build():
        builds.append(1)
        return pagecache.Fragment("<p></p>", now + timedelta(seconds=30), {"holders": {7}})

    key = f"p{now.timestamp()}.1"
    with transaction.atomic():
        assert pagecache.shared_fragment(_request(key), "p", (), build)[2] is False
        assert pagecache.shared_fragment(_request(key), "p", (), build)[2] is False
    assert pagecache.shared_fragment(_request(key, method="POST"), "p", (), build)[2] is False
    assert pagecache.shared_fragment(_request(key, method="POST"), "p", (), build)[2] is False
    private = {"private": lambda meta: 7 in meta["holders"]}
    assert pagecache.shared_fragment(_request(key), "p", (), build, **private)[2] is False
    assert pagecache.shared_fragment(_request(key), "p", (), build, **private)[2] is False
    assert len(builds) == 6  # nothing was kept for any of them
    assert pagecache.shared_fragment(_request(key), "p", (), build)[2] is False
    assert pagecache.shared_fragment(_request(key), "p", (), build)[2] is True


def test_the_setting_turns_sharing_off(settings):
    builds = []
    now = timezone.now()

    def build():
        builds.append(1)
        return pagecache.Fragment("<p></p>", now + timedelta(seconds=30))

    settings.PAGE_FRAGMENTS_SHARED = False
    key = f"s{now.timestamp()}.1"
    assert [pagecache.shared_fragment(_request(key), "s", (), build)[2] for _ in range(3)] == [False] * 3
    assert len(builds) == 3
    settings.PAGE_FRAGMENTS_SHARED = True
    assert [pagecache.shared_fragment(_request(key), "s", (), build)[2] for _ in range(2)] == [False, True]


def test_the_frame_s_facts_kept_per_version_follow_every_committed_write():
    """A brand owner's memberships, brands and open alerts are kept per data version between their pages
    (``version_memo``): another page, with nothing written, reads none of them again; a membership added or
    an alert closed by someone else shows on the very next page."""
    from screening.models import AlertStatus, ScreeningAlert
    from tests.screening.alert_world import alert_made

    holder = factories.RightsHolderFactory(legal_name="Kept Brand")
    asset = factories.IPAssetFactory(rights_holder=holder, name="KEPT")
    owner = factories.member_of(holder.organisation, role="owner")
    alert = alert_made(holder, asset, factories.ListingFactory())
    client = Client()
    client.force_login(owner)
    help_page = reverse("help:index")
    first = client.get(help_page).content.decode()
    assert "Kept Brand" in first and 'aria-label="1 open"' in first
    with CaptureQueriesContext(connection) as kept:
        assert client.get(help_page).status_code == 200
    tables = " ".join(query["sql"] for query in kept.captured_queries)
    assert "portal_membership" not in tables and "screening_screeningalert" not in tables
    assert "rights_holders_rightsholder" not in tables

    second = factories.RightsHolderFactory(legal_name="Second Brand")
    Membership.objects.create(user=owner, organisation=second.organisation, role="staff")
    ScreeningAlert.objects.filter(pk=alert.pk).update(status=AlertStatus.DISMISSED)
    page = client.get(help_page).content.decode()
    assert "and 1 more" in page or "Second Brand" in page
    assert 'aria-label="1 open"' not in page


def test_migrated_back_before_the_parts_every_write_still_raises_the_version_and_forward_again_each_its_own():
    asset, reviewer = factories.IPAssetFactory(), factories.UserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("portal", "0007_data_version")])
    try:
        data = _version()
        _touch()
        with connection.cursor() as cursor:  # a claim, in the schema of then
            cursor.execute(
                "INSERT INTO rights_holders_assetverificationclaim (asset_id, reviewer_id, claimed_at, expires_at) "
                "VALUES (%s, %s, now(), now())",
                [asset.pk, reviewer.pk],
            )
        assert _version() == (data[0], data[1] + 2)  # one part, every write
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    data, claims = _version(), _version(pagecache.CLAIMS)
    AssetVerificationClaim.objects.filter(asset=asset).delete()
    assert _version() == data
    assert _version(pagecache.CLAIMS) != claims
    _touch()
    assert _version() == (data[0], data[1] + 1)
