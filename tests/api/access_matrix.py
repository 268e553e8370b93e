"""The API's operations as the live schema publishes them, and a small world of every role to call them with.

``tests/api/test_access_matrix.py`` walks ``api_operations()`` at test time, so an endpoint
landed later is covered without anyone adding it to a list of URLs: the schema
(drf-spectacular, the same generator as ``openapi.yaml``) names each operation, its path
parameters and the statuses it documents; the URL resolver gives the API class behind it
(``api.routing.by_method`` paths included) and so the scope it requires.
"""

import functools
import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from PIL import Image

from api.models import ApiKey
from api.problems import PROBLEM_CONTENT_TYPE
from api.scopes import scopes_offered_to
from api.webhooks.subscriptions import webhook_subscription_create, webhook_test_send
from listings.images import listing_images_add
from listings.models import ListingStatus
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.models import Partner, PartnerKind
from takedowns import lifecycle
from takedowns.effects import item_effects_run
from tests import factories
from tests.api.conftest import PartnerClient
from tests.services import SESSIONS_VERIFIED, session_second_factor_pass

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
PARAMETER = re.compile(r"{(\w+)}")

# Routes under /api/ that are no operation of the contract, and why nobody needs a key for them.
PUBLIC_ROUTES = {
    "/api/v1/schema/": "the published contract (OpenAPI) itself",
    "/api/docs/": "the interactive documentation of that contract",
    "/api/docs/redoc/": "the same documentation, rendered by ReDoc",
}

# What each path parameter names: the prefix of its public ids (api.fields.PREFIXES).
PARAMETER_PREFIXES = {
    "asset_id": "ast",
    "listing_id": "lst",
    "notice_id": "ntc",
    "item_id": "itm",
    "webhook_id": "whk",
    "event_id": "evt",
    "image_id": "img",
    "alert_id": "alr",
    "keyword_id": "kwd",
    "seller_id": "rsl",
    "counterfeit_image_id": "cfi",
}

# Every kind of caller the API serves; each holds a key of its own organisation.
ROLES = ("brand", "agent", "agent_without_letter", "partner", "merchant", "marketplace")


@dataclass(frozen=True)
class Operation:
    """One operation of the published schema, with the API class that serves it."""

    operation_id: str
    method: str  # upper case
    path: str  # as the schema writes it: /api/v1/items/{item_id}/withdraw/
    parameters: tuple  # the path's parameters, in order
    responses: frozenset  # the statuses the schema documents, as strings
    view_class: type
    scope: str | None  # what the class requires for this method (api.permissions); None: refused to all
    takes_body: bool  # the schema describes a request body

    def __str__(self):
        return self.operation_id

    def url(self, args):
        return PARAMETER.sub(lambda m: args[m.group(1)], self.path)


def view_class_of(path, method):
    """The API class serving ``method`` on the schema's ``path`` (resolved with placeholder ids)."""
    callback = resolve(PARAMETER.sub("x", path)).func
    routes = getattr(callback, "by_method", None)  # api.routing.by_method: one class per method
    if routes is not None:
        callback = routes[method]
    return getattr(callback, "cls", None) or callback.view_class


@functools.cache
def api_schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@functools.cache
def api_operations():
    """Every operation of the live schema, in the schema's order."""
    operations = []
    for path, path_item in api_schema()["paths"].items():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            view_class = view_class_of(path, method.upper())
            operations.append(
                Operation(
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    path=path,
                    parameters=tuple(PARAMETER.findall(path)),
                    responses=frozenset(operation.get("responses", {})),
                    view_class=view_class,
                    scope=getattr(view_class, "required_scopes", {}).get(method.upper()),
                    takes_body="requestBody" in operation,
                )
            )
    return tuple(operations)


