"""What every signed-in page pays before its own content: the session, the user, the second factor, and the
top bar's facts. Pinned, so that no frame query creeps back (issue 12, speed)."""

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.roles import PlatformRole, user_is_platform_staff, user_is_senior_reviewer
from tests import factories


def _frame_queries(client, path):
    client.get(path)  # anything made once per process (templates, URL patterns) is made by now
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_a_brand_owners_help_page_costs_six_queries(client, owner_a):
    client.force_login(owner_a)
    queries = _frame_queries(client, reverse("help:index"))
    # The session; the user with their platform roles and unread count; their authenticator (the second
    # factor); their memberships; their brands (the top bar's role and switcher, shared with scoping);
    # their brands' open alerts (the nav).
    assert len(queries) == 6, "\n".join(queries)


def test_a_reviewers_help_page_costs_three_queries(client, reviewer):
    client.force_login(reviewer)
    queries = _frame_queries(client, reverse("help:index"))
    # The session; the user with their platform roles and unread count; their authenticator.
    assert len(queries) == 3, "\n".join(queries)
    assert not any("auth_group" in sql and "portal_user_groups" in sql and "portal_user" not in sql for sql in queries)


def test_the_session_user_arrives_with_the_platform_roles_it_holds(client, db):
    senior = factories.UserFactory()
    senior.groups.add(Group.objects.get(name=PlatformRole.SENIOR_REVIEWER))
    client.force_login(senior)
    response = client.get(reverse("help:index"))
    user = response.wsgi_request.user
    assert user._platform_group_names == frozenset({PlatformRole.SENIOR_REVIEWER})
    assert user_is_platform_staff(user) and user_is_senior_reviewer(user)
    assert "Senior reviewer" in response.content.decode()


def test_a_role_taken_away_is_gone_at_the_next_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("takedowns:review-queue")).status_code == 200
    reviewer.groups.clear()
    assert client.get(reverse("takedowns:review-queue")).status_code in (403, 404)


def _menu(client, user):
    client.force_login(user)
    html = client.get(reverse("help:index")).content.decode()
    start = html.index('<nav aria-label="', html.index('<details class="nav-menu">'))
    return html[start : html.index("</nav>", start)]


def test_each_kind_of_user_sees_its_own_menu_though_the_links_are_made_once_per_process(client, owner_a, reviewer):
    # The menu's links are kept per (language, staff, brand side) (portal/templatetags/portal_frame.py):
    # one kind's menu must never be shown to another.
    merchant = factories.member_of(factories.MerchantFactory().organisation)
    for _round in range(2):
        brand_menu = _menu(client, owner_a)
        assert "File a notice" in brand_menu and "Review queue" not in brand_menu and "Alerts" in brand_menu
        staff_menu = _menu(client, reviewer)
        assert "Review queue" in staff_menu and "File a notice" not in staff_menu and "Alerts" not in staff_menu
        merchant_menu = _menu(client, merchant)
        assert "Review queue" not in merchant_menu and "File a notice" not in merchant_menu
        assert "Good Faith" not in merchant_menu and "Notices" in merchant_menu


def test_the_menu_is_in_each_readers_language(client, owner_a, user_b):
    user_b.language = "zh-hans"
    user_b.save(update_fields=["language"])
    owner_a.language = "en"  # else the Chinese page's language cookie would carry over to this client
    owner_a.save(update_fields=["language"])
    assert "File a notice" in _menu(client, owner_a)
    chinese = _menu(client, user_b)
    assert "File a notice" not in chinese and "帮助" in chinese
    assert "File a notice" in _menu(client, owner_a)


def test_the_menu_shows_each_brands_own_open_alerts(client, owner_a, user_b, brand_a):
    # The count stays outside the links kept per process.
    from tests.screening.alert_world import alert_made

    alert_made(brand_a, factories.IPAssetFactory(rights_holder=brand_a), factories.ListingFactory())
    assert 'aria-label="1 open"' in _menu(client, owner_a)
    assert 'aria-label="1 open"' not in _menu(client, user_b)
    assert 'aria-label="1 open"' in _menu(client, owner_a)


def test_a_session_whose_authenticator_is_gone_or_unconfirmed_is_not_verified(client, reviewer):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(reviewer)
    queue = reverse("takedowns:review-queue")
    assert client.get(queue).status_code == 200
    device = TOTPDevice.objects.get(user=reviewer)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    assert client.get(queue).status_code == 302  # to the second factor
    client.force_login(reviewer)
    TOTPDevice.objects.filter(user=reviewer).delete()
    response = client.get(queue)
    assert response.status_code == 302 and response.wsgi_request.user.otp_device is None


def test_another_users_authenticator_in_the_session_verifies_nothing(client, reviewer, owner_a):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    theirs = TOTPDevice.objects.create(user=owner_a, name="theirs", confirmed=True)
    client.force_login(reviewer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = theirs.persistent_id
    session.save()
    response = client.get(reverse("takedowns:review-queue"))
    assert response.status_code == 302 and response.wsgi_request.user.otp_device is None


def test_the_session_authenticator_is_the_devices_own_row(client, reviewer):
    client.force_login(reviewer)
    user = client.get(reverse("help:index")).wsgi_request.user
    assert user.is_verified() and user.otp_device.user_id == reviewer.pk and user.otp_device.confirmed
    assert user.otp_device.created_at is not None and not isinstance(user.otp_device.created_at, str)


def test_the_open_alerts_badge_counts_one_brands_or_several_brands_open_alerts(owner_a, brand_a, brand_b):
    # One brand: the compiled statement; several: the ORM's count over the ids. Both the same rule.
    from screening.models import AlertStatus, ScreeningAlert
    from screening.selectors import open_alert_count
    from tests.screening.alert_world import alert_made

    for brand, n in ((brand_a, 2), (brand_b, 3)):
        asset = factories.IPAssetFactory(rights_holder=brand)
        for _ in range(n):
            alert_made(brand, asset, factories.ListingFactory())
    dismissed = ScreeningAlert.objects.filter(rights_holder=brand_a).first()
    ScreeningAlert.objects.filter(pk=dismissed.pk).update(status=AlertStatus.DISMISSED)
    open_a = 1
    assert open_alert_count(owner_a) == open_a
    owner_a._rights_holder_ids = frozenset({brand_a.pk, brand_b.pk})  # as an agent firm's lawyer's brands
    owner_a.__dict__.pop("_open_alerts", None)
    assert open_alert_count(owner_a) == open_a + 3
    owner_a._rights_holder_ids = frozenset({factories.RightsHolderFactory().pk})  # a brand with none open
    assert open_alert_count(owner_a) == 0
