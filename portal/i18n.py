"""The reader's language and time zone.

Who reads what:
- a signed-in person reads the portal in the language kept on their account (``User.language``),
  chosen with the top bar's switcher, or else the one their browser asked for when they signed in;
- anyone else reads it in the switcher's cookie's language, or else their browser's (Accept-Language),
  or else English (Django's LocaleMiddleware);
- the API answers in English whatever is asked: its documents and error texts are a contract;
- e-mails and notifications written by a worker are in the recipient's language (``user_language``).

Times on every page are in the signed-in person's zone (``User.time_zone``), UTC for anyone else.
"""

import functools
import zoneinfo
from datetime import UTC

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import lazy

from portal.transactions import durable_atomic

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# The partner API's address space (portal/urls.py): English only.
API_PATH_PREFIX = "/api/"


def _interpolated(text, values):
    return str(text) % values if values else str(text)


_interpolated_lazy = lazy(_interpolated, str)


def text_later(text, **values):
    """``gettext_lazy(text) % values``, translated only when read, in the language active then.

    For text written once and read by several people, each in their own language: a notification's
    subject is made once for all its recipients and read under each one's language.
    """
    return _interpolated_lazy(text, values)


# A label lower-cased when read (in the reader's language), not when the text is made.
lower_later = lazy(lambda text: str(text).lower(), str)


def user_language(user):
    """The language to write to ``user`` in when they are not reading a page: theirs, or the portal's default."""
    return language_or_default(getattr(user, "language", ""))


def language_or_default(language):
    """``language`` (a ``User.language`` value) if the portal speaks it, else the portal's default."""
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def records_language():
    """A block in which text is written as records are: ``with records_language(): ...``."""
    return translation.override(settings.LANGUAGE_CODE)


def in_records_language(text):
    """``text`` (lazy: a choice's label) in the language records are written in, English, whoever acts.

    Statements of reasons, events' reasons, audit entries and the API are read by both sides, by
    regulators and by partners' programs: what they say does not depend on the language the person
    who caused them reads the portal in. Pages show a record's fixed text in the reader's language
    where they can say it anew from the record's fields.
    """
    with records_language():
        return str(text)


@functools.cache
def record_label(choices, value):
    """The label of ``value`` of the TextChoices ``choices`` in the records' language; the value if unknown.

    Read once per value: a set-based writer (the sweep) names thousands of items, and get_FOO_display()
    rebuilds its choices on every call.
    """
    return in_records_language(choices(value).label) if value in choices.values else value


def user_zone(user):
    """The user's IANA zone (``User.time_zone``); UTC if it is empty or unknown."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # A bad stored zone must not stop a page or a deadline from being shown.
        return UTC


class ViewerPreferencesMiddleware:
    """After authentication: the signed-in person's language and zone, English for the API.

    Django's LocaleMiddleware (earlier) has already chosen from the cookie and the browser, and sets
    Content-Language and Vary from whatever is active when the response goes back through it.
    The account's language is also written to the language cookie, so the pages after signing out
    stay in it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PATH_PREFIX):
            # The API's times are UTC as well (DRF writes them in the active zone).
            self._activate(request, settings.LANGUAGE_CODE)
            timezone.deactivate()
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language in LANGUAGE_CODES:
                self._activate(request, user.language)
            timezone.activate(user_zone(user))
        else:
            timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            # The zone is held by the thread: the next request served by it must not inherit this one's.
            timezone.deactivate()
        user = getattr(request, "user", None)  # signing in or out replaces it
        if (
            user is not None
            and user.is_authenticated
            and user.language in LANGUAGE_CODES
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != user.language
        ):
            language_cookie_set(response, user.language)
        return response

    @staticmethod
    def _activate(request, language):
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def language_cookie_set(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def language_remember_at_sign_in(sender, request, user, **kwargs):
    """``user_logged_in``: a person who never chose keeps the language they signed in with.

    Workers write e-mails and notifications in ``user_language``; without this, someone who reads
    the portal in Chinese because their browser asks for it would get every e-mail in English.
    Only for a sign-in through the pages (LocaleMiddleware set ``request.LANGUAGE_CODE``); a choice
    already made is never overwritten here.
    """
    language = getattr(request, "LANGUAGE_CODE", None)
    if user.language or language not in LANGUAGE_CODES:
        return
    user.language = language
    user.save(update_fields=["language"])


def user_language_set(*, user, language):
    """Keep ``language`` on ``user``'s account, audited; False if it was theirs already."""
    from portal.audit import audit_log_record
    from portal.models import User

    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    with durable_atomic():
        before = User.objects.select_for_update().values_list("language", flat=True).get(pk=user.pk)
        if before == language:
            return False
        User.objects.filter(pk=user.pk).update(language=language)
        audit_log_record(
            action="portal.user.language_changed", actor=user, obj=user, data={"before": before, "after": language}
        )
    user.language = language
    return True