def api_routes():
    """{schema-style path: the HTTP methods it serves} for every URL under /api/, as the resolver sees them."""
    routes = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = "/" + prefix + str(pattern.pattern)
                if not route.startswith("/api/"):
                    continue
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                callback = pattern.callback
                by_method = getattr(callback, "by_method", None)
                if by_method is not None:
                    methods = set(by_method)
                else:
                    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
                    methods = {m.upper() for m in HTTP_METHODS if cls is not None and hasattr(cls, m)}
                routes[path] = methods

    walk(get_resolver().url_patterns, "")
    return routes


# --- Problem details ---------------------------------------------------------------------


def assert_problem(response, status):
    """``response`` is RFC 9457 problem details with this status, naming the request it answers."""
    assert response.status_code == status, (
        f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}: expected {status}, "
        f"got {response.status_code}: {response.content[:500]!r}"
    )
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE, response["Content-Type"]
    body = response.json()
    missing = {"type", "title", "status", "detail", "instance", "code"} - set(body)
    assert not missing, f"problem details without {sorted(missing)}: {body}"
    assert body["status"] == status
    assert body["type"].endswith(f"/{body['code']}"), body
    assert all(isinstance(body[name], str) and body[name] for name in ("type", "title", "detail", "code")), body
    query = response.request.get("QUERY_STRING")
    assert body["instance"] == response.request["PATH_INFO"] + (f"?{query}" if query else ""), body
    return body


# --- The world ---------------------------------------------------------------------------

FILER = {
    "filer_name": "Ada Brand",
    "filer_address": "1 Brand Street, Paris",
    "filer_phone": "+33 1 23 45 67 89",
    "filer_email": "ada@brand-a.test",
    "signature": "Ada Brand",
    "good_faith_statement": True,
    "accuracy_statement": True,
    "authority_statement": True,
}

COUNTER_NOTICE = {
    "statement": "Bought from the brand's own distributor; invoice attached.",
    "contact_name": "Mo Merchant",
    "contact_address": "2 Market Road, Yiwu",
    "contact_phone": "+86 579 0000 0000",
    "contact_email": "mo@shady.test",
    "signature": "Mo Merchant",
    "accuracy_statement": True,
}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

WEBHOOK_URL = "http://127.0.0.1:9/hook"  # never called: on_commit does not run in these tests


def pid(prefix, obj):
    return public_ids.encode(prefix, obj.public_id)


def missing_id(prefix):
    """A well-formed id of this type that names nothing."""
    return public_ids.encode(prefix, public_ids.uuid7())


