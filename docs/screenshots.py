"""Screenshots of each role's main pages, at a desktop's width (1366 px) and a phone's (390 px), for README.

    make screenshots    # or: DEBUG=1 .venv/bin/python docs/screenshots.py [--only ROLE ...] [--keep] [--axe]

Seeds the demo world (``seed_demo``) into a throwaway PostgreSQL database (``portal_screenshots``, recreated
from a migrated template on the server DATABASE_URL names, dropped at the end unless ``--keep``), starts the
development server on it on a free port, and in Debian's Chromium (Playwright) opens each page signed out
and signed in as each demo role. Each picture is written as ``docs/screenshots/<role>-<page>-<width>.png``
(the top of the page, at most ``MAX_HEIGHT`` pixels of it, reduced to 256 colours with Pillow), and
README's "What it looks like" table is rewritten between its markers. ``--axe`` also lists axe-core's
serious and critical violations on the demo's pages (the browser test checks a smaller world). Not run by CI: run it after a page
changes and commit the pictures.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.benchmarking import database_prepare, with_database  # noqa: E402

OUT = BASE_DIR / "docs" / "screenshots"
README = BASE_DIR / "README.md"
DATABASE = "portal_screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
MAX_HEIGHT = {"desktop": 1400, "phone": 1400}
# Shown inline in README, in this order (role, page); the table links every picture.
INLINE = [("brand-owner", "dashboard"), ("reviewer", "review"), ("merchant-zh", "item")]
MARK_START = "<!-- screenshots:start (docs/screenshots.py writes this table) -->"
MARK_END = "<!-- screenshots:end -->"

ROLES = {
    "public": (None, "Signed out"),
    "brand-owner": ("demo-brand-owner", "Brand owner"),
    "agent": ("demo-agent", "Agent"),
    "merchant": ("demo-merchant", "Merchant"),
    "reviewer": ("demo-reviewer", "Reviewer"),
    "senior-reviewer": ("demo-senior-reviewer", "Senior reviewer"),
    "admin": ("demo-admin", "Admin"),
    # The same people reading the portal in Simplified Chinese (the language switcher's cookie).
    "public-zh": (None, "Signed out, in Chinese"),
    "brand-owner-zh": ("demo-brand-owner", "Brand owner, in Chinese"),
    "merchant-zh": ("demo-merchant", "Merchant, in Chinese"),
    "reviewer-zh": ("demo-reviewer", "Reviewer, in Chinese"),
}
CHINESE = "zh-hans"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pages_by_role():
    """``{role: [(page, title, path), ...]}`` over the seeded demo world (Django is set up)."""
    from django.contrib.auth import get_user_model
    from django.urls import NoReverseMatch, reverse

    from takedowns.models import ItemStatus, NoticeItem

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}

    def url(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:  # a page not there (yet, or renamed): left out rather than failing the run
            return None

    def item_of(*statuses, username=None, counter_notice=None):
        """The newest item in one of ``statuses`` (with or without a counter-notice) on ``username``'s side."""
        from django.db.models import Q

        from portal.models import Membership

        items = NoticeItem.objects.filter(status__in=statuses).order_by("-pk")
        if counter_notice is not None:
            items = items.filter(counter_notice__isnull=not counter_notice)
        if username:
            organisations = Membership.objects.filter(user=users[username]).values("organisation")
            items = items.filter(
                Q(notice__filer_organisation__in=organisations)
                | Q(listing__store__merchant__organisation__in=organisations)
            )
        return items.first()

    brand_item = item_of(
        ItemStatus.PENDING_ADJUDICATION, ItemStatus.UPHELD, username="demo-brand-owner", counter_notice=True
    )
    merchant_item = item_of(ItemStatus.AWAITING_COUNTER_NOTICE, username="demo-merchant")
    review_item = item_of(ItemStatus.PENDING_REVIEW)
    adjudication_item = item_of(ItemStatus.PENDING_ADJUDICATION, counter_notice=True)
    pages = {
        "public": [
            ("landing", "Landing page", url("home")),
            ("help", "Help centre", url("help:index")),
            ("transparency", "Transparency report", url("transparency:report")),
            ("register", "Public register of closed stores", url("public:register")),
            ("sign-in", "Sign in", url("login")),
        ],
        "brand-owner": [
            ("dashboard", "Dashboard", url("home")),
            ("notices", "Notices", url("takedowns:notice-list")),
            ("find-listings", "Find listings", url("takedowns:listing-search", query="?q=Northwind")),
            ("file-notice", "File a notice", url("takedowns:notice-create")),
            ("bulk-filing", "Bulk filing by CSV", url("takedowns:import-create")),
            ("notice", "A notice", brand_item and url("takedowns:notice-detail", brand_item.notice_id)),
            (
                "item",
                "An item with the merchant's counter-notice",
                brand_item and url("takedowns:item-detail", brand_item.pk),
            ),
            ("assets", "IP assets", url("rights:asset-list")),
            ("alerts", "Screening alerts", url("screening:alert-inbox")),
            ("good-faith", "Good Faith standing", url("good_faith:holder-overview")),
            ("notifications", "Notifications", url("takedowns:notifications")),
            ("account", "Account", url("account")),
        ],
        "agent": [
            ("dashboard", "Dashboard", url("home")),
            ("notices", "Notices", url("takedowns:notice-list")),
            ("file-notice", "File a notice", url("takedowns:notice-create")),
        ],
        "merchant": [
            ("dashboard", "Dashboard", url("takedowns:merchant-dashboard") or url("home")),
            ("notices", "Complaints", url("takedowns:notice-list")),
            ("item", "A complaint to answer", merchant_item and url("takedowns:item-detail", merchant_item.pk)),
        ],
        "reviewer": [
            ("queue", "Review queue", url("takedowns:review-queue")),
            ("review", "Deciding a review", review_item and url("takedowns:item-detail", review_item.pk)),
            (
                "adjudication",
                "Deciding an adjudication",
                adjudication_item and url("takedowns:item-detail", adjudication_item.pk),
            ),
            ("assets", "IP assets to verify", url("rights:asset-list")),
        ],
        "senior-reviewer": [
            ("queue", "Review queue", url("takedowns:review-queue")),
            ("audits", "Good Faith audits", url("good_faith:audit-queue")),
        ],
        "admin": [
            ("good-faith", "Good Faith members", url("good_faith:staff-list")),
            ("misuse", "Misuse measures", url("good_faith:misuse")),
            ("service-level", "Service level", url("good_faith:service-level")),
            ("failed-effects", "Failed effects", url("takedowns:effects-failed")),
        ],
    }
    chinese = ("landing", "dashboard", "find-listings", "item", "queue", "review")
    for role in [r for r in ROLES if r.endswith("-zh")]:
        pages[role] = [page for page in pages[role.removesuffix("-zh")] if page[0] in chinese]
    logins = {role: users[username] for role, (username, _) in ROLES.items() if username}
    return {role: [p for p in listed if p[2]] for role, listed in pages.items()}, logins


