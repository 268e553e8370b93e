"""Two-factor sign-in (portal/two_factor/): staff set up an authenticator and enter its code before any page works.

Every test here signs in with ``unverified_sessions``: the suite's other sessions have passed the second factor.
"""

import re
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.keys import api_key_create, scopes_offered_to
from portal.admin_site import PortalAdminSite
from portal.models import AuditLogEntry
from portal.two_factor.devices import (
    authenticator_of,
    authenticator_provision,
    backup_codes_renew,
    current_code,
    sign_in_code_check,
)
from tests import factories
from tests.holding import holding
from tests.racing import Worker, a_backend_waits_on_a_lock
from tests.services import needs_postgres, session_second_factor_pass

pytestmark = pytest.mark.usefixtures("unverified_sessions")


def _staff(group="reviewer", **kwargs):
    user = factories.UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group))
    return user


def _code_at(device, when):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = when.timestamp()
    return f"{totp.token():0{device.digits}d}"


def _setup_device(client, next_url="/"):
    """Open the set-up page; the unconfirmed device it shows."""
    page = client.get(reverse("two-factor-setup"), {"next": next_url})
    assert page.status_code == 200
    return TOTPDevice.objects.get(user=page.wsgi_request.user, confirmed=False)


def _backup_codes(response):
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


def test_staff_are_sent_to_set_up_before_any_page_and_confirm_with_a_first_code(client, db):
    reviewer = _staff()
    client.force_login(reviewer)
    queue = reverse("takedowns:review-queue")
    response = client.get(queue)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two-factor-setup')}?next={queue.replace('/', '%2F')}"
    for blocked in (reverse("home"), reverse("account"), reverse("takedowns:notice-list"), "/admin/"):
        assert client.get(blocked)["Location"].startswith(reverse("two-factor-setup")), blocked

    page = client.get(response["Location"])
    text = page.content.decode()
    assert '<svg class="qr" role="img"' in text, "the QR code is drawn in the page"
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    secret = re.search(r'<code class="secret"[^>]*>([A-Z2-7 ]+)</code>', text).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert client.get(response["Location"]).status_code == 200
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1, "a second visit shows the same key"

    confirmed = client.post(reverse("two-factor-setup"), {"code": current_code(device), "next": queue})
    assert confirmed.status_code == 200
    codes = _backup_codes(confirmed)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert f'href="{queue}"' in confirmed.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert AuditLogEntry.objects.filter(action="portal.user.two_factor_enabled", actor=reviewer).count() == 1
    assert client.get(queue).status_code == 200, "the session is verified"
    # Shown once: the account page says how many are left, never which.
    account = client.get(reverse("account")).content.decode()
    assert "10 backup codes left" in account and codes[0] not in account


def test_a_wrong_first_code_is_refused_by_its_field_and_nothing_is_turned_on(client, db):
    client.force_login(_staff())
    device = _setup_device(client)
    response = client.post(reverse("two-factor-setup"), {"code": "000000" if current_code(device) != "000000" else "1"})
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    page = response.content.decode()
    assert 'id="field-code"' in page and "That code is not right" in page
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditLogEntry.objects.filter(action="portal.user.two_factor_enabled").exists()
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-setup"))


def test_after_the_password_staff_enter_a_code_and_reach_the_page_they_asked_for(client, db):
    reviewer = _staff()
    device = authenticator_provision(user=reviewer)
    client.post(reverse("login"), {"username": reviewer.username, "password": factories.PASSWORD})
    queue = reverse("takedowns:review-queue")
    response = client.get(queue)
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert client.get(response["Location"]).status_code == 200
    done = client.post(reverse("two-factor-verify"), {"code": current_code(device), "next": queue})
    assert done.status_code == 302 and done["Location"] == queue
    assert client.get(queue).status_code == 200


def test_a_verified_session_is_not_sent_to_another_site(client, db):
    reviewer = _staff()
    device = authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    done = client.post(reverse("two-factor-verify"), {"code": current_code(device), "next": "https://evil.example/"})
    assert done["Location"] == reverse("home")


