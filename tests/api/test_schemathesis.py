"""The API against its own published schema: schemathesis fuzzes every operation with a key of each kind.

A live server on the test database (PostgreSQL) serves a small seeded world; for each
kind of organisation (merchant, marketplace, rights holder, agent, vetting partner) a
key with every scope the organisation may hold runs ``schemathesis run`` against the
live ``/api/v1/schema/``: no 5xx, every status code documented, every response body and
content type as the schema says. Operations are read from the schema, so new endpoints
are covered as they land.

Two phases. The examples phase sends each operation's documented example (``api.examples``):
the world holds the very objects those examples name, each in the state its move needs, so
every write is sent once with a body that is right, and every documented example is shown to
work. The fuzzing phase then sends generated cases, with the world's other ids offered for
path parameters and for the ids inside bodies (schemathesis "dictionaries"), so detail pages
and moves reach real objects instead of only 404s. The merchant's key runs first: the
operations only one kind may call (the merchant's counter-notice, the marketplace's ingest)
find their objects as the examples left them.

The test reports, per operation and key, how many answers were 2xx (printed whatever the
outcome), and fails when a write never succeeded or a documented example never worked.

Bounded: ``SCHEMATHESIS_EXAMPLES`` cases per operation and key in the fuzzing phase (default 4;
README has the time it takes), each key's run stopped after ``SCHEMATHESIS_MAX_SECONDS``.
A failure prints schemathesis's report with a ``curl`` line reproducing each case.
"""

import collections
import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from api import examples
from api.fields import PREFIXES
from api.keys import api_key_create, scopes_offered_to
from api.webhooks.models import WebhookEvent, WebhookSubscription
from api.webhooks.subscriptions import webhook_subscription_create, webhook_test_send
from listings.images import listing_images_add
from listings.models import Listing, ListingImage, Store
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.models import IPAsset, Partner, PartnerKind, RightsHolder
from screening.models import CounterfeitImage, ExtraKeyword, ReportedSeller, ScreeningAlert
from takedowns import lifecycle
from takedowns.models import Notice, NoticeItem
from tests import factories
from tests.api.access_matrix import api_operations, png_file
from tests.screening.alert_world import alert_made
from tests.screening.intel_world import counterfeit_uploaded, keyword_made, seller_reported
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Cases per operation and key in the fuzzing phase (positive and negative alike), and a ceiling on each key's run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
MAX_SECONDS_PER_KEY = int(os.environ.get("SCHEMATHESIS_MAX_SECONDS", "300"))
# To chase a finding: SCHEMATHESIS_KINDS=agent SCHEMATHESIS_ARGS="--include-path-regex withdraw -n 50".
KINDS = os.environ.get("SCHEMATHESIS_KINDS", "").split(",") if os.environ.get("SCHEMATHESIS_KINDS") else None
EXTRA_ARGS = shlex.split(os.environ.get("SCHEMATHESIS_ARGS", ""))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "2026"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
PHASES = ("examples", "fuzzing")

# Path parameters and body fields that name objects, and the objects they name.
PATH_IDS = {
    "asset_id": "asset",
    "listing_id": "listing",
    "notice_id": "notice",
    "item_id": "item",
    "webhook_id": "webhook",
    "event_id": "event",
    "image_id": "listing_image",
    "alert_id": "alert",
    "keyword_id": "keyword",
    "seller_id": "reported_seller",
    "counterfeit_image_id": "counterfeit_image",
}
BODY_IDS = {
    "body.rights_holder": "rights_holder",
    "body.items[*].listing": "listing",
    "body.items[*].asset": "asset",
    "body.listings[*].store": "store",
}

# The webhook endpoint of the documented examples (a name under .example, which resolves nowhere) is resolved
# to an address of TEST-NET-1 (RFC 5737, for documentation), which this run lets through the SSRF guard.
EXAMPLE_HOOK_HOST = "hooks.partner.example"
EXAMPLE_HOOK_ADDRESS = "192.0.2.10"


def _uuid(public_id):
    return public_ids.decode(public_id.split("_", 1)[0], public_id)


def _renamed(model, obj, public_id):
    """``obj`` under the example's id (items and events get theirs from the services that make them)."""
    model.objects.filter(pk=obj.pk).update(public_id=_uuid(public_id))