def _session_cookie(user, server):
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from portal.two_factor.devices import authenticator_of

    client = Client()
    client.force_login(user)
    device = authenticator_of(user)
    if device is not None:
        # Past two-factor sign-in with the demo staff's authenticator (seed_demo gives them one).
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": server,
    }


def _optimise(path):
    """256 colours: a page's flat colours survive, the file is a third of the size or less."""
    from PIL import Image

    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def _axe_findings(axe, page):
    """axe-core's serious and critical violations on the page, one line each (as the browser test counts them)."""
    found = []
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def shoot(server, pages, logins, only, audit=False):
    from axe_playwright_python.sync_playwright import Axe
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    axe = Axe()
    findings = []
    cookies = {role: _session_cookie(user, server) for role, user in logins.items()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for role, listed in pages.items():
            if only and role not in only:
                continue
            for width, viewport in WIDTHS.items():
                context = browser.new_context(viewport=viewport, device_scale_factor=1)
                if role in cookies:
                    context.add_cookies([cookies[role]])
                if role.endswith("-zh"):
                    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": CHINESE, "url": server}])
                page = context.new_page()
                for name, _title, path in listed:
                    response = page.goto(f"{server}{path}", wait_until="networkidle")
                    if response.status != 200:
                        raise SystemExit(f"{role} {path}: HTTP {response.status}")
                    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width])
                    target = OUT / f"{role}-{name}-{width}.png"
                    page.screenshot(
                        path=str(target),
                        full_page=True,
                        clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
                    )
                    _optimise(target)
                    print(f"{target.relative_to(BASE_DIR)}  {target.stat().st_size // 1024} KB", flush=True)
                    if audit:
                        findings += [f"{role} {path} at {width}: {f}" for f in _axe_findings(axe, page)]
                context.close()
        browser.close()
    if audit:
        print("axe-core: " + ("\n".join(findings) if findings else "no serious or critical violation"), flush=True)