def test_wrong_codes_are_refused_and_the_next_try_waits(client, db):
    reviewer = _staff()
    device = authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        wrong_code = "123456" if _code_at(device, start) != "123456" else "654321"
        wrong = client.post(reverse("two-factor-verify"), {"code": wrong_code})
        assert wrong.status_code == 200
        assert "That code is not right" in wrong.content.decode()
        assert 'id="field-code"' in wrong.content.decode()
        # Even the right code is not looked at until the wait is over.
        early = client.post(reverse("two-factor-verify"), {"code": _code_at(device, start)})
        assert early.status_code == 200 and "Too many wrong codes: this one was not checked" in early.content.decode()
    later = start + timedelta(seconds=31)
    with time_machine.travel(later, tick=False):
        done = client.post(reverse("two-factor-verify"), {"code": _code_at(device, later)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_the_wait_doubles_with_each_wrong_code(client, db):
    reviewer = _staff()
    device = authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    now = timezone.now()
    for attempt in range(4):
        with time_machine.travel(now, tick=False):
            client.post(reverse("two-factor-verify"), {"code": "999999" if _code_at(device, now) != "999999" else "1"})
        if attempt < 3:
            now += timedelta(seconds=2**attempt + 1)  # past the wait of 1, 2, 4 seconds
    device.refresh_from_db()
    assert device.throttling_failure_count == 4
    now += timedelta(seconds=1)
    with time_machine.travel(now, tick=False):
        page = client.post(reverse("two-factor-verify"), {"code": _code_at(device, now)}).content.decode()
    assert "Wait 7 seconds" in page, page


def test_a_backup_code_signs_in_once(client, db):
    reviewer = _staff()
    client.force_login(reviewer)
    device = _setup_device(client)
    codes = _backup_codes(client.post(reverse("two-factor-setup"), {"code": current_code(device)}))
    client.post(reverse("logout"))

    client.force_login(reviewer)
    done = client.post(reverse("two-factor-verify"), {"code": codes[0].upper()})
    assert done.status_code == 302
    assert client.get(reverse("takedowns:review-queue")).status_code == 200
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9
    assert AuditLogEntry.objects.filter(action="portal.user.backup_code_used", actor=reviewer).count() == 1
    client.post(reverse("logout"))

    client.force_login(reviewer)
    again = client.post(reverse("two-factor-verify"), {"code": codes[0]})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert client.get(reverse("takedowns:review-queue")).status_code == 302


def test_new_backup_codes_replace_the_old(client, db):
    reviewer = _staff()
    client.force_login(reviewer)
    device = _setup_device(client)
    old = _backup_codes(client.post(reverse("two-factor-setup"), {"code": current_code(device)}))
    new = _backup_codes(client.post(reverse("two-factor-backup-codes")))
    assert len(new) == 10 and not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True)) == set(new)
    assert AuditLogEntry.objects.filter(action="portal.user.backup_codes_renewed").count() == 1


def test_the_password_alone_cannot_swap_the_authenticator(client, db):
    reviewer = _staff()
    authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    response = client.get(reverse("two-factor-setup"))
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert not TOTPDevice.objects.filter(user=reviewer, confirmed=False).exists()


