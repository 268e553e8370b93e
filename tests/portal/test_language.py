"""Reading the portal in English or Chinese, and times in one's own zone with a label no one misreads."""

import datetime
import zoneinfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from portal.i18n import user_language
from portal.instants import instant_text, zone_label
from portal.models import AuditLogEntry
from tests.factories import PASSWORD

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_a_visitor_whose_browser_asks_for_chinese_reads_the_portal_in_chinese(client, db):
    page = client.get(reverse("login"), **CHINESE)
    assert page["Content-Language"] == "zh-hans"
    text = page.content.decode()
    assert '<html lang="zh-hans">' in text
    assert ">知识产权投诉平台</a>" in text
    # The switcher offers the other language, named in itself.
    assert 'lang="en"' in text and ">English</button>" in text


def test_a_visitor_without_a_language_reads_english(client, db):
    text = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in text and "Takedown Portal" in text
    assert ">简体中文</button>" in text


def test_the_switcher_sets_the_language_of_the_next_pages_without_javascript(client, db):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("public:register")})
    assert response.status_code == 302 and response["Location"] == reverse("public:register")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "知识产权投诉平台" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Takedown Portal" in client.get(reverse("login"), **CHINESE).content.decode()


def test_a_signed_in_persons_choice_is_kept_on_the_account_and_audited(client, owner_a):
    client.force_login(owner_a)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    owner_a.refresh_from_db()
    assert owner_a.language == "zh-hans"
    entry = AuditLogEntry.objects.get(action="portal.user.language_changed", actor=owner_a)
    assert entry.data == {"before": "", "after": "zh-hans"}
    # Choosing it again changes nothing and records nothing.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert AuditLogEntry.objects.filter(action="portal.user.language_changed").count() == 1


def test_an_unknown_language_is_not_kept(client, owner_a):
    client.force_login(owner_a)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    owner_a.refresh_from_db()
    assert owner_a.language == ""


def test_the_accounts_language_wins_over_the_browser_and_follows_to_another_browser(client, owner_a):
    owner_a.language = "zh-hans"
    owner_a.save()
    client.force_login(owner_a)
    page = client.get(reverse("account"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "zh-hans"
    assert "退出登录" in page.content.decode()
    # The cookie follows the account, so the page after signing out is still in Chinese.
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    client.post(reverse("logout"))
    assert "知识产权投诉平台" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_signing_in_keeps_the_browsers_language_for_someone_who_never_chose(client, owner_a):
    client.post(reverse("login"), {"username": owner_a.username, "password": PASSWORD}, **CHINESE)
    owner_a.refresh_from_db()
    assert owner_a.language == "zh-hans"
    assert user_language(owner_a) == "zh-hans"


def test_signing_in_never_overwrites_a_choice(client, owner_a):
    owner_a.language = "en"
    owner_a.save()
    client.post(reverse("login"), {"username": owner_a.username, "password": PASSWORD}, **CHINESE)
    owner_a.refresh_from_db()
    assert owner_a.language == "en"


def test_the_api_answers_in_english_whatever_is_asked(client, owner_a):
    owner_a.language = "zh-hans"
    owner_a.save()
    anonymous = client.get("/api/v1/me/", **CHINESE)
    assert anonymous["Content-Language"] == "en"
    assert "credentials" in anonymous.json()["detail"]


def test_workers_write_to_a_person_in_their_language_or_english(owner_a):
    assert user_language(owner_a) == "en"
    owner_a.language = "zh-hans"
    assert user_language(owner_a) == "zh-hans"
    owner_a.language = "klingon"
    assert user_language(owner_a) == "en"


def _at(zone):
    return datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(zone))


def test_the_zone_label_is_the_offset_from_utc_never_an_abbreviation():
    # "CST" would be China to one reader and US Central to another.
    assert zone_label(_at("Asia/Shanghai")) == "UTC+8"
    assert zone_label(_at("America/Chicago")) == "UTC-6"
    assert zone_label(_at("Asia/Kolkata")) == "UTC+5:30"
    assert zone_label(_at("UTC")) == "UTC"


def test_an_instant_is_written_in_the_readers_zone_and_language():
    instant = datetime.datetime(2026, 3, 4, 9, 0, tzinfo=datetime.UTC)
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    with translation.override("en"):
        assert instant_text(instant, shanghai) == "2026-03-04 17:00 UTC+8"
    with translation.override("zh-hans"):
        assert instant_text(instant, shanghai) == "2026年3月4日 17:00 UTC+8"
    with timezone.override(zoneinfo.ZoneInfo("Europe/Paris")), translation.override("en"):
        assert instant_text(instant) == "2026-03-04 10:00 UTC+1"
    precise = instant.replace(second=5)
    with translation.override("zh-hans"):
        assert instant_text(precise, shanghai, seconds=True) == "2026年3月4日 17:00:05 UTC+8"


def test_pages_show_times_in_the_signed_in_persons_zone_and_no_other_request_inherits_it(client, owner_a):
    owner_a.time_zone = "Asia/Shanghai"
    owner_a.save()
    client.force_login(owner_a)
    seen = {}

    def spy(request):
        seen["zone"] = timezone.get_current_timezone_name()
        from django.http import HttpResponse

        return HttpResponse("")

    from portal.i18n import ViewerPreferencesMiddleware

    request = client.get(reverse("account")).wsgi_request
    ViewerPreferencesMiddleware(spy)(request)
    assert seen["zone"] == "Asia/Shanghai"
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_an_instants_date_is_the_text_djangos_formatter_writes():
    from django.utils.formats import date_format

    from portal.instants import _date_text, _format_template

    zones = [zoneinfo.ZoneInfo(name) for name in ("UTC", "Asia/Shanghai", "Asia/Kolkata", "America/Chicago")]
    instants = [
        datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.UTC)
        for year in (999, 2026)
        for month, day in ((1, 1), (9, 5), (10, 31), (12, 9))
        for hour, minute in ((0, 0), (9, 5), (23, 59))
    ]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for zone in zones:
                for instant in instants:
                    local = timezone.localtime(instant, zone)
                    for name in ("DATE_FORMAT", "DATETIME_FORMAT"):
                        assert _date_text(local, name) == date_format(local, name), (language, local, name)
    # A format with letters or escapes the fast path does not write goes to Django's formatter.
    assert _format_template("D, j M Y") is None and _format_template(r"j \d\e F") is None
    assert _format_template("{Y}") == "{{{0.year:04d}}}"
