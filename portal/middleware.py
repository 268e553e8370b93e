import ipaddress

from django.conf import settings

from portal import pagecache
from portal.context import RequestOrigin, reset_origin, set_origin


def client_ip(request):
    """The client's address, trusting X-Forwarded-For only behind known proxies."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR")
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_origin(
            RequestOrigin(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            )
        )
        memo = pagecache.memo_request(request)
        try:
            return self.get_response(request)
        finally:
            pagecache.memo_request_end(memo)
            reset_origin(token)
