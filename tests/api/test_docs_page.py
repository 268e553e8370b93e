"""The API's documentation pages work on a closed network: every asset from /static/, nothing from outside.

The quick checks read the pages' HTML and fetch each asset through WhiteNoise as development serves it
(from the apps' static folders). The browser check renders both pages in Chromium, at desktop and phone
widths, from gunicorn as production runs it (``DEBUG=0``, files gathered by collectstatic, WhiteNoise
serving them with their hashed names), under a host name that is not loopback (Swagger UI and ReDoc
behave differently on localhost), and records every request the browser makes.
"""

import base64
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.test import Client

from api.docs import DOCS_CONTENT_SECURITY_POLICY
from tests.services import CHROMIUM_ARGS, needs_chromium

DOCS_PAGES = ("/api/docs/", "/api/docs/redoc/")
ASSET = re.compile(r'\b(?:src|href)="([^"]+)"')
HOST = "portal.test"  # resolved to the test server by Chromium alone (--host-resolver-rules)
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
# What shows that each page rendered the contract: one block per operation.
OPERATION_SELECTOR = {"/api/docs/": ".opblock", "/api/docs/redoc/": "[data-section-id^='operation/']"}


def _assets(html):
    return ASSET.findall(html)


def test_the_docs_pages_name_only_our_static_files_and_allow_nothing_else(client):
    for path in DOCS_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assets = _assets(html)
        assert assets, f"{path} names no asset"
        assert all(asset.startswith("/static/") for asset in assets), f"{path} names assets elsewhere: {assets}"
        assert not re.findall(r"https?://", html), f"{path} names an outside address"
        # The browser may fetch from this portal only (api/docs.py), whatever the bundles try.
        assert response["Content-Security-Policy"] == DOCS_CONTENT_SECURITY_POLICY
        assert "http" not in DOCS_CONTENT_SECURITY_POLICY


def test_in_development_whitenoise_serves_every_asset_of_the_docs(settings):
    # As DEBUG=1 (make run) configures WhiteNoise: files found in the apps' static folders, as they change.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    development = Client()  # a new handler: the middleware reads these settings when it is built
    for path in DOCS_PAGES:
        for asset in _assets(development.get(path).content.decode()):
            response = development.get(asset)
            assert response.status_code == 200, asset
            source = finders.find(asset.removeprefix("/static/"))
            assert b"".join(response.streaming_content) == Path(source).read_bytes(), asset


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ProductionServer:
    """collectstatic into a folder of the test's own, then gunicorn with DEBUG=0 on a free port."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        self.log_path = tmp_path / "gunicorn.log"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_BROKER_KEY_PREFIX", "CACHE_URL"}
        }
        # The pages read no table: the server's own SQLite file in its var folder is never opened.
        self.env.update(
            DEBUG="0",
            SECRET_KEY="docs-page-test-only-" + "x" * 40,
            WEBHOOK_SECRET_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            ALLOWED_HOSTS=HOST,
            SECURE_SSL_REDIRECT="0",
            PORTAL_VAR_DIR=str(tmp_path / "var"),
            STATIC_ROOT=str(tmp_path / "staticfiles"),
            LOG_LEVEL="WARNING",
        )

    def __enter__(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            check=True,
            timeout=600,
        )
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (closed in __exit__)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "portal.wsgi:application", "-b", f"127.0.0.1:{self.port}", "--workers", "1"],
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log_path.read_text()}"
            try:
                if requests.get(self.url("/api/docs/"), headers={"Host": HOST}, timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"gunicorn did not answer in 120 s:\n{self.log_path.read_text()}"
            time.sleep(0.2)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@pytest.mark.slow
@pytest.mark.browser
def test_the_docs_render_in_chromium_from_a_production_server_and_fetch_nothing_from_outside(tmp_path):
    from playwright.sync_api import sync_playwright

    chromium = needs_chromium()
    with ProductionServer(tmp_path) as server:
        schema = requests.get(server.url("/api/v1/schema/?format=json"), headers={"Host": HOST}, timeout=120).json()
        operations = sum(1 for methods in schema["paths"].values() for method in methods if method != "parameters")
        assert operations > 20
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium,
                args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1:{server.port}"],
            )
            try:
                for path in DOCS_PAGES:
                    for width, viewport in VIEWPORTS.items():
                        _page_check(browser, path, width, viewport, operations, tmp_path)
            finally:
                browser.close()


def _page_check(browser, path, width, viewport, operations, tmp_path):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sent, failures, statuses = [], {}, {}
    page.on("request", lambda request: sent.append((request.url, request.resource_type)))
    page.on("requestfailed", lambda request: failures.setdefault(request.url, request.failure))
    page.on("response", lambda response: statuses.setdefault(response.url, response.status))
    try:
        assert page.goto(f"http://{HOST}{path}").status == 200
        selector = OPERATION_SELECTOR[path]
        page.wait_for_selector(selector, state="attached", timeout=120_000)
        rendered = page.locator(selector).count()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=tmp_path / f"{path.strip('/').replace('/', '-')}-{width}.png")
    finally:
        context.close()
    where = f"{path} at {width} width"
    assert rendered == operations, f"{where}: {rendered} operations rendered of {operations}"
    assert overflow <= 0, f"{where}: the page is {overflow}px wider than the screen"
    for url, kind in sent:
        if url.startswith(("blob:", "data:")):
            continue
        parts = urlsplit(url)
        if parts.hostname != HOST:
            # ReDoc's menu asks for Redocly's logo from their CDN: the page's policy stops it in the browser.
            assert failures.get(url) == "csp", f"{where}: a request left the browser: {url} ({failures.get(url)})"
            continue
        assert url not in failures and statuses.get(url, 0) < 400, f"{where}: {url} failed: {failures.get(url)}"
        if kind in {"script", "stylesheet", "image", "font"}:
            assert parts.path.startswith("/static/"), f"{where}: an asset outside /static/: {url}"