def pdf(name="proof.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png_file(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class BrowserClient(PartnerClient):
    """A browser on the portal: CSRF checked as in production, and sent as the portal's pages and the API docs
    send it, the ``csrftoken`` cookie's value in ``X-CSRFToken`` with every unsafe method (``send_csrf=False``:
    a page of another site, which cannot read the cookie, making the signed-in browser post)."""

    def __init__(self, **defaults):
        super().__init__(enforce_csrf_checks=True, **defaults)
        self.send_csrf = True

    def generic(self, method, path, *args, **extra):
        if self.send_csrf and method.upper() not in SAFE_METHODS and settings.CSRF_COOKIE_NAME in self.cookies:
            extra.setdefault("HTTP_X_CSRFTOKEN", self.cookies[settings.CSRF_COOKIE_NAME].value)
        return super().generic(method, path, *args, **extra)

    def sign_in(self, user, password=factories.PASSWORD):
        """The sign-in page, as a person uses it: the form (and its CSRF cookie), then the password posted."""
        response = self.try_sign_in(user, password)
        assert response.status_code == 302, f"{user} could not sign in: {response.status_code}"
        assert self.session["_auth_user_id"] == str(user.pk)
        if SESSIONS_VERIFIED["on"]:
            # Past the second factor as every signed-in test session is (tests/conftest.py).
            session_second_factor_pass(self, user)
        return user

    def try_sign_in(self, user, password):
        page = self.get(reverse("login"))
        assert page.status_code == 200, page.status_code
        token = self.cookies[settings.CSRF_COOKIE_NAME].value
        return self.post(
            reverse("login"), {"username": user.username, "password": password, "csrfmiddlewaretoken": token}
        )

    def sign_out(self):
        assert self.post(reverse("logout")).status_code == 302


@dataclass
class Call:
    """What a role sends to an operation: the path's ids and a body (made anew for each request)."""

    args: dict = field(default_factory=dict)
    body: object = None  # a callable giving the body, or None
    format: str = "json"


class MatrixWorld:
    """The conftest ``world`` (a brand, its agent with a letter, an agent without, a vetting partner, a
    merchant with a store) plus the marketplace, and the objects each role would address, made on demand."""

    def __init__(self, world, reviewer):
        self.base = world
        self.reviewer = reviewer
        marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
        Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
        self.organisations = {
            "brand": world.brand.organisation,
            "agent": world.agent,
            "agent_without_letter": world.agent_without_letter,
            "partner": world.partner.organisation,
            "merchant": world.merchant_org,
            "marketplace": marketplace,
        }
        self._cache = {}

    def __getattr__(self, name):
        return getattr(self.base, name)

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # Keys and clients.

    def key(self, role, scopes=None, **kwargs):
        """(ApiKey, secret) of ``role``'s organisation: every scope it may hold unless ``scopes`` says."""
        from api.keys import api_key_create

        organisation = self.organisations[role]
        scopes = scopes_offered_to(organisation) if scopes is None else scopes
        return api_key_create(organisation=organisation, scopes=scopes, name=f"{role} key", **kwargs)

    def client(self, role=None, scopes=None, secret=None):
        """A PartnerClient sending ``role``'s new key (or ``secret``); no credentials when both are None."""
        client = PartnerClient()
        if role is not None and secret is None:
            _, secret = self.key(role, scopes)
        if secret is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    def session_client(self, role, member_role="owner"):
        """A BrowserClient signed in through the portal's sign-in page as a person, a member (``member_role``,
        an owner unless said) of ``role``'s organisation."""
        client = BrowserClient()
        client.sign_in(factories.member_of(self.organisations[role], role=member_role))
        return client

    def signed_out_client(self, role):
        """A browser that signed in as an owner of ``role``'s organisation, then out: its cookies stay."""
        client = self.session_client(role)
        client.sign_out()
        return client

    def principal_session_client(self, role):
        """A browser holding a session made for a key's principal (which no sign-in makes: it would be
        a session forged or kept from before ``portal.authentication.PersonBackend``)."""
        key, _ = self.key(role)
        client = BrowserClient()
        client.force_login(key.principal)  # with the backend the settings name
        return client

    def revoked_secret(self, role):
        from api.keys import api_key_revoke

        key, secret = self.key(role)
        api_key_revoke(key=key)
        return secret

    def expired_secret(self, role):
        key, secret = self.key(role, expires_at=timezone.now() + timedelta(days=1))
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        return secret

    # Filing.

    def filing_role(self, role):
        """Who files the notice a role addresses: the brand's side files its own; others address the brand's."""
        return role if role in ("brand", "agent", "partner") else "brand"

    def notice_body(self, role, listing=None):
        body = {
            **FILER,
            "items": [
                {
                    "listing": pid("lst", listing or self.listings[0]),
                    "asset": pid("ast", self.asset),
                    "infringement_type": "counterfeit",
                    "explanation": "Fake logo, wrong stitching, a tenth of the price.",
                }
            ],
        }
        if role != "brand":
            body["rights_holder"] = pid("rhd", self.brand)
        return body

    def _file(self, role, body):
        response = self.client(role, ["notices:write"]).post("/api/v1/notices/", body, format="json")
        assert response.status_code == 201, response.content
        (accepted,) = response.json()["accepted"]
        return response.json()["id"], accepted["id"]

    def item(self, role, state="pending_review"):
        """(notice id, item id) of the item ``role`` would address, brought to ``state``."""

        def make():
            notice_id, item_id = self._file(self.filing_role(role), self.notice_body(self.filing_role(role)))
            item = self._item_row(item_id)
            # A vetting partner's items take the fast track: down at once, no review to wait for.
            if state != "pending_review" and item.status == "pending_review":
                lifecycle.notice_item_accept(item_id=item.pk, actor=self.reviewer)
            if state == "counter_noticed":
                response = self.client("merchant", ["counter_notices:write"]).post(
                    f"/api/v1/items/{item_id}/counter-notice/", COUNTER_NOTICE, format="json"
                )
                assert response.status_code == 200, response.content
            if state == "upheld":
                lifecycle.notice_item_uphold_by_default(item_id=item.pk, now=timezone.now() + timedelta(hours=73))
                item_effects_run(item.pk)
            assert self._item_row(item_id).status == state
            return notice_id, item_id

        return self._once(("item", self.filing_role(role), state), make)

    @staticmethod
    def _item_row(item_id):
        from takedowns.models import NoticeItem

        return NoticeItem.objects.get(public_id=public_ids.decode("itm", item_id))

    # Screening alerts.

    def alert(self):
        """An open screening alert of the brand (its agent with a letter sees it too)."""

        def make():
            from tests.screening.alert_world import alert_made

            return pid("alr", alert_made(self.brand, self.asset, self.listings[3]))

        return self._once("alert", make)

    # Webhooks.

    def webhook(self, role):
        """(webhook id, event id of one delivery) of ``role``'s organisation."""

        def make():
            organisation = self.organisations[role]
            owner = factories.member_of(organisation, role="owner")
            subscription, _ = webhook_subscription_create(
                organisation=organisation, url=WEBHOOK_URL, event_types=["*"], actor=owner
            )
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
            return pid("whk", subscription), pid("evt", delivery.event)

        return self._once(("webhook", role), make)

    # Another organisation's objects, one per path parameter: each must be a 404 like a missing id.

    def foreign_ids(self):
        """{path parameter: an id of an object no role of the world may see}."""

        def make():
            other = self.other_brand.organisation
            _, secret = self.key_of(other)
            other_client = self.client(secret=secret)
            body = {
                **FILER,
                "items": [
                    {
                        "listing": pid("lst", self.other_listing),
                        "asset": pid("ast", self.other_asset),
                        "infringement_type": "counterfeit",
                        "explanation": "Fake logo, wrong stitching, a tenth of the price.",
                    }
                ],
            }
            response = other_client.post("/api/v1/notices/", body, format="json")
            assert response.status_code == 201, response.content
            filed = response.json()
            owner = factories.member_of(other, role="owner")
            subscription, _ = webhook_subscription_create(
                organisation=other, url=WEBHOOK_URL, event_types=["*"], actor=owner
            )
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
            removed = factories.ListingFactory(store=self.other_listing.store, status=ListingStatus.REMOVED)
            # An image of another listing: addressed under a listing of the caller's, it is no image of that one.
            (image,) = listing_images_add(listing=self.other_listing, files=[png_file()], actor=None)
            from tests.screening.alert_world import alert_made

            other_alert = alert_made(self.other_brand, self.other_asset, self.other_listing)
            from tests.screening.intel_world import counterfeit_uploaded, keyword_made, seller_reported

            return {
                "asset_id": pid("ast", self.other_asset),
                "listing_id": pid("lst", removed),
                "notice_id": filed["id"],
                "item_id": filed["accepted"][0]["id"],
                "webhook_id": pid("whk", subscription),
                "event_id": pid("evt", delivery.event),
                "image_id": pid("img", image),
                "alert_id": pid("alr", other_alert),
                "keyword_id": pid("kwd", keyword_made(self.other_asset)),
                "seller_id": pid("rsl", seller_reported(self.other_brand)),
                "counterfeit_image_id": pid("cfi", counterfeit_uploaded(self.other_brand)),
            }

        return self._once("foreign", make)

    @staticmethod
    def key_of(organisation):
        from api.keys import api_key_create

        return api_key_create(organisation=organisation, scopes=scopes_offered_to(organisation), name="other")
