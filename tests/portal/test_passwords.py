"""Passwords (portal/passwords.py): a reset by e-mail, a change on the account page, and signing out."""

import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry
from tests import factories

NEW_PASSWORD = "a-new-and-long-passphrase-2026"


def _reset_link(message):
    match = re.search(r"https?://\S+/password-reset/\S+/\S+/", message.body)
    assert match, message.body
    return match.group()


def _ask_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def _set_password_by_link(client, link, password=NEW_PASSWORD):
    """Open the e-mailed link (it redirects to a URL without the token) and post the new password there."""
    page = client.get(link, follow=True)
    if not page.context.get("validlink"):
        return page
    return client.post(page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def test_a_reset_mails_a_link_that_sets_a_new_password_once(client, owner_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_reset(client, owner_a.email.upper())
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner_a.email]
    assert "60 minutes" in message.body and owner_a.username in message.body

    link = _reset_link(message)
    done = _set_password_by_link(client, link)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    owner_a.refresh_from_db()
    assert owner_a.check_password(NEW_PASSWORD)
    entry = AuditLogEntry.objects.get(action="portal.user.password_reset")
    assert entry.actor == owner_a and entry.object_id == str(owner_a.pk)
    assert NEW_PASSWORD not in str(entry.data)

    # The same link a second time: refused, with a way to ask for a new one; the password stays.
    again = _set_password_by_link(client, link, password="yet-another-passphrase-99")
    assert again.status_code == 200 and not again.context["validlink"]
    assert "This link no longer works" in again.content.decode()
    owner_a.refresh_from_db()
    assert owner_a.check_password(NEW_PASSWORD)
    assert client.post(reverse("login"), {"username": owner_a.username, "password": NEW_PASSWORD}).status_code == 302


def test_a_reset_link_expires_after_the_minutes_in_settings(
    client, owner_a, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_PASSWORD_RESET_MINUTES = 30
    settings.PASSWORD_RESET_TIMEOUT = 30 * 60
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(client, owner_a.email)
    assert "30 minutes" in mail.outbox[0].body
    link = _reset_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31)):
        page = _set_password_by_link(client, link)
    assert page.status_code == 200 and not page.context["validlink"]
    owner_a.refresh_from_db()
    assert owner_a.check_password(factories.PASSWORD)
    assert not AuditLogEntry.objects.filter(action="portal.user.password_reset").exists()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, owner_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask_reset(client, owner_a.email)
        unknown = _ask_reset(client, "nobody@example.test")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    page = client.get(reverse("password_reset_done")).content.decode()
    assert "If an account has this address" in page


def test_a_request_does_the_same_work_whether_an_account_has_the_address_or_not(
    client, owner_a, monkeypatch, django_capture_on_commit_callbacks
):
    """The request sends the worker one message either way and looks nobody up: its timing tells nothing."""
    from portal import tasks

    sent = []
    monkeypatch.setattr(tasks.password_reset_emails_send, "delay", lambda **kwargs: sent.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(client, owner_a.email)
        _ask_reset(client, "nobody@example.test")
    assert [message["email"] for message in sent] == [owner_a.email, "nobody@example.test"]
    assert mail.outbox == []  # the worker writes the e-mails


def test_no_link_for_an_api_keys_principal_or_an_inactive_account(client, brand_a, django_capture_on_commit_callbacks):
    principal = factories.api_principal_of(brand_a.organisation, role="owner")
    principal.email = "principal@example.test"
    principal.set_password(factories.PASSWORD)
    principal.save()
    inactive = factories.member_of(brand_a.organisation, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert _ask_reset(client, principal.email).status_code == 302
        assert _ask_reset(client, inactive.email).status_code == 302
    assert mail.outbox == []


def test_a_bad_address_is_refused_by_its_field(client):
    response = _ask_reset(client, "not an address")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="field-email"' in page and "Enter a valid email address" in page and "error-summary" in page


def test_resets_are_limited_per_address_known_or_not(client, owner_a, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LIMIT = 2
    for email in (owner_a.email, "nobody@example.test"):
        with django_capture_on_commit_callbacks(execute=True):
            answers = [_ask_reset(client, email).status_code for _ in range(3)]
        assert answers == [302, 302, 429], email
    assert len(mail.outbox) == 2, "the refused request sends nothing"
    refused = _ask_reset(client, owner_a.email)
    assert "Try again in 15 minutes" in refused.content.decode()


def test_resets_are_limited_per_client_address(client, settings, db):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    answers = [_ask_reset(client, f"someone{n}@example.test").status_code for n in range(4)]
    assert answers == [302, 302, 302, 429]
    # Another client address is not held back.
    assert _ask_reset(client, "someone9@example.test", REMOTE_ADDR="10.9.8.7").status_code == 302


def test_the_reset_mail_is_in_the_recipients_language(client, owner_a, django_capture_on_commit_callbacks):
    owner_a.language = "zh-hans"
    owner_a.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(client, owner_a.email, HTTP_ACCEPT_LANGUAGE="en")
    message = mail.outbox[0]
    assert "重置" in message.subject and "分钟" in message.body, message.body


def test_a_new_password_lifts_a_sign_in_lockout(client, owner_a, settings, django_capture_on_commit_callbacks):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": owner_a.username, "password": "wrong"})
    locked = client.post(reverse("login"), {"username": owner_a.username, "password": factories.PASSWORD})
    assert locked.status_code == 429
    assert reverse("password_reset") in locked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(client, owner_a.email)
    _set_password_by_link(client, _reset_link(mail.outbox[0]))
    assert client.post(reverse("login"), {"username": owner_a.username, "password": NEW_PASSWORD}).status_code == 302


def test_the_sign_in_page_offers_the_reset(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_a_password_change_keeps_this_session_and_is_audited(client, owner_a):
    client.force_login(owner_a)
    account = client.get(reverse("account")).content.decode()
    assert reverse("password_change") in account
    response = client.post(
        reverse("password_change"),
        {"old_password": factories.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("account")
    assert "Your password has been changed." in response.content.decode()
    owner_a.refresh_from_db()
    assert owner_a.check_password(NEW_PASSWORD)
    assert AuditLogEntry.objects.filter(action="portal.user.password_changed", actor=owner_a).count() == 1
    assert client.get(reverse("account")).status_code == 200, "still signed in"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "old_password"),
        ({"old_password": factories.PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "x"}, "new_password2"),
        ({"old_password": factories.PASSWORD, "new_password1": "short", "new_password2": "short"}, "new_password2"),
    ],
)
def test_a_wrong_password_change_says_why_by_its_field(client, owner_a, data, field):
    client.force_login(owner_a)
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="field-{field}"' in response.content.decode()
    owner_a.refresh_from_db()
    assert owner_a.check_password(factories.PASSWORD)
    assert not AuditLogEntry.objects.filter(action="portal.user.password_changed").exists()


def test_signing_out_leads_to_the_signed_out_page(client, owner_a):
    client.force_login(owner_a)
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("signed-out"), 302)]
    page = response.content.decode()
    assert "You are signed out" in page and f'href="{reverse("login")}"' in page
    assert client.get(reverse("account")).status_code == 302


def test_the_signed_out_page_in_chinese(client):
    page = client.get(reverse("signed-out"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "您已退出登录" in page
