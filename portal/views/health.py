"""/health/: a cheap, quiet probe for anyone; timings, error text and warnings for staff or a token.

See portal.health for the checks. The detail is for platform staff (logged
in) or a caller sending ``Authorization: Bearer <HEALTH_CHECK_TOKEN>``; the
public answer names each check with ok true/false and nothing else.
"""

import secrets

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import health_report
from portal.roles import user_is_platform_staff


def _may_see_detail(request):
    token = settings.HEALTH_CHECK_TOKEN
    if token:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secrets.compare_digest(presented.strip().encode(), token.encode()):
            return True
    return user_is_platform_staff(request.user)


@never_cache
@require_GET
def health(request):
    detailed = _may_see_detail(request)
    status, checks = health_report(detailed=detailed)
    if not detailed and status == "warning":
        status = "ok"  # warnings are for the people who can act on them
    body = {"status": status, "checks": checks}
    if detailed:
        body["detailed"] = True
    return JsonResponse(body, status=503 if status == "unavailable" else 200)
