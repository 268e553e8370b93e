"""Every operation of the API, for every role, with a key and signed in: allowed, 401, 403 and another's 404.

The operations come from the live OpenAPI schema at test time (``tests/api/access_matrix.py``),
so an endpoint landed later is walked too. What each role gets is the EXPECTATIONS table below;
an operation missing from it fails, with a message saying to add it: no endpoint goes unchecked.

For each operation:
- no credentials, an unknown key, a revoked key and an expired key: 401 problem details with
  ``WWW-Authenticate``, before anything else (the Idempotency-Key check included);
- a key of an organisation allowed to call it, without the scope the API class requires
  (``required_scopes``): 403 problem details naming the scope;
- on one object (a ``{..._id}`` in the path): another organisation's object is a 404 identical,
  apart from ``instance``, to a missing id's, and so is a malformed id; with a key and in a browser session;
- each role, with a key carrying every scope its organisation may hold: the table's status;
- a key past its rate limit: 429 with ``Retry-After``; an Accept other than JSON: 406;
- writes: a body of a type it does not read 415, malformed or not an object 400 (never a 500,
  nothing recorded), too large 413;
- on every path, every method in one order: no or a bad key 401 (OPTIONS and unserved methods too), then a
  method the path does not serve 405 whatever the scopes, OPTIONS 204, each with the path's ``Allow``;
- every status seen is one the schema documents for the operation, every error problem details.

Browser sessions (the session column, ``Expect.session``): a person signed in through the portal's
sign-in page acts as that person, with that person's rights, and holds no scope (scopes limit a key, as
its owner chose them). So each role's owner signed in sees what the role's key sees (the same
selectors) and may do what the pages let them do (the same services check the person). Where a session
differs from a key, the column says so: ingest is for the marketplace's key only (an integration, not a
person); a filing in a session names the organisation that files (a person may belong to several).
An unsafe method needs the CSRF token in ``X-CSRFToken``, as the browser sends it: without it, 403
``csrf_failed`` problem details and nothing done. A session that ended, or one made for a key's principal
(no sign-in makes one: ``portal.authentication.PersonBackend``), is no one: 401 like no credentials.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from api.models import IdempotencyRecord
from api.permissions import ANY_KEY
from api.scopes import ALL_SCOPES, scopes_offered_to
from listings.images import listing_images_add
from portal.models import AuditLogEntry
from tests.api.access_matrix import (
    COUNTER_NOTICE,
    FILER,
    PARAMETER_PREFIXES,
    PUBLIC_ROUTES,
    ROLES,
    WEBHOOK_URL,
    BrowserClient,
    Call,
    MatrixWorld,
    api_operations,
    api_routes,
    assert_problem,
    missing_id,
    pdf,
    pid,
    png_file,
)
from tests.factories import PASSWORD

OPERATIONS = api_operations()


@dataclass(frozen=True)
class Expect:
    """What each role gets from an operation with a key carrying every scope its organisation may hold.

    ``call(world, role)`` names the object the role would address (its own where it has one) and the
    body it sends; a role refused gets the very same request as the ones allowed.

    ``session``: what a person of the role (an owner of its organisation) signed in to the portal gets,
    where it differs from the key's (the module's docstring says why it may); ``session_call`` the request
    such a person sends, where it differs from ``call``'s.
    """

    statuses: dict
    call: Callable = lambda world, role: Call()
    session: dict = field(default_factory=dict)
    session_call: Callable | None = None
    # Path parameters no object of which is another organisation's to the roles allowed: the marketplace
    # feeds the whole catalogue, so every listing is its own to address (a removed one is a 409 saying so).
    nothing_foreign: frozenset = frozenset()

    def session_statuses(self):
        return {**self.statuses, **self.session}


def each(default=None, **statuses):
    """{role: status} for every role: those named, the rest ``default``."""
    unknown = set(statuses) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    out = {role: statuses.get(role, default) for role in ROLES}
    assert None not in out.values(), f"give every role a status: {out}"
    return out


def _asset_registration(world, role):
    def body():
        return {
            "kind": "trademark",
            "name": "NORTHWIND",
            "trademark_type": "word",
            "registration_number": "018000001",
            "office": "EUIPO",
            "nice_classes": [25],
            "proof": pdf(),
        }

    return Call(body=body, format="multipart")


def _ingest(world, role):
    row = {
        "external_id": "MATRIX-1",
        "store": pid("sto", world.store),
        "title": "Running shoe",
        "category": "shoes",
        "price": "49.00",
    }
    return Call(body=lambda: {"listings": [row]})


def _notice_filing(world, role):
    return Call(body=lambda: world.notice_body(role))


def _notice_filing_in_a_session(world, role):
    # A person may belong to several organisations: the one that files is named, never guessed.
    acting = world.organisations[role].slug
    return Call(body=lambda: {**world.notice_body(role), "acting_organisation": acting})


def _item(state, body=None, notice=False):
    def call(world, role):
        notice_id, item_id = world.item(role, state)
        args = {"notice_id": notice_id} if notice else {"item_id": item_id}
        return Call(args=args, body=(lambda: dict(body)) if body is not None else None)

    return call


def _listing_images(world, role):
    return Call(
        args={"listing_id": pid("lst", world.listings[0])}, body=lambda: {"images": [png_file()]}, format="multipart"
    )


def _listing_image(world, role):
    (image,) = listing_images_add(listing=world.listings[0], files=[png_file()], actor=None)
    return Call(args={"listing_id": pid("lst", world.listings[0]), "image_id": pid("img", image)})


def _webhook(body=None, event=False):
    def call(world, role):
        webhook_id, event_id = world.webhook(role)
        args = {"webhook_id": webhook_id, **({"event_id": event_id} if event else {})}
        return Call(args=args, body=(lambda: dict(body)) if body is not None else None)

    return call


HOLDER_SIDE_READS = each(404, brand=200, agent=200, partner=200, merchant=200)


def _alert(body=None):
    def call(world, role):
        return Call(args={"alert_id": world.alert()}, body=(lambda: dict(body)) if body is not None else None)

    return call


def _alert_confirm_in_a_session(world, role):
    # As a notice filing: a person names the organisation that files.
    acting = world.organisations[role].slug
    return Call(args={"alert_id": world.alert()}, body=lambda: {**FILER, "acting_organisation": acting})


def _brand_asset(body=None):
    def call(world, role):
        return Call(args={"asset_id": pid("ast", world.asset)}, body=body)

    return call


def _extra_keyword(world, role):
    from tests.screening.intel_world import keyword_made

    return Call(args={"asset_id": pid("ast", world.asset), "keyword_id": pid("kwd", keyword_made(world.asset))})


def _seller_report(world, role):
    from tests.screening.intel_world import new_phone

    return Call(body=lambda: {"rights_holder": pid("rhd", world.brand), "phone": new_phone()})


def _reported_seller(world, role):
    from tests.screening.intel_world import seller_reported

    return Call(args={"seller_id": pid("rsl", seller_reported(world.brand))})


def _counterfeit_upload(world, role):
    return Call(body=lambda: {"rights_holder": pid("rhd", world.brand), "images": [png_file()]}, format="multipart")


def _counterfeit_image(world, role):
    from tests.screening.intel_world import counterfeit_uploaded

    return Call(args={"counterfeit_image_id": pid("cfi", counterfeit_uploaded(world.brand))})


def _new_keyword():
    from tests.screening.intel_world import new_keyword

    return {"keywords": [new_keyword()]}


EXPECTATIONS = {
    "me_retrieve": Expect(each(200)),
    "assets_list": Expect(each(200)),
    "assets_create": Expect(each(403, brand=201, agent=201), _asset_registration),
    # Whoever files for the brand reads the asset its notice lines name: its staff, its agent, its vetting partner.
    "assets_retrieve": Expect(
        each(404, brand=200, agent=200, partner=200),
        lambda world, role: Call(args={"asset_id": pid("ast", world.asset)}),
    ),
    "listings_list": Expect(each(200)),
    "listings_retrieve": Expect(
        each(200), lambda world, role: Call(args={"listing_id": pid("lst", world.listings[0])})
    ),
    "listings_ingest": Expect(each(403, marketplace=200), _ingest, session={"marketplace": 403}),
    "listing_images_list": Expect(each(200), _listing_images),
    "listing_images_add": Expect(
        each(403, marketplace=201), _listing_images, session={"marketplace": 403}, nothing_foreign={"listing_id"}
    ),
    "listing_images_remove": Expect(
        each(403, marketplace=204), _listing_image, session={"marketplace": 403}, nothing_foreign={"listing_id"}
    ),
    "notices_list": Expect(each(200)),
    "notices_create": Expect(
        each(403, brand=201, agent=201, partner=201), _notice_filing, session_call=_notice_filing_in_a_session
    ),
    "notices_retrieve": Expect(HOLDER_SIDE_READS, _item("awaiting_counter_notice", notice=True)),
    "items_list": Expect(each(200)),
    "items_retrieve": Expect(HOLDER_SIDE_READS, _item("awaiting_counter_notice")),
    "items_withdraw": Expect(
        each(404, brand=200, agent=200, partner=200, merchant=403),
        _item("awaiting_counter_notice", {"reason": "Settled."}),
    ),
    "items_reply": Expect(
        each(404, brand=200, agent=200, partner=200, merchant=403),
        _item("counter_noticed", {"statement": "The invoice is forged."}),
    ),
    # Upheld is the complainant's win: its side reaches the item (not 404/403) and is refused its own win (409).
    "items_appeal": Expect(
        each(404, brand=409, agent=409, partner=409, merchant=200),
        _item("upheld", {"statement": "The decision should change."}),
    ),
    "items_counter_notice": Expect(
        each(404, brand=403, agent=403, partner=403, merchant=200), _item("awaiting_counter_notice", COUNTER_NOTICE)
    ),
    # Screening alerts: the brand's and its agents' (with a letter in force) inbox; nobody else sees one.
    "alerts_list": Expect(each(200)),
    "alerts_retrieve": Expect(each(404, brand=200, agent=200), _alert()),
    "alerts_confirm": Expect(each(404, brand=200, agent=200), _alert(FILER), session_call=_alert_confirm_in_a_session),
    "alerts_dismiss": Expect(each(404, brand=200, agent=200), _alert({"reason": "genuine_goods"})),
    # What a brand tells screening: its people and its agents (a letter in force) only.
    "asset_keywords_list": Expect(each(404, brand=200, agent=200), _brand_asset()),
    "asset_keywords_add": Expect(each(404, brand=201, agent=201), _brand_asset(_new_keyword)),
    "asset_keywords_remove": Expect(each(404, brand=204, agent=204), _extra_keyword),
    "reported_sellers_list": Expect(each(200)),
    # Naming a brand the caller does not act for is a 400 on `rights_holder`, as a notice filing's.
    "reported_sellers_create": Expect(each(400, brand=201, agent=201), _seller_report),
    "reported_sellers_remove": Expect(each(404, brand=204, agent=204), _reported_seller),
    "counterfeit_images_list": Expect(each(200)),
    "counterfeit_images_add": Expect(each(400, brand=201, agent=201), _counterfeit_upload),
    "counterfeit_images_remove": Expect(each(404, brand=204, agent=204), _counterfeit_image),
    "rights_holders_list": Expect(each(200)),
    "good_faith_retrieve": Expect(each(200)),
    "webhooks_list": Expect(each(200)),
    "webhooks_create": Expect(
        each(201), lambda world, role: Call(body=lambda: {"url": WEBHOOK_URL, "event_types": ["*"]})
    ),
    "webhooks_event_types_list": Expect(each(200)),
    "webhooks_retrieve": Expect(each(200), _webhook()),
    "webhooks_update": Expect(each(200), _webhook({"description": "CRM"})),
    "webhooks_destroy": Expect(each(204), _webhook()),
    "webhooks_secret_rotate": Expect(each(200), _webhook()),
    "webhooks_test": Expect(each(202), _webhook()),
    "webhooks_deliveries_list": Expect(each(200), _webhook()),
    "webhooks_deliveries_retrieve": Expect(each(200), _webhook(event=True)),
    "webhooks_deliveries_redeliver": Expect(each(202), _webhook(event=True)),
}


def expectation(operation):
    entry = EXPECTATIONS.get(operation.operation_id)
    if entry is None:
        pytest.fail(
            f"{operation.method} {operation.path} ({operation.operation_id}) has no entry in EXPECTATIONS of "
            f"{__name__}: add one saying what each role gets (and the call that addresses its object)."
        )
    return entry


def session_call(entry, world, role):
    return (entry.session_call or entry.call)(world, role)


def allowed_role(operation, via="key"):
    """The first role the table lets call ``operation`` with a key (``via="session"``: signed in), or None."""
    entry = expectation(operation)
    statuses = entry.statuses if via == "key" else entry.session_statuses()
    allowed = [role for role in ROLES if 200 <= statuses[role] < 300]
    assert allowed or via != "key", f"{operation}: no role may call it; the table must name at least one"
    return allowed[0] if allowed else None


def send(operation, client, call, args=None, **extra):
    """``operation`` sent by ``client`` with ``call``'s ids (``args`` replacing some) and body."""
    url = operation.url({**call.args, **(args or {})})
    method = getattr(client, operation.method.lower())
    with_body = {} if call.body is None else {"data": call.body(), "format": call.format}
    response = method(url, **with_body, **extra)
    assert str(response.status_code) in operation.responses, (
        f"{operation} answered {response.status_code}, which its schema does not document "
        f"(documented: {sorted(operation.responses)}): {response.content[:300]!r}"
    )
    return response


