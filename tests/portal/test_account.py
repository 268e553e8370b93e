from django.urls import reverse

from portal.models import AuditLogEntry


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
