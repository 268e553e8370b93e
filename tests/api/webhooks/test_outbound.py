"""The SSRF guard: what an endpoint may resolve to, connecting to the checked address, no redirects, timeouts."""

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.webhooks import outbound
from api.webhooks.outbound import Target, UrlRefused, address_refusal, target_resolve


@pytest.fixture
def production_guard(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    settings.WEBHOOK_ALLOWED_NETWORKS = []


def _resolving_to(monkeypatch, *addresses):
    def fake(host, port, *args, **kwargs):
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "not a public"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "inside an IPv6"),
        ("64:ff9b::a00:1", "inside an IPv6"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::1", "inside an IPv6"),  # 6to4 of 127.0.0.1
    ],
)
def test_internal_addresses_are_refused(production_guard, address, reason):
    assert reason in address_refusal(address)


def test_public_addresses_pass(production_guard):
    assert address_refusal("93.184.215.14") == ""
    assert address_refusal("2606:2800:21f:cb07:6820:80da:af6b:8b2c") == ""


def test_the_allowed_networks_let_loopback_through_but_never_metadata(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32", "169.254.0.0/16"]
    assert address_refusal("127.0.0.1") == ""
    assert address_refusal("::ffff:127.0.0.1") == ""
    assert address_refusal("127.0.0.2") != ""
    assert "metadata" in address_refusal("169.254.169.254")


@pytest.mark.parametrize(
    "url, code",
    [
        ("https://localhost/hook", "url_address_refused"),
        ("https://127.0.0.1/hook", "url_address_refused"),
        ("https://2130706433/hook", "url_address_refused"),  # 127.0.0.1 written as a number
        ("https://[::1]/hook", "url_address_refused"),
        ("https://169.254.169.254/latest/meta-data/", "url_address_refused"),
        ("http://93.184.215.14/hook", "url_scheme"),
        ("ftp://example.com/", "url_scheme"),
        ("https://user:pw@example.com/", "url_credentials"),
        ("https:///nohost", "url_invalid"),
        ("https://exa mple.com/", "url_invalid"),
        ("https://example.com:99999/", "url_invalid"),
        ("", "url_required"),
        ("https://no-such-host.invalid/", "url_unresolvable"),
    ],
)
def test_urls_refused_at_subscription_time(production_guard, url, code):
    with pytest.raises(UrlRefused) as refused:
        target_resolve(url)
    assert refused.value.code == code
    assert refused.value.pointer == "/url"


def test_a_name_resolving_to_one_internal_address_among_public_ones_is_refused(production_guard, monkeypatch):
    _resolving_to(monkeypatch, "93.184.215.14", "10.0.0.5")
    with pytest.raises(UrlRefused, match="10.0.0.5"):
        target_resolve("https://hooks.example.com/in")
    _resolving_to(monkeypatch, "93.184.215.14")
    target = target_resolve("https://hooks.example.com:8443/in?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.215.14",
    )


class _Recorder(BaseHTTPRequestHandler):
    seen = []
    status = 200
    headers_out = {}
    delay = 0

    def do_POST(self):  # noqa: N802
        type(self).seen.append((self.path, self.headers.get("Host")))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(type(self).delay)
        self.send_response(type(self).status)
        for name, value in type(self).headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "5")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the slow test's client gave up
            self.wfile.write(b"\x00body")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    handler = type("Handler", (_Recorder,), {"seen": [], "status": 200, "headers_out": {}, "delay": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield handler, server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_request_goes_to_the_checked_address_whatever_the_name_resolves_to_now(recorder, monkeypatch):
    """DNS rebinding: the name was checked once; the connection uses that address, the Host header the name."""
    handler, port = recorder

    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host == "hooks.example.com":
            raise AssertionError("the request must not resolve the name again")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    target = Target(scheme="http", host="hooks.example.com", port=port, path="/in", address="127.0.0.1")
    answer = outbound.post(target, body=b"{}", headers={"webhook-id": "evt_x"})
    assert answer.status == 200
    assert handler.seen == [("/in", f"hooks.example.com:{port}")]
    assert answer.excerpt == "\ufffdbody"  # a NUL cannot go into PostgreSQL's text


def test_redirects_are_not_followed(recorder):
    handler, port = recorder
    handler.status = 302
    handler.headers_out = {"Location": f"http://127.0.0.1:{port}/elsewhere"}
    answer = outbound.post(target_resolve(f"http://127.0.0.1:{port}/in"), body=b"{}", headers={})
    assert answer.status == 302
    assert [path for path, _ in handler.seen] == ["/in"]


def test_a_slow_endpoint_times_out(recorder, settings):
    handler, port = recorder
    handler.delay = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        outbound.post(target_resolve(f"http://127.0.0.1:{port}/in"), body=b"{}", headers={})
    assert time.monotonic() - started < 1.9


def test_retry_after_as_seconds_or_date():
    from datetime import UTC, datetime

    assert outbound.retry_after_seconds("120") == 120
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert outbound.retry_after_seconds("Thu, 01 Jan 2026 12:10:00 GMT", now=now) == 600
    assert outbound.retry_after_seconds("soon") is None
    assert outbound.retry_after_seconds(None) is None