@pytest.fixture
def matrix(world, reviewer, settings):
    # Subscriptions name a loopback URL (never called: on_commit does not run here).
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    # Every test presents bad keys from 127.0.0.1; a shared cache (CACHE_URL) would add them up across tests.
    settings.API_AUTH_FAILURE_LIMIT = (10**6, 60)
    return MatrixWorld(world, reviewer)


# --- The table covers the API --------------------------------------------------------------


def test_every_operation_of_the_schema_has_an_entry_in_the_table():
    published = {operation.operation_id for operation in OPERATIONS}
    missing = sorted(published - set(EXPECTATIONS))
    assert not missing, (
        f"Operations without an entry in EXPECTATIONS ({__name__}): {missing}. Add one for each, saying what "
        "every role gets, so the access matrix checks it."
    )
    stale = sorted(set(EXPECTATIONS) - published)
    assert not stale, f"EXPECTATIONS names operations the schema no longer has: {stale}"


def test_every_route_under_api_is_an_operation_of_the_schema_or_a_known_public_page():
    published = {}
    for operation in OPERATIONS:
        published.setdefault(operation.path, set()).add(operation.method)
    routes = api_routes()
    assert set(PUBLIC_ROUTES) <= set(routes), f"public routes gone: {set(PUBLIC_ROUTES) - set(routes)}"
    unpublished = {
        path: sorted(methods - published.get(path, set()))
        for path, methods in routes.items()
        if path not in PUBLIC_ROUTES and methods - published.get(path, set())
    }
    assert not unpublished, f"routes served but not in the schema (so unchecked): {unpublished}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_operation_requires_a_known_scope(operation):
    assert operation.scope in ALL_SCOPES | {ANY_KEY}, (
        f"{operation.view_class.__name__}.required_scopes names no known scope for {operation.method}: "
        f"{operation.scope!r}"
    )
    # A scope is derived from the class, so check it is the right kind: a read never needs a write scope and a
    # write is never allowed by a read scope (webhooks:manage covers both sides of the subscriptions).
    if operation.scope not in (ANY_KEY, "webhooks:manage"):
        reads = operation.scope.endswith(":read")
        assert reads == (operation.method == "GET"), f"{operation.method} {operation.path} needs {operation.scope}"


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_status_the_table_expects_is_documented(operation):
    expected = {str(status) for status in expectation(operation).statuses.values()} | {"401"}
    if operation.scope != ANY_KEY:
        expected.add("403")
    if operation.parameters:
        expected.add("404")
    assert expected <= operation.responses, (
        f"{operation} may answer {sorted(expected - operation.responses)}, which its schema does not document"
    )