def readme_update(pages):
    """The "What it looks like" pictures and table, between the markers, from the pages list."""
    lines = [MARK_START, ""]
    for role, name in INLINE:
        title = next(t for n, t, _ in pages[role] if n == name)
        label = f"{ROLES[role][1]}: {title}"
        lines.append(
            f'<a href="docs/screenshots/{role}-{name}-desktop.png"><img src="docs/screenshots/{role}-{name}-desktop.png" '
            f'alt="{label}, desktop" width="640"></a> <a href="docs/screenshots/{role}-{name}-phone.png">'
            f'<img src="docs/screenshots/{role}-{name}-phone.png" alt="{label}, phone" width="180"></a>'
        )
        lines.append("")
    lines += ["| who | page | desktop (1366 px) | phone (390 px) |", "| --- | --- | --- | --- |"]
    for role, listed in pages.items():
        for name, title, _ in listed:
            lines.append(
                f"| {ROLES[role][1]} | {title} | [desktop](docs/screenshots/{role}-{name}-desktop.png) "
                f"| [phone](docs/screenshots/{role}-{name}-phone.png) |"
            )
    lines += ["", MARK_END]
    text = README.read_text()
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {MARK_START} ... {MARK_END} markers")
    README.write_text(pattern.sub(lambda _: "\n".join(lines), text, count=1))


def _wait_for(url, server_process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server_process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server_process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=sorted(ROLES), help="only these roles' pages (README kept)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--axe", action="store_true", help="also run axe-core on each page (the demo's richer data)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium (make browser-deps)")
    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
    if not server_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server (the throwaway database is made there)")
    database = database_prepare(server_url, DATABASE)
    var_dir = Path(tempfile.mkdtemp(prefix="portal-screenshots-"))
    # The demo's own database, files and (unused) broker: nothing of the developer's is touched.
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DEBUG": "1",
        "PORTAL_VAR_DIR": str(var_dir),
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
    }
    os.environ.update(env)
    server = None
    django_ready = False
    try:
        print("Seeding the demo world...", flush=True)
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "seed_demo"], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
        )
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health/", server)
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        django.setup()
        django_ready = True
        pages, logins = pages_by_role()
        OUT.mkdir(parents=True, exist_ok=True)
        shoot(base, pages, logins, set(args.only or ()), audit=args.axe)
        if not args.only:
            readme_update(pages)
            print("README.md: the screenshots table rewritten", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if django_ready:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(var_dir, ignore_errors=True)
        if not args.keep:
            import psycopg2

            admin = psycopg2.connect(with_database(server_url, "postgres"))
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
            admin.close()


if __name__ == "__main__":
    main()
