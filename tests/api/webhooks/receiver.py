"""A real HTTP endpoint on 127.0.0.1 for webhook tests: a thread of http.server that records what it gets.

It answers each message (by ``webhook-id``) with ``answer(attempt_of_this_id)``: by default
200; ``fail_first(3)`` fails every message's first three attempts. Like a careful receiver
it verifies every signature with the specification's reference library and processes a
message once, dropping repeats by ``webhook-id`` (``processed``).

A slow receiver: ``gate`` (a ``threading.Event``, set by default) holds every request
until the test sets it, and ``pause`` seconds more; ``in_flight`` and ``most_in_flight``
count the requests being answered at once.
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    status: int
    verified: bool


def ok(attempt):
    return 200, {}


def fail_first(times, status=500, headers=None):
    def answer(attempt):
        return (status, dict(headers or {})) if attempt <= times else (200, {})

    return answer


@dataclass
class Receiver:
    answer: object = ok
    secret: str = ""  # set it to verify signatures
    requests: list = field(default_factory=list)
    processed: dict = field(default_factory=dict)  # webhook-id -> body, once each
    attempts: Counter = field(default_factory=Counter)
    server: object = None
    lock: object = field(default_factory=threading.Lock)
    gate: threading.Event = field(default_factory=threading.Event)
    pause: float = 0.0
    in_flight: int = 0
    most_in_flight: int = 0

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks"

    def bodies(self):
        with self.lock:
            return list(self.processed.values())


def receiver_start(answer=ok, *, held=False, pause=0.0):
    """Start a receiver; ``held``: requests wait until ``receiver.gate.set()``; ``pause``: seconds each takes."""
    receiver = Receiver(answer=answer, pause=pause)
    if not held:
        receiver.gate.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            with receiver.lock:
                receiver.in_flight += 1
                receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
            try:
                # Bounded: a test that forgets to open the gate fails on its own waits, not here.
                receiver.gate.wait(timeout=600)
                if receiver.pause:
                    time.sleep(receiver.pause)
                status, extra = self._process()
            finally:
                # Counted out before the answer leaves: the sender cannot start its next request sooner.
                with receiver.lock:
                    receiver.in_flight -= 1
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def _process(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            msg_id = headers.get("webhook-id")
            verified = False
            if receiver.secret:
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
            with receiver.lock:
                receiver.attempts[msg_id] += 1
                status, extra = receiver.answer(receiver.attempts[msg_id])
                if receiver.secret and not verified:
                    status = 401
                receiver.requests.append(Received(self.path, headers, body, status, verified))
                if 200 <= status < 300:
                    receiver.processed.setdefault(msg_id, body)
            return status, extra

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def receiver_stop(receiver):
    receiver.server.shutdown()
    receiver.server.server_close()