# --- 401 and 403 ---------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_without_a_valid_key_every_operation_is_401(operation, matrix):
    role = allowed_role(operation)
    call = expectation(operation).call(matrix, role)
    clients = {
        "no credentials": matrix.client(),
        "an unknown key": matrix.client(secret="tdp_000000000000_" + "x" * 43),
        "a revoked key": matrix.client(secret=matrix.revoked_secret(role)),
        "an expired key": matrix.client(secret=matrix.expired_secret(role)),
        "a signed-out session": matrix.signed_out_client(role),
        "a session of a key's principal": matrix.principal_session_client(role),
    }
    for what, client in clients.items():
        response = send(operation, client, call)
        assert response.status_code == 401, f"{operation} with {what}: {response.status_code} {response.content!r}"
        body = assert_problem(response, 401)
        assert body["code"] == ("authentication_failed" if what.endswith("key") else "not_authenticated"), what
        assert response["WWW-Authenticate"] == 'Bearer realm="api"', what
    if operation.method == "POST":
        # Authentication comes first: no credentials and no Idempotency-Key is still a 401.
        assert_problem(send(operation, matrix.client(), call, HTTP_IDEMPOTENCY_KEY=None), 401)


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_a_key_without_the_operations_scope_is_403(operation, matrix):
    role = allowed_role(operation)
    entry = expectation(operation)
    call = entry.call(matrix, role)
    offered = scopes_offered_to(matrix.organisations[role])
    if operation.scope == ANY_KEY:
        # Any key will do: the narrowest one is allowed.
        response = send(operation, matrix.client(role, offered[:1]), call)
        assert response.status_code == entry.statuses[role], response.content
        return
    assert operation.scope in offered, f"{role} may not even hold {operation.scope}, yet the table allows it"
    response = send(operation, matrix.client(role, [s for s in offered if s != operation.scope]), call)
    body = assert_problem(response, 403)
    assert operation.scope in body["detail"], body