@pytest.fixture
def world(db, settings, monkeypatch):
    """One organisation of each kind with a key and a webhook, the documented examples' world (api.examples), and
    more notices filed and moved.

    Returns each kind's key (its secret), in the order the kinds run.
    """
    from django.contrib.auth.models import Group

    from portal.roles import ensure_platform_groups
    from takedowns.notices import notice_submit

    needs_postgres()
    ensure_platform_groups()  # a transactional test's flush empties the groups the migrations made
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics", public_id=_uuid(examples.RIGHTS_HOLDER))
    owner = factories.member_of(brand.organisation, role="owner")
    assets = [
        factories.IPAssetFactory(rights_holder=brand, name="NORTHWIND", public_id=_uuid(examples.ASSET)),
        factories.IPAssetFactory(rights_holder=brand, name="TRAILHAWK"),
    ]
    agent = factories.LetterOfAuthorisationFactory(rights_holder=brand).agent
    association = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Independent Brands Association")
    Partner.objects.create(organisation=association, kind=PartnerKind.ASSOCIATION).vetted_rights_holders.add(brand)
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    store = factories.StoreFactory(public_id=_uuid(examples.STORE))
    merchant = factories.member_of(store.merchant.organisation, role="owner")
    listings = [factories.ListingFactory(store=store) for _ in range(12)]
    documented = factories.ListingFactory(
        store=store, public_id=_uuid(examples.LISTING), external_id=examples.LISTING_EXTERNAL_ID, title="Trail shoe"
    )
    first, _ = listing_images_add(listing=documented, files=[png_file(), png_file()], actor=None)
    _renamed(ListingImage, first, examples.LISTING_IMAGE)
    listing_images_add(listing=listings[0], files=[png_file()], actor=None)
    reviewer = factories.UserFactory()
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    # The merchant first, the marketplace next: see the module's docstring.
    organisations = {
        "merchant": store.merchant.organisation,
        "marketplace": marketplace,
        "rights_holder": brand.organisation,
        "agent": agent,
        "partner": association,
    }
    secrets = {}
    # Subscribed before the filings, so their moves leave events and deliveries to read. Nothing is
    # sent: the deliveries wait for a worker this test does not start.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32", f"{EXAMPLE_HOOK_ADDRESS}/32"]
    _resolve_example_hook_host(monkeypatch)
    for kind, organisation in organisations.items():
        key, secrets[kind] = api_key_create(
            organisation=organisation, name=f"schemathesis {kind}", scopes=scopes_offered_to(organisation)
        )
        subscription, _ = webhook_subscription_create(
            organisation=organisation, url="http://127.0.0.1:9/hook", event_types=["*"], actor=key.principal
        )
        if kind == "rights_holder":
            _renamed(WebhookSubscription, subscription, examples.WEBHOOK)
            delivery = webhook_test_send(subscription_id=subscription.pk, actor=owner)
            _renamed(WebhookEvent, delivery.event, examples.EVENT)
            other, _ = webhook_subscription_create(
                organisation=organisation, url="http://127.0.0.1:9/old", event_types=["*"], actor=owner
            )
            _renamed(WebhookSubscription, other, examples.WEBHOOK_TO_DELETE)

    def file(chunk):
        return notice_submit(
            actor=owner,
            rights_holder=brand,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, assets[0]) for listing in chunk],
            acting_organisation=brand.organisation,
        )

    # The examples' notice: an item at each step a documented move needs.
    receipt = file(listings[:4])
    _renamed(Notice, receipt.notice, examples.NOTICE)
    waiting, awaiting, counter_noticed, rejected = receipt.accepted
    for item, public_id in zip(
        receipt.accepted,
        [
            examples.ITEM_PENDING_REVIEW,
            examples.ITEM_AWAITING_COUNTER_NOTICE,
            examples.ITEM_COUNTER_NOTICED,
            examples.ITEM_REJECTED,
        ],
        strict=True,
    ):
        _renamed(NoticeItem, item, public_id)
    for item in (awaiting, counter_noticed):
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    lifecycle.notice_item_counter_notice(
        item_id=counter_noticed.pk,
        actor=merchant,
        counter_notice_fields={**examples.COUNTER_NOTICE, "signed_at": timezone.now()},
    )
    lifecycle.notice_item_reject(item_id=rejected.pk, actor=reviewer, reason="The listing shows another brand.")
    # More for the fuzzing: one item waits for a reviewer, one for the merchant's counter-notice, one is rejected.
    for chunk in (listings[4:7], listings[7:10]):
        first, second, third = file(chunk).accepted
        lifecycle.notice_item_accept(item_id=second.pk, actor=reviewer)
        lifecycle.notice_item_reject(item_id=third.pk, actor=reviewer, reason="The listing shows another brand.")
    # Screening's open alerts: the examples' two, on listings no notice names, and two for the fuzzing.
    for listing, public_id in ((listings[10], examples.ALERT), (listings[11], examples.ALERT_TO_DISMISS)):
        _renamed(ScreeningAlert, alert_made(brand, assets[0], listing), public_id)
    for _ in range(2):
        alert_made(brand, assets[1], factories.ListingFactory(store=store))
    # What the brand told screening: the examples' keyword and seller, and two of each for the fuzzing.
    _renamed(ExtraKeyword, keyword_made(assets[0], "N0rthwind Run"), examples.KEYWORD)
    _renamed(ReportedSeller, seller_reported(brand, "+86 571 8888 0001"), examples.REPORTED_SELLER)
    _renamed(CounterfeitImage, counterfeit_uploaded(brand), examples.COUNTERFEIT_IMAGE)
    for _ in range(2):
        keyword_made(assets[0])
        seller_reported(brand)
        counterfeit_uploaded(brand)
    return secrets


