"""The language switcher's target: Django's ``set_language`` (the cookie, then back to the page), and for a
signed-in person the choice kept on the account, so e-mails follow it and the next sign-in starts in it."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal.i18n import LANGUAGE_CODES, user_language_set


@require_POST
def language_set(request):
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in LANGUAGE_CODES:
        user_language_set(user=request.user, language=language)
    return response