# --- Another organisation's object ---------------------------------------------------------


def _signed_in_callers(operation):
    entry = EXPECTATIONS.get(operation.operation_id)  # a missing entry fails in the test, not here
    return entry is None or any(200 <= status < 300 for status in entry.session_statuses().values())


# In a session only where someone signed in may call the operation: the others are refused (403) before any
# look-up, as the session column says.
ON_ONE_OBJECT = [
    (operation, name, via)
    for operation in OPERATIONS
    for name in operation.parameters
    for via in ("key", "session")
    if via == "key" or _signed_in_callers(operation)
]


@pytest.mark.parametrize(
    "operation, parameter, via", ON_ONE_OBJECT, ids=[f"{op}-{name}-{via}" for op, name, via in ON_ONE_OBJECT]
)
def test_another_organisations_object_is_404_exactly_like_a_missing_one(operation, parameter, via, matrix):
    prefix = PARAMETER_PREFIXES.get(parameter)
    assert prefix, f"{operation}: add the path parameter {parameter!r} to PARAMETER_PREFIXES (access_matrix.py)"
    foreign = matrix.foreign_ids()
    assert parameter in foreign, f"{operation}: MatrixWorld.foreign_ids() names no other organisation's {parameter}"
    # A browser session (a person, an owner of the organisation, signed in) is scoped by the same selectors.
    if via == "key":
        role = allowed_role(operation)
        call, client = expectation(operation).call(matrix, role), matrix.client(role)
    else:
        role = allowed_role(operation, via="session")
        assert role, f"{operation}: no role may call it signed in, so nobody checks its 404 in a session"
        call, client = session_call(expectation(operation), matrix, role), matrix.session_client(role)
    own = call.args[parameter]
    other_prefix = next(p for p in PARAMETER_PREFIXES.values() if p != prefix)
    answers = {
        "another organisation's": foreign[parameter],
        "a missing": missing_id(prefix),
        "a malformed": "nope",
        "a truncated": own[:-1],
        "another type's prefix on its": other_prefix + own[len(prefix) :],
    }
    if parameter in expectation(operation).nothing_foreign:
        del answers["another organisation's"]
    bodies = {}
    for what, value in answers.items():
        response = send(operation, client, call, {parameter: value})
        body = assert_problem(response, 404)
        body.pop("instance")
        bodies[what] = body
    first = bodies.pop("a missing")
    for what, body in bodies.items():
        assert body == first, f"{operation}: {what} {parameter} answers {body}, a missing one {first}"