def test_the_admin_requires_a_verified_session_of_staff(client, settings, db):
    admin_user = factories.UserFactory(is_staff=True, is_superuser=True)
    device = authenticator_provision(user=admin_user)
    client.force_login(admin_user)
    assert client.get("/admin/")["Location"].startswith(reverse("two-factor-verify"))
    # The site itself says no to an unverified session too (not only the middleware).
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert not PortalAdminSite().has_permission(request)
    admin_user.is_verified = lambda: True
    assert PortalAdminSite().has_permission(request)
    settings.PORTAL_REQUIRE_2FA_FOR_STAFF = False
    admin_user.is_verified = lambda: False
    assert PortalAdminSite().has_permission(request)
    settings.PORTAL_REQUIRE_2FA_FOR_STAFF = True

    client.post(reverse("two-factor-verify"), {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_api_answers_an_unverified_staff_session_403_two_factor_required(client, brand_a):
    reviewer = _staff()
    authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "two_factor_required" and "two-factor" in body["detail"]
    # A staff member who never set one up gets the same answer.
    newcomer = _staff()
    client.force_login(newcomer)
    assert client.get("/api/v1/me/").json()["code"] == "two_factor_required"
    # A key is unaffected, and so is a person who needs no second factor.
    organisation = brand_a.organisation
    _, secret = api_key_create(organisation=organisation, scopes=scopes_offered_to(organisation), name="test key")
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    client.force_login(factories.member_of(organisation))
    assert client.get("/api/v1/me/").status_code == 200


def test_people_who_are_not_staff_are_not_asked(client, owner_a):
    client.force_login(owner_a)
    for page in (reverse("home"), reverse("account"), reverse("takedowns:notice-list")):
        assert client.get(page).status_code == 200, page
    account = client.get(reverse("account")).content.decode()
    assert "Turn on two-factor sign-in" in account
    assert not TOTPDevice.objects.filter(user=owner_a).exists()


def test_anyone_may_turn_it_on_and_then_signs_in_with_a_code_and_may_turn_it_off(client, owner_a):
    client.force_login(owner_a)
    device = _setup_device(client, next_url=reverse("account"))
    client.post(reverse("two-factor-setup"), {"code": current_code(device)})
    account = client.get(reverse("account")).content.decode()
    assert "Turn off two-factor sign-in" in account
    client.post(reverse("logout"))

    client.force_login(owner_a)
    assert client.get(reverse("account"))["Location"].startswith(reverse("two-factor-verify"))
    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        assert client.post(reverse("two-factor-verify"), {"code": _code_at(device, later)}).status_code == 302

    wrong = client.post(reverse("two-factor-turn-off"), {"password": "not-it"})
    assert wrong.status_code == 400 and "password" in wrong.context["turn_off_form"].errors
    assert 'id="field-password"' in wrong.content.decode()
    assert authenticator_of(owner_a) is not None
    off = client.post(reverse("two-factor-turn-off"), {"password": factories.PASSWORD}, follow=True)
    assert "Two-factor sign-in is off" in off.content.decode()
    assert authenticator_of(owner_a) is None
    assert AuditLogEntry.objects.filter(action="portal.user.two_factor_disabled", actor=owner_a).count() == 1
    client.post(reverse("logout"))
    client.force_login(owner_a)
    assert client.get(reverse("account")).status_code == 200


def test_staff_cannot_turn_it_off_while_required(client, db):
    reviewer = _staff()
    client.force_login(reviewer)
    device = _setup_device(client)
    client.post(reverse("two-factor-setup"), {"code": current_code(device)})
    assert "cannot be turned off" in client.get(reverse("account")).content.decode()
    assert client.post(reverse("two-factor-turn-off"), {"password": factories.PASSWORD}).status_code == 404
    assert authenticator_of(reviewer) is not None


def test_the_setting_off_lets_staff_in_without_a_second_factor(client, settings, db):
    settings.PORTAL_REQUIRE_2FA_FOR_STAFF = False
    client.force_login(_staff())
    assert client.get(reverse("takedowns:review-queue")).status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


def test_an_htmx_request_is_told_where_to_go(client, db):
    client.force_login(_staff())
    response = client.get(reverse("takedowns:notifications-menu"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("two-factor-setup")


def test_signing_out_works_before_the_second_factor(client, db):
    client.force_login(_staff())
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("signed-out")


def test_the_pages_in_chinese(client, db):
    reviewer = _staff(language="zh-hans")
    client.force_login(reviewer)
    page = client.get(reverse("two-factor-setup")).content.decode()
    assert "设置两步登录" in page


def test_demo_code_prints_the_code_of_a_demo_staff_account(settings, db):
    reviewer = _staff(username="demo-reviewer")
    device = authenticator_provision(user=reviewer)
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_code", "demo-reviewer", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() in {current_code(device), _code_at(device, timezone.now() - timedelta(seconds=5))}
    with pytest.raises(CommandError, match="no user"):
        call_command("demo_code", "nobody")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo_code", "demo-reviewer")


def test_a_backup_code_is_never_counted_as_a_wrong_authenticator_code(client, db):
    reviewer = _staff()
    client.force_login(reviewer)
    device = _setup_device(client)
    codes = _backup_codes(client.post(reverse("two-factor-setup"), {"code": current_code(device)}))
    client.post(reverse("logout"))
    client.force_login(reviewer)
    assert client.post(reverse("two-factor-verify"), {"code": codes[1]}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_new_phone_replaces_the_authenticator_once_its_first_code_confirms_it(client, db):
    reviewer = _staff()
    old = authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    client.post(reverse("two-factor-verify"), {"code": current_code(old)})
    page = client.get(reverse("two-factor-setup")).content.decode()
    assert "It replaces the one you use now" in page
    new = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert authenticator_of(reviewer) == old, "the old one works until the new one is confirmed"
    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later, tick=False):
        client.post(reverse("two-factor-setup"), {"code": _code_at(new, later)})
    assert list(TOTPDevice.objects.filter(user=reviewer)) == [new]
    assert authenticator_of(reviewer) == new


def test_an_admin_removing_a_lost_phone_is_audited_and_the_next_sign_in_sets_up_anew(client, admin_client, admin_user):
    session_second_factor_pass(admin_client, admin_user)  # this module's sessions start unverified
    reviewer = _staff()
    device = authenticator_provision(user=reviewer)
    response = admin_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302, response
    assert response["Location"] == reverse("admin:index"), response["Location"]
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert AuditLogEntry.objects.filter(
        action="portal.user.two_factor_device.deleted", object_id=str(device.pk)
    ).exists()
    client.force_login(reviewer)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor-setup"))


def test_setup_sends_someone_with_an_authenticator_to_the_code_keeping_a_whole_next(client, db):
    # A next with its own query ("?page=2&sort=-filed") reaches the code page as one value, not cut at its "&".
    reviewer = _staff()
    authenticator_provision(user=reviewer)
    client.force_login(reviewer)
    wanted = "/takedowns/?page=2&sort=-filed"
    response = client.get(reverse("two-factor-setup"), {"next": wanted})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(reverse("two-factor-verify"))
    page = client.get(location)
    device = authenticator_of(reviewer)
    done = client.post(location, {"code": current_code(device), "next": page.context["next"]})
    assert done["Location"] == wanted


@pytest.mark.django_db(transaction=True)
def test_two_sign_ins_racing_with_one_backup_code_get_one_session():
    # The first sign-in pauses right after its first statement on the backup codes; the second goes as far as
    # it can meanwhile (to its end, or to a wait on the first one's lock). Exactly one of them may pass: a
    # backup code is used once, whatever the timing.
    needs_postgres()
    reviewer = _staff()
    authenticator_provision(user=reviewer)
    code = backup_codes_renew(user=reviewer)[0]
    reached, release = threading.Event(), threading.Event()

    def sign_in():
        return sign_in_code_check(user=reviewer, code=code).device is not None

    first = Worker(holding(sign_in, reached=reached, release=release, at=("otp_static_statictoken",)))
    first.start()
    assert reached.wait(30)
    second = Worker(sign_in)
    second.start()
    deadline = time.monotonic() + 30
    while second.is_alive() and not a_backend_waits_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    release.set()
    first.finish(), second.finish()
    assert first.error is None and second.error is None, (first.error, second.error)
    assert sorted([first.result, second.result]) == [False, True]
    assert not StaticToken.objects.filter(device__user=reviewer, token=code).exists()
