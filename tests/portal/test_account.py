import pytest
from django import forms
from django.urls import reverse

from portal.models import AuditLogEntry
from portal.views.account import ZoneSelect, zone_choices


def test_user_sets_the_time_zone_deadlines_are_shown_in(client, owner_a):
    client.force_login(owner_a)
    page = client.get(reverse("account")).content.decode()
    assert "Asia/Shanghai" in page
    response = client.post(reverse("account"), {"time_zone": "Asia/Shanghai"})
    assert response.status_code == 302
    owner_a.refresh_from_db()
    assert owner_a.time_zone == "Asia/Shanghai"
    assert AuditLogEntry.objects.filter(action="portal.user.time_zone_changed", actor=owner_a).exists()


def test_unknown_time_zone_is_refused(client, owner_a):
    client.force_login(owner_a)
    response = client.post(reverse("account"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    owner_a.refresh_from_db()
    assert owner_a.time_zone == "UTC"


def test_preferences_need_login(client):
    assert client.get(reverse("account")).status_code == 302


@pytest.mark.parametrize("value", ["Asia/Shanghai", "UTC", "America/Argentina/Buenos_Aires", "", "Mars/Olympus", None])
def test_zone_picker_writes_what_django_select_writes(value):
    # The picker's options are made once per process; the page must not differ by a byte from Django's own.
    attrs = {"id": "id_time_zone", "aria-describedby": "id_time_zone_helptext"}
    fast = ZoneSelect(choices=zone_choices()).render("time_zone", value, attrs=attrs)
    plain = forms.Select(choices=zone_choices()).render("time_zone", value, attrs=attrs)
    assert fast == plain
    assert fast.count("<option ") == len(zone_choices())
    assert fast.count(" selected>") == (1 if value in dict(zone_choices()) else 0)


def test_account_page_shows_the_users_zone_selected(client, owner_a):
    owner_a.time_zone = "Europe/Paris"
    owner_a.save(update_fields=["time_zone"])
    client.force_login(owner_a)
    page = client.get(reverse("account")).content.decode()
    assert '<option value="Europe/Paris" selected>Europe/Paris</option>' in page
    assert page.count(" selected>") == 1
