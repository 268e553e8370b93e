"""Request bodies are refused on their declared size before anything reads them; upload pages take more, signed in."""

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests import factories

MB = 1024 * 1024
BOUNDARY = "----limit-test-boundary"


class MultipartStream(io.RawIOBase):
    """A multipart body of one file of `size` zero bytes, made as it is read; counts what was read.

    It stands for a client still sending: nothing of it exists until the server reads it.
    """

    def __init__(self, size):
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def readable(self):
        return True

    def read(self, size=-1):
        end = self.length if size is None or size < 0 else min(self.length, self.position + size)
        out = bytearray()
        while self.position < end:
            if self.position < len(self.head):
                piece = self.head[self.position : min(end, len(self.head))]
            elif self.position < self.length - len(self.tail):
                piece = bytes(min(end, self.length - len(self.tail)) - self.position)
            else:
                start = self.position - (self.length - len(self.tail))
                piece = self.tail[start : start + end - self.position]
            out += piece
            self.position += len(piece)
        return bytes(out)

    def readline(self, size=-1):
        return self.read(size if size and size > 0 else 64 * 1024)


def _post_stream(client, url, stream, **headers):
    # RequestFactory.generic sets the content type only with `data`; the stream stands in for data here.
    return client.generic(
        "POST",
        url,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(stream.length),
        **{"wsgi.input": stream},
        headers=headers,
    )


@pytest.fixture
def csrf_client():
    # Real CSRF checks: the attack came before login, where only the CSRF middleware stood in the way.
    return Client(enforce_csrf_checks=True)


def test_a_120_mb_post_before_login_is_refused_without_reading_it(csrf_client, db):
    stream = MultipartStream(120 * MB)
    response = _post_stream(csrf_client, reverse("login"), stream)
    assert response.status_code == 413
    assert stream.position == 0
    body = response.content.decode()
    assert "is more than the 1 MB this page accepts" in body and "Nothing was saved" in body


def test_an_upload_page_takes_no_more_than_any_page_from_a_stranger(csrf_client, db):
    stream = MultipartStream(5 * MB)
    response = _post_stream(csrf_client, reverse("takedowns:notice-create"), stream)
    assert response.status_code == 413
    assert stream.position == 0


def test_a_page_without_uploads_refuses_a_large_body_from_a_signed_in_user(client, owner_a):
    client.force_login(owner_a)
    stream = MultipartStream(2 * MB)
    response = _post_stream(client, reverse("account"), stream)
    assert response.status_code == 413
    assert stream.position == 0


def test_an_upload_page_takes_a_large_body_from_a_signed_in_user(client, owner_a, settings):
    client.force_login(owner_a)
    stream = MultipartStream(5 * MB)
    response = _post_stream(client, reverse("takedowns:notice-create"), stream)
    assert response.status_code in (200, 302, 400)  # the page's own answer: the body reached the view
    assert stream.position == stream.length


def test_an_upload_page_refuses_more_than_its_own_limit_without_reading_it(client, owner_a, settings):
    client.force_login(owner_a)
    stream = MultipartStream(settings.REQUEST_MAX_UPLOAD_BYTES["document"])
    response = _post_stream(client, reverse("takedowns:notice-create"), stream)
    assert response.status_code == 413
    assert stream.position == 0
    assert "more than the 50 MB a page that takes documents and images accepts" in response.content.decode()


def test_the_admin_takes_documents_from_staff_only(client, owner_a, db):
    url = reverse("admin:portal_letterofauthorisation_add")
    client.force_login(owner_a)
    assert _post_stream(client, url, MultipartStream(5 * MB)).status_code == 413
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    stream = MultipartStream(5 * MB)
    assert _post_stream(client, url, stream).status_code == 200  # the admin form, with its errors
    assert stream.position == stream.length


def test_the_limits_come_from_settings(client, owner_a, settings):
    settings.REQUEST_MAX_BODY_BYTES = 256 * 1024
    client.force_login(owner_a)
    stream = MultipartStream(300 * 1024)
    response = _post_stream(client, reverse("account"), stream)
    assert response.status_code == 413
    assert "the 256 KB this page accepts" in response.content.decode()


def test_a_client_asking_for_json_gets_json(csrf_client, db):
    stream = MultipartStream(2 * MB)
    response = _post_stream(csrf_client, reverse("login"), stream, Accept="application/json")
    assert response.status_code == 413
    assert "this page accepts" in response.json()["detail"]


def test_too_many_files_in_one_request_is_a_clear_413(client, owner_a, settings):
    client.force_login(owner_a)
    files = [
        SimpleUploadedFile(f"f{n}.pdf", b"%PDF-1.4\n%%EOF\n") for n in range(settings.UPLOAD_MAX_FILES_PER_REQUEST + 1)
    ]
    response = client.post(reverse("takedowns:notice-create"), {"row-1-evidence": files})
    assert response.status_code == 413
    assert f"more than {settings.UPLOAD_MAX_FILES_PER_REQUEST} files at once" in response.content.decode()


def test_a_stranger_cannot_reach_the_parser_with_many_files_either(csrf_client, db, settings):
    files = [SimpleUploadedFile(f"f{n}.pdf", b"x") for n in range(settings.UPLOAD_MAX_FILES_PER_REQUEST + 1)]
    response = csrf_client.post(reverse("login"), {"evidence": files})
    assert response.status_code == 413


def test_an_ordinary_form_post_is_untouched(client, db):
    user = factories.UserFactory(username="plain")
    response = client.post(reverse("login"), {"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302


# --- in the real server ----------------------------------------------------------------


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _compose_gunicorn_command(port):
    compose = yaml.safe_load((Path(django_settings.BASE_DIR) / "docker-compose.yml").read_text())
    command = list(compose["services"]["web"]["command"])
    assert command[:2] == ["gunicorn", "portal.wsgi:application"]
    command[command.index("-b") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    return [str(Path(sys.executable).with_name("gunicorn")), *command[1:]]


def test_gunicorn_as_compose_runs_it_answers_413_before_the_body_is_sent(tmp_path):
    port = _free_port()
    # The embedded defaults, as a newcomer's machine has them: nothing of the caller's services (a broker key
    # prefix with the embedded broker stops start-up, and gunicorn's master would then reset every connection).
    services = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_BROKER_KEY_PREFIX", "CACHE_URL", "CACHE_KEY_PREFIX"}
    env = {k: v for k, v in os.environ.items() if k not in services}
    env.update(DEBUG="1", PORTAL_VAR_DIR=str(tmp_path / "var"), LOG_LEVEL="WARNING")
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (closed in finally)
    server = subprocess.Popen(
        _compose_gunicorn_command(port), cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
                time.sleep(0.2)
        with connection:
            connection.settimeout(30)
            # Headers announcing 120 MB and the first bytes only: the answer must not wait for the rest.
            connection.sendall(
                b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                + f"Content-Length: {120 * MB}\r\n\r\n".encode()
                + b"--x\r\n"
            )
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
