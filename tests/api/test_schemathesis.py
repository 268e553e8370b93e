"""The API against its own published schema: schemathesis fuzzes every operation with a key of each kind.

A live server on the test database (PostgreSQL) serves a small seeded world; for each
kind of organisation (rights holder, agent, vetting partner, merchant, marketplace) a
key with every scope the organisation may hold runs ``schemathesis run`` against the
live ``/api/v1/schema/``: no 5xx, every status code documented, every response body and
content type as the schema says. Operations are read from the schema, so new endpoints
are covered as they land. Real ids of the world are offered for path parameters and
for the ids inside bodies (schemathesis "dictionaries"), so detail pages and moves
reach real objects instead of only 404s.

Bounded: ``SCHEMATHESIS_EXAMPLES`` cases per operation and key (default 4; README has the time
it takes), each key's run stopped after ``SCHEMATHESIS_MAX_SECONDS``.
A failure prints schemathesis's report with a ``curl`` line reproducing each case.
"""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from api.fields import PREFIXES
from api.keys import api_key_create, scopes_offered_to
from api.webhooks.models import WebhookEvent, WebhookSubscription
from api.webhooks.subscriptions import webhook_subscription_create
from listings.models import Listing, Store
from portal import public_ids
from portal.models import OrganisationKind
from rights_holders.models import IPAsset, Partner, PartnerKind, RightsHolder
from takedowns import lifecycle
from takedowns.models import Notice, NoticeItem
from tests import factories
from tests.services import needs_postgres
from tests.takedowns.conftest import NOTICE_DATA, draft

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Cases per operation and key (positive and negative alike), and a ceiling on each key's run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
MAX_SECONDS_PER_KEY = int(os.environ.get("SCHEMATHESIS_MAX_SECONDS", "300"))
# To chase a finding: SCHEMATHESIS_KINDS=agent SCHEMATHESIS_ARGS="--include-path-regex withdraw -n 50".
KINDS = os.environ.get("SCHEMATHESIS_KINDS", "").split(",") if os.environ.get("SCHEMATHESIS_KINDS") else None
EXTRA_ARGS = shlex.split(os.environ.get("SCHEMATHESIS_ARGS", ""))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "2026"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")

# Path parameters and body fields that name objects, and the objects they name.
PATH_IDS = {
    "asset_id": "asset",
    "listing_id": "listing",
    "notice_id": "notice",
    "item_id": "item",
    "webhook_id": "webhook",
    "event_id": "event",
}
BODY_IDS = {
    "body.rights_holder": "rights_holder",
    "body.items[*].listing": "listing",
    "body.items[*].asset": "asset",
    "body.listings[*].store": "store",
}


@pytest.fixture
def world(db, settings):
    """One organisation of each kind with a key and a webhook, and a brand's notices filed and moved.

    Returns each kind's key (its secret).
    """
    from django.contrib.auth.models import Group

    from portal.roles import ensure_platform_groups
    from takedowns.notices import notice_submit

    needs_postgres()
    ensure_platform_groups()  # a transactional test's flush empties the groups the migrations made
    brand = factories.RightsHolderFactory(legal_name="Northwind Athletics")
    owner = factories.member_of(brand.organisation, role="owner")
    assets = [factories.IPAssetFactory(rights_holder=brand, name=name) for name in ("NORTHWIND", "TRAILHAWK")]
    agent = factories.LetterOfAuthorisationFactory(rights_holder=brand).agent
    association = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Independent Brands Association")
    Partner.objects.create(organisation=association, kind=PartnerKind.ASSOCIATION).vetted_rights_holders.add(brand)
    marketplace = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    Partner.objects.create(organisation=marketplace, kind=PartnerKind.MARKETPLACE)
    store = factories.StoreFactory()
    listings = [factories.ListingFactory(store=store) for _ in range(8)]
    reviewer = factories.UserFactory()
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    organisations = {
        "rights_holder": brand.organisation,
        "agent": agent,
        "partner": association,
        "merchant": store.merchant.organisation,
        "marketplace": marketplace,
    }
    secrets = {}
    # Subscribed before the filings, so their moves leave events and deliveries to read. Nothing is
    # sent: the deliveries wait for a worker this test does not start.
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    for kind, organisation in organisations.items():
        key, secrets[kind] = api_key_create(
            organisation=organisation, name=f"schemathesis {kind}", scopes=scopes_offered_to(organisation)
        )
        webhook_subscription_create(
            organisation=organisation, url="http://127.0.0.1:9/hook", event_types=["*"], actor=key.principal
        )
    for chunk in (listings[:3], listings[3:6]):
        receipt = notice_submit(
            actor=owner,
            rights_holder=brand,
            data=dict(NOTICE_DATA),
            drafts=[draft(listing, assets[0]) for listing in chunk],
            acting_organisation=brand.organisation,
        )
        # One item waits for a reviewer, one for the merchant's counter-notice, one is rejected.
        first, second, third = receipt.accepted
        lifecycle.notice_item_accept(item_id=second.pk, actor=reviewer)
        lifecycle.notice_item_reject(item_id=third.pk, actor=reviewer, reason="The listing shows another brand.")
    return secrets


def _ids():
    """Every public id of the world, by type: the keys may see some of them and not others (a 404 alike)."""
    rows = {
        "asset": IPAsset.objects,
        "listing": Listing.objects,
        "notice": Notice.objects,
        "item": NoticeItem.objects,
        "store": Store.objects,
        "rights_holder": RightsHolder.objects,
        "webhook": WebhookSubscription.objects,
        "event": WebhookEvent.objects,
    }
    return {
        kind: [public_ids.encode(PREFIXES[kind], value) for value in rows.values_list("public_id", flat=True)]
        for kind, rows in rows.items()
    }


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


def test_every_operation_keeps_to_the_published_schema_for_every_kind_of_key(world, live_server, settings, tmp_path):
    # The fuzzing would meet the per-key rate limits within seconds; they are tested on their own.
    settings.API_RATE_LIMIT = (1_000_000, 60)
    settings.API_BURST_LIMIT = (1_000_000, 1)
    ids = _ids()
    assert all(ids.values()), f"the world lacks objects of a kind: {[kind for kind, v in ids.items() if not v]}"
    config = _config(tmp_path / "schemathesis.toml", ids)
    failures = []
    for kind, secret in world.items():
        if KINDS is not None and kind not in KINDS:
            continue
        report = tmp_path / f"{kind}.json"
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
            "json",
            "--report-json-path",
            str(report),
            *EXTRA_ARGS,
        ]
        env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
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
        if run.returncode != 0 or summary["failures"] or summary["errors"]:
            failures.append(f"=== {kind} key (seed {SEED}) ===\n{run.stdout[-12000:]}\n{run.stderr[-2000:]}")
    assert not failures, "\n\n".join(failures)