# --- Every role ----------------------------------------------------------------------------


def assert_outcome(operation, who, response, expected, call):
    if expected < 400:
        assert response.status_code == expected, f"{operation} as {who}: {response.content[:500]!r}"
        assert not response.get("Content-Type", "").startswith("application/problem+json")
        if operation.method == "GET" and operation.parameters and "id" in response.json():
            assert response.json()["id"] == call.args[operation.parameters[-1]], "not the object asked for"
    else:
        assert_problem(response, expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_each_role_gets_what_the_table_says(operation, role, matrix):
    entry = expectation(operation)
    call = entry.call(matrix, role)
    response = send(operation, matrix.client(role), call)
    assert_outcome(operation, f"{role}'s key", response, entry.statuses[role], call)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_each_role_signed_in_to_the_portal_gets_what_the_session_column_says(operation, role, matrix):
    """A person signed in through the sign-in page, CSRF token sent as a browser sends it."""
    entry = expectation(operation)
    call = session_call(entry, matrix, role)
    response = send(operation, matrix.session_client(role), call)
    assert_outcome(operation, f"an owner of {role} signed in", response, entry.session_statuses()[role], call)


def test_the_session_column_names_only_real_differences():
    for operation_id, entry in EXPECTATIONS.items():
        unknown = set(entry.session) - set(ROLES)
        assert not unknown, f"{operation_id}: the session column names unknown roles {unknown}"
        same = sorted(role for role, status in entry.session.items() if entry.statuses[role] == status)
        assert not same, f"{operation_id}: the session column repeats the key's status for {same}; drop them"


# --- Browser sessions ---------------------------------------------------------------------------

UNSAFE = [operation for operation in OPERATIONS if operation.method not in ("GET", "HEAD", "OPTIONS")]


@pytest.mark.parametrize("operation", UNSAFE, ids=str)
def test_a_write_in_a_session_without_its_csrf_token_is_403_and_does_nothing(operation, matrix):
    """As another site's page would post from a signed-in browser: it cannot read the csrftoken cookie."""
    # Where nobody may call it signed in (ingest), the CSRF check still comes first: then the column's 403.
    role = allowed_role(operation, via="session") or allowed_role(operation)
    entry = expectation(operation)
    call = session_call(entry, matrix, role)
    client = matrix.session_client(role)
    # A token of another browser is well formed but not this session's.
    tokens = {"no token": None, "another browser's token": matrix.session_client(role).cookies["csrftoken"].value}
    client.send_csrf = False
    for what, token in tokens.items():
        audited, claimed = AuditLogEntry.objects.count(), IdempotencyRecord.objects.count()
        response = send(operation, client, call, **({} if token is None else {"HTTP_X_CSRFTOKEN": token}))
        body = assert_problem(response, 403)
        assert body["code"] == "csrf_failed" and "X-CSRFToken" in body["detail"], (what, body)
        assert AuditLogEntry.objects.count() == audited, f"{operation} with {what} recorded something"
        assert IdempotencyRecord.objects.count() == claimed, f"{operation} with {what} claimed its Idempotency-Key"
    # The very same request with the token is the column's.
    client.send_csrf = True
    response = send(operation, client, call)
    assert response.status_code == entry.session_statuses()[role], response.content[:500]


def test_a_session_acts_with_the_persons_rights_and_no_scopes(matrix):
    """Webhooks are managed by an organisation's owners (the pages' rule): a staff member signed in sees none of
    its organisation's and may add none, where the owner may; neither holds a scope."""
    webhook_id, _ = matrix.webhook("brand")
    owner, staff = matrix.session_client("brand"), matrix.session_client("brand", member_role="staff")
    for client in (owner, staff):
        me = client.get("/api/v1/me/").json()
        assert me["organisation"] == matrix.organisations["brand"].name
        assert me["key_prefix"] is None and me["scopes"] == [], me
    assert owner.get(f"/api/v1/webhooks/{webhook_id}/").status_code == 200
    assert_problem(staff.get(f"/api/v1/webhooks/{webhook_id}/"), 404)
    new = {"url": WEBHOOK_URL, "event_types": ["*"]}
    assert owner.post("/api/v1/webhooks/", new, format="json").status_code == 201
    body = assert_problem(staff.post("/api/v1/webhooks/", new, format="json"), 403)
    assert "owners" in body["detail"], body


def test_no_session_acts_as_a_keys_principal(matrix):
    """Not through the sign-in page, even with a password an administrator set, and a session made for one
    anyway is nobody's: 401 on the API (and the pages ask to sign in, tests/portal/test_authentication.py)."""
    key, secret = matrix.key("brand")
    key.principal.set_password(PASSWORD)
    key.principal.save(update_fields=["password"])
    browser = BrowserClient()
    response = browser.try_sign_in(key.principal, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in browser.session, response.status_code
    assert_problem(browser.get("/api/v1/me/"), 401)
    assert_problem(matrix.principal_session_client("brand").get("/api/v1/me/"), 401)
    assert matrix.client(secret=secret).get("/api/v1/me/").status_code == 200  # the key itself still works


# --- Rate limits ----------------------------------------------------------------------------------


RATE_LIMITED = [(operation, "key") for operation in OPERATIONS] + [
    (operation, "session") for operation in OPERATIONS if _signed_in_callers(operation)
]


@pytest.mark.parametrize("operation, via", RATE_LIMITED, ids=[f"{op}-{via}" for op, via in RATE_LIMITED])
def test_a_caller_past_its_rate_limit_is_429_with_retry_after(operation, via, matrix, settings):
    """A key counts on its own, a person signed in on their own (api.throttling)."""
    role = allowed_role(operation, via=via)
    assert role, f"{operation}: no role may call it ({via})"
    if via == "key":
        call = expectation(operation).call(matrix, role)
        _, secret = matrix.key(role)
        first_client, second_client = matrix.client(secret=secret), matrix.client(secret=secret)
    else:
        call = session_call(expectation(operation), matrix, role)
        first_client = second_client = matrix.session_client(role)
    # One request per window, and a window no two requests of a test can straddle (the counters are per window).
    settings.API_BURST_LIMIT = (1, 10**10)
    first = send(operation, first_client, call)
    assert first.status_code != 429, first.content
    response = send(operation, second_client, call)
    assert_problem(response, 429)
    assert int(response["Retry-After"]) >= 1


# --- Methods, on every path ---------------------------------------------------------------------

BY_PATH = {}
for _operation in OPERATIONS:
    BY_PATH.setdefault(_operation.path, []).append(_operation)


ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@pytest.mark.parametrize("path", sorted(BY_PATH))
def test_every_method_on_every_path_is_answered_alike(path, matrix):
    """api.routing, one order on every path and for every method: no or a bad key is 401, OPTIONS and methods the
    path does not serve included; then a method it does not serve is 405 whatever the key's scopes (none could make
    it work), OPTIONS 204 for any key; each with the path's ``Allow``."""
    served = {operation.method for operation in BY_PATH[path]}
    allow = served | {"OPTIONS"} | ({"HEAD"} if "GET" in served else set())
    operation = BY_PATH[path][0]
    role = allowed_role(operation)
    url = operation.url(expectation(operation).call(matrix, role).args)
    unauthenticated = {
        "no credentials": matrix.client(),
        "an unknown key": matrix.client(secret="tdp_000000000000_" + "x" * 43),
        "a revoked key": matrix.client(secret=matrix.revoked_secret(role)),
    }
    for what, client in unauthenticated.items():
        for method in ALL_METHODS:
            response = getattr(client, method.lower())(url)
            assert response.status_code == 401, f"{method} {path} with {what}: {response.status_code}"
            assert response["WWW-Authenticate"] == 'Bearer realm="api"', (method, what)
            if method != "HEAD":
                assert_problem(response, 401)
    path_scopes = {operation.scope for operation in BY_PATH[path]}
    offered = scopes_offered_to(matrix.organisations[role])
    keys = {
        "a key with every scope": matrix.client(role),
        "a key with none of the path's scopes": matrix.client(role, [s for s in offered if s not in path_scopes][:1]),
    }
    for what, client in keys.items():
        for method in ALL_METHODS:
            if method in served or (method == "HEAD" and "GET" in served):
                continue  # each operation's own answers: the tests above
            response = getattr(client, method.lower())(url)
            if method == "OPTIONS":
                assert response.status_code == 204, f"OPTIONS {path} with {what}: {response.content!r}"
                assert response.content == b""
            else:
                assert response.status_code == 405, f"{method} {path} with {what}: {response.status_code}"
                if method != "HEAD":
                    assert_problem(response, 405)
            assert {m.strip() for m in response["Allow"].split(",")} == allow, (method, what, response["Allow"])


# --- Bodies and representations the operation does not take ---------------------------------------

WRITES = [operation for operation in OPERATIONS if operation.method in ("POST", "PUT", "PATCH")]


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_a_representation_other_than_json_is_406(operation, matrix):
    role = allowed_role(operation)
    response = send(operation, matrix.client(role), expectation(operation).call(matrix, role), HTTP_ACCEPT="text/csv")
    assert_problem(response, 406)


@pytest.mark.parametrize("operation", WRITES, ids=str)
def test_a_body_the_operation_cannot_read_is_a_problem_never_a_500(operation, matrix):
    """Each refused with problem details (400, or 415 for a type the operation does not read), nothing done."""
    role = allowed_role(operation)
    call = expectation(operation).call(matrix, role)
    url = operation.url(call.args)
    client = matrix.client(role)
    method = getattr(client, operation.method.lower())
    refused = {400, 415}
    # An operation without a body reads none: whatever JSON comes, it does its work; so does one whose
    # fields are all optional, given an empty object.
    allowed = {expectation(operation).statuses[role]}
    ignored = set() if operation.takes_body else allowed
    bodies = [
        ("text/plain", b"file this notice", {415}),
        ("application/json", b'{"items": [', refused),
        ("multipart/form-data", b"no boundary, no parts", refused),
        ("application/json", b"[]", refused | ignored),
        ("application/json", b'"a string"', refused | ignored),
        ("application/json", b"null", refused | ignored),
        ("application/json", b"{}", refused | allowed),
    ]
    for content_type, body, statuses in bodies:
        audited = AuditLogEntry.objects.count()
        response = method(url, body, content_type=content_type)
        assert str(response.status_code) in operation.responses, (
            f"{operation} answered {response.status_code} to {content_type} {body!r}, undocumented"
        )
        assert response.status_code in statuses, f"{operation}, {content_type} {body!r}: {response.content[:300]!r}"
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
            assert AuditLogEntry.objects.count() == audited, f"{operation} refused {body!r} yet recorded something"


@pytest.mark.parametrize("operation", WRITES, ids=str)
def test_a_body_too_large_is_413_before_anything_reads_it(operation, matrix, settings):
    settings.REQUEST_MAX_BODY_BYTES = 2_000  # without a valid key, the plain limit is the API's
    role = allowed_role(operation)
    call = expectation(operation).call(matrix, role)
    body = b'{"description": "' + b"x" * settings.REQUEST_MAX_BODY_BYTES + b'"}'
    for client in (matrix.client(), matrix.client(secret=matrix.revoked_secret(role))):
        response = getattr(client, operation.method.lower())(
            operation.url(call.args), body, content_type="application/json"
        )
        assert "413" in operation.responses, f"{operation} answers 413, which its schema does not document"
        assert_problem(response, 413)