def _resolve_example_hook_host(monkeypatch):
    """The documented endpoint's host resolves to its documentation address, in this process (the live server's)."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == EXAMPLE_HOOK_HOST:
            return resolve(EXAMPLE_HOOK_ADDRESS, port, *args, **kwargs)
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _ids():
    """Every public id of the world, by type, but the examples' items: the keys may see some of them and not others
    (a 404 alike). Those items wait in the states their documented moves need, for the examples phase alone."""
    documented = {
        examples.ITEM_PENDING_REVIEW,
        examples.ITEM_AWAITING_COUNTER_NOTICE,
        examples.ITEM_COUNTER_NOTICED,
        examples.ITEM_REJECTED,
        examples.ALERT,
        examples.ALERT_TO_DISMISS,
        examples.KEYWORD,
        examples.REPORTED_SELLER,
        examples.COUNTERFEIT_IMAGE,
    }
    rows = {
        "asset": IPAsset.objects,
        "listing": Listing.objects,
        "listing_image": ListingImage.objects,
        "notice": Notice.objects,
        "item": NoticeItem.objects,
        "store": Store.objects,
        "rights_holder": RightsHolder.objects,
        "webhook": WebhookSubscription.objects,
        "event": WebhookEvent.objects,
        "alert": ScreeningAlert.objects,
        "keyword": ExtraKeyword.objects,
        "reported_seller": ReportedSeller.objects,
        "counterfeit_image": CounterfeitImage.objects.filter(source="holder_upload"),
    }
    ids = {
        kind: [public_ids.encode(PREFIXES[kind], value) for value in rows.values_list("public_id", flat=True)]
        for kind, rows in rows.items()
    }
    ids["item"] = [value for value in ids["item"] if value not in documented]
    for kind in ("alert", "keyword", "reported_seller", "counterfeit_image"):
        ids[kind] = [value for value in ids[kind] if value not in documented]
    return ids


def _config(path, ids):
    """A schemathesis.toml offering the world's ids to path parameters and body fields (probability 0.8)."""
    lines = []
    for kind, values in ids.items():
        lines += [f"[dictionaries.{kind}]", f"values = {json.dumps(values)}", ""] if values else []
    lines.append("[parameters]")
    bindings = [(f"path.{name}", kind) for name, kind in PATH_IDS.items()] + list(BODY_IDS.items())
    for name, kind in bindings:
        if ids.get(kind):
            lines.append(f'"{name}" = {{ dictionary = "{kind}", probability = 0.8 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


def _documented(case, example):
    """Whether ``case`` (as the NDJSON stream records it) is the documented ``example`` of its operation: its path
    parameters, and the example's fields of the body (schemathesis completes a multipart example's files)."""
    parameters = {name: value for name, (value, _) in example.get("parameters", {}).items()}
    if any((case.get("path_parameters") or {}).get(name) != value for name, value in parameters.items()):
        return False
    body = example.get("body", {}).get(case.get("media_type"))
    if body is None:
        return "body" not in example
    sent = case.get("body")
    return isinstance(sent, dict) and all(sent.get(name) == value for name, value in body.items())


def _answers(events_path, labels):
    """{(operation label, phase): [status codes]} from schemathesis's NDJSON event stream; the documented examples'
    own answers under the phase "documented"."""
    answers = collections.defaultdict(list)
    with open(events_path, encoding="utf-8") as events:
        for line in events:
            finished = json.loads(line).get("ScenarioFinished")
            if finished is None:
                continue
            recorder = finished["recorder"]
            example = examples.EXAMPLES.get(labels.get(recorder["label"]))
            for case_id, interaction in recorder.get("interactions", {}).items():
                status = (interaction.get("response") or {}).get("status_code")
                answers[(recorder["label"], finished["phase"])].append(status)
                case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
                if finished["phase"] == "examples" and example is not None and _documented(case, example):
                    answers[(recorder["label"], "documented")].append(status)
    return answers


def _ok(statuses):
    return sum(1 for status in statuses if status and 200 <= status < 300)


def _report(seen, kinds):
    """A table of the 2xx answers per operation and key, writes first, and whether the documented example worked."""
    operations = sorted(api_operations(), key=lambda op: (op.method not in WRITES, op.path, op.method))
    width = max(len(op.operation_id) for op in operations)
    lines = [
        "schemathesis: 2xx answers / answers, per operation and key (both phases); example: the documented one's",
        f"{'operation':<{width}}  " + "  ".join(f"{kind:>13}" for kind in kinds) + "  total 2xx  example",
    ]
    for op in operations:
        label = f"{op.method} {op.path}"
        cells, total = [], 0
        for kind in kinds:
            statuses = [s for phase in PHASES for s in seen[kind].get((label, phase), [])]
            total += _ok(statuses)
            cells.append(f"{_ok(statuses):>6} / {len(statuses):<4}")
        documented = [s for kind in kinds for s in seen[kind].get((label, "documented"), [])]
        shown = "-" if op.operation_id not in examples.EXAMPLES else ("ok" if _ok(documented) else "FAILED")
        lines.append(f"{op.operation_id:<{width}}  " + "  ".join(cells) + f"  {total:>9}  {shown}")
    return "\n".join(lines)


def _successes(seen, label, phases=PHASES):
    """The 2xx answers ``label`` got from every key in ``phases``."""
    return sum(
        _ok(statuses)
        for answers in seen.values()
        for (answered, phase), statuses in answers.items()
        if answered == label and phase in phases
    )


def test_every_operation_keeps_to_the_published_schema_for_every_kind_of_key(
    world, live_server, settings, tmp_path, capsys
):
    # The fuzzing would meet the per-key rate limits within seconds; they are tested on their own.
    settings.API_RATE_LIMIT = (1_000_000, 60)
    settings.API_BURST_LIMIT = (1_000_000, 1)
    ids = _ids()
    assert all(ids.values()), f"the world lacks objects of a kind: {[kind for kind, v in ids.items() if not v]}"
    config = _config(tmp_path / "schemathesis.toml", ids)
    failures, seen = [], {}
    labels = {f"{op.method} {op.path}": op.operation_id for op in api_operations()}
    for kind, secret in world.items():
        if KINDS is not None and kind not in KINDS:
            continue
        report, events = tmp_path / f"{kind}.json", tmp_path / f"{kind}.ndjson"
        command = [
            str(SCHEMATHESIS),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/v1/schema/",
            "--header",
            f"Authorization: Bearer {secret}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--report",
            "json,ndjson",
            "--report-json-path",
            str(report),
            "--report-ndjson-path",
            str(events),
            *EXTRA_ARGS,
        ]
        env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": str(HOOKS)}
        # A ceiling, not a budget: schemathesis's own --max-time would keep fuzzing until it is spent.
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=MAX_SECONDS_PER_KEY, env=env, cwd=tmp_path
        )  # in tmp_path: schemathesis keeps a cache (.schemathesis/) where it runs
        assert report.exists(), (
            f"schemathesis ran no tests for the {kind} key:\n{run.stdout[-4000:]}{run.stderr[-4000:]}"
        )
        summary = json.loads(report.read_text())
        operations = summary["operations"]
        assert operations["selected"] > 0 and operations["tested"] == operations["selected"], (
            f"the {kind} key's run tested {operations['tested']} of {operations['selected']} operations: "
            f"\n{run.stdout[-4000:]}"
        )
        seen[kind] = _answers(events, labels)
        if run.returncode != 0 or summary["failures"] or summary["errors"]:
            failures.append(f"=== {kind} key (seed {SEED}) ===\n{run.stdout[-12000:]}\n{run.stderr[-2000:]}")
    with capsys.disabled():
        print("\n" + _report(seen, list(seen)))
    assert not failures, "\n\n".join(failures)
    if KINDS is not None or EXTRA_ARGS:
        with capsys.disabled():
            print(
                "A narrowed run (SCHEMATHESIS_KINDS, SCHEMATHESIS_ARGS): writes and examples not required to succeed."
            )
        return
    never = [
        f"{op.operation_id} ({op.method} {op.path})"
        for op in api_operations()
        if op.method in WRITES and not _successes(seen, f"{op.method} {op.path}")
    ]
    assert not never, f"write operations that never succeeded, for any key: {never}"
    label_of = {operation_id: label for label, operation_id in labels.items()}
    broken = [name for name in examples.EXAMPLES if not _successes(seen, label_of[name], phases=("documented",))]
    assert not broken, f"documented examples (api.examples) that no key got a 2xx for: {broken}"
