"""Requests to subscribers' endpoints, guarded against server-side request forgery (SSRF).

A subscriber chooses a URL that our workers then call from inside our network;
without a guard it could point them at the database, the cache, an admin port
or the cloud's metadata service. So:

* only ``https`` (and ``http`` where ``WEBHOOK_ALLOW_HTTP`` is on), no
  credentials in the URL;
* the host name is resolved and every address it resolves to must be a public
  unicast address: loopback, private, link-local (the metadata service at
  169.254.169.254 and fd00:ec2::254 among them), shared (100.64/10), multicast,
  reserved and unspecified addresses are refused, and an IPv4 address hidden in
  an IPv6 one (mapped, NAT64, 6to4, Teredo) is judged as that IPv4 address.
  ``WEBHOOK_ALLOWED_NETWORKS`` lists networks let through anyway (127.0.0.1 for
  development and tests); the metadata addresses never are;
* checked when a subscription is saved and again before every attempt, and the
  request connects to the very address that was checked (a host name that
  resolves to a public address at the check and to 127.0.0.1 a moment later,
  DNS rebinding, gains nothing). TLS still verifies the certificate against
  the host name (SNI), and the ``Host`` header carries the name;
* a short timeout (``WEBHOOK_TIMEOUT_SECONDS``) on connecting and on each read,
  redirects never followed (a 3xx is a failed attempt, as the specification
  says), no proxy taken from the environment, and at most
  ``RESPONSE_READ_LIMIT`` bytes of the answer read.
"""

import email.utils
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput
from portal.i18n import text_later

RESPONSE_READ_LIMIT = 64 * 1024
EXCERPT_CHARS = 1000
USER_AGENT = "TakedownPortal-Webhooks/1.0"
# Never reachable, whatever WEBHOOK_ALLOWED_NETWORKS says.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UrlRefused(InvalidInput):
    """A URL the guard refuses (400 when a subscriber gives it; a refused attempt at delivery)."""

    default_code = "url_refused"

    def __init__(self, message, *, code=None):
        super().__init__(message, code=code)
        self.pointer = "/url"


@dataclass(frozen=True)
class Target:
    """Where an attempt connects: the URL's parts and the checked address it resolved to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: float | None  # seconds, from Retry-After (delta or date)
    excerpt: str
    latency_ms: int


def _allowed_networks():
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOK_ALLOWED_NETWORKS]


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo client), else None."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


_INSIDE_IPV6 = " (inside an IPv6 address)"
# A reason of address_refusal (kept in English: records and the API read it), in the reader's language when read.
_gettext_later = lazy(gettext, str)


def _reason_read(reason):
    if reason.endswith(_INSIDE_IPV6):
        inner = reason.removesuffix(_INSIDE_IPV6)
        return text_later(_("%(reason)s (inside an IPv6 address)"), reason=_gettext_later(inner))
    return _gettext_later(reason)


def address_refusal(address):
    """Why an endpoint may not be at ``address`` (a short reason), or '' when it may."""
    ip = ipaddress.ip_address(address)
    if ip in METADATA_ADDRESSES:
        return gettext_noop("a cloud metadata address")
    if any(ip in net for net in _allowed_networks()):
        return ""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        reason = address_refusal(str(inner))
        return f"{reason}{_INSIDE_IPV6}" if reason else ""
    if ip.is_loopback:
        return gettext_noop("a loopback address")
    if ip.is_link_local:
        return gettext_noop("a link-local address")
    if ip.is_multicast:
        return gettext_noop("a multicast address")
    if ip.is_unspecified:
        return gettext_noop("an unspecified address")
    if ip.is_private:
        return gettext_noop("a private address")
    if not ip.is_global:
        return gettext_noop("not a public address")
    return ""


def url_parts(url):
    """(scheme, host, port, path) of an endpoint URL, or UrlRefused saying what is wrong with it."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused(_("Give the endpoint's URL."), code="url_required")
    if len(url) > 2000:
        raise UrlRefused(_("The URL is longer than 2,000 characters."), code="url_too_long")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise UrlRefused(_("The URL contains spaces or control characters."), code="url_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused(_("This is not a valid URL."), code="url_invalid") from None
    schemes = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes:
        raise UrlRefused(
            _("The URL must start with http or https://.")
            if "http" in schemes
            else _("The URL must start with https://."),
            code="url_scheme",
        )
    if parts.username is not None or parts.password is not None:
        raise UrlRefused(_("The URL must not carry a user name or password."), code="url_credentials")
    if not parts.hostname:
        raise UrlRefused(_("The URL names no host."), code="url_invalid")
    if parts.fragment:
        raise UrlRefused(_("The URL must not have a #fragment."), code="url_invalid")
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def target_resolve(url):
    """The checked ``Target`` of ``url``: every address its host resolves to must be allowed.

    One refused address refuses the URL: a name that resolves to a public and a
    private address would otherwise reach the private one whenever it came first.
    """
    scheme, host, port, path = url_parts(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused(
            text_later(_("The host name %(host)s does not resolve."), host=repr(host)), code="url_unresolvable"
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UrlRefused(
            text_later(_("The host name %(host)s does not resolve."), host=repr(host)), code="url_unresolvable"
        )
    for address in addresses:
        reason = address_refusal(address.split("%", 1)[0])
        if reason:
            raise UrlRefused(
                text_later(
                    _(
                        "The URL's host resolves to %(address)s, %(reason)s: webhooks are sent to public addresses only."
                    ),
                    address=address,
                    reason=_reason_read(reason),
                ),
                code="url_address_refused",
            )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0].split("%", 1)[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to now; ``Host`` keeps the name."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is verified against the host name (SNI), not the address."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def retry_after_seconds(value, *, now=None):
    """``Retry-After`` as seconds from now (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def post(target, *, body, headers):
    """POST ``body`` (bytes) to the checked ``target``. Returns an ``Answer``; raises OSError/HTTPException."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = connection.getresponse()
        latency_ms = int((time.monotonic() - started) * 1000)
        raw = response.read(RESPONSE_READ_LIMIT)
        return Answer(
            status=response.status,
            retry_after=retry_after_seconds(response.getheader("Retry-After")),
            # PostgreSQL's text holds no NUL character.
            excerpt=raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")[:EXCERPT_CHARS],
            latency_ms=latency_ms,
        )
    finally:
        connection.close()
