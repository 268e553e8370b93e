"""``manage.py api_key_create``: the key alone on the last line, usable at once; clear errors, nothing written."""

import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from api.keys import api_key_find
from api.models import ApiKey
from portal.models import AuditLogEntry, OrganisationKind
from rights_holders.models import Partner, PartnerKind
from tests import factories


def _run(*args):
    out = io.StringIO()
    call_command("api_key_create", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def marketplace(db):
    organisation = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="The Marketplace")
    Partner.objects.create(organisation=organisation, kind=PartnerKind.MARKETPLACE)
    return organisation


def test_the_key_is_alone_on_the_last_line_and_works(brand_a):
    lines = _run("--organisation", brand_a.organisation.slug, "--scopes", "notices:read,notices:write", "--name", "ERP")
    secret = lines[-1]
    key = api_key_find(secret)
    assert key is not None and key.organisation == brand_a.organisation
    assert key.name == "ERP" and key.scopes == ["notices:read", "notices:write"] and key.expires_at is None
    assert key.prefix in lines[0] and secret not in lines[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").json()["scopes"] == ["notices:read", "notices:write"]
    entry = AuditLogEntry.objects.get(action="api.key.created", object_id=str(key.pk))
    assert entry.actor is None and entry.actor_label == "system" and secret not in str(entry.data)


def test_the_organisation_may_be_named_by_id_and_the_key_may_expire(brand_a):
    before = timezone.now()
    secret = _run("--organisation", str(brand_a.organisation.pk), "--scopes", "assets:read", "--expires-days", "30")[-1]
    key = api_key_find(secret)
    assert key.organisation == brand_a.organisation
    assert 29.9 < (key.expires_at - before).total_seconds() / 86400 <= 30.01
    assert key.name.startswith("Operator key ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--organisation", "no-such-org", "--scopes", "notices:read"],
            "No organisation has the id or slug 'no-such-org'",
        ),
        (["--organisation", "999999", "--scopes", "notices:read"], "No organisation has the id or slug '999999'"),
        (["--organisation", "{org}", "--scopes", "notices:read,notices:delete"], "Unknown scope: notices:delete"),
        (["--organisation", "{org}", "--scopes", " , "], "at least one scope"),
        (["--organisation", "{org}", "--scopes", "listings:ingest"], "Only the marketplace's keys may carry"),
        (["--organisation", "{org}", "--scopes", "notices:read", "--expires-days", "0"], "--expires-days must be"),
        (["--organisation", "{org}", "--scopes", "notices:read", "--expires-days", "9" * 30], "--expires-days must"),
        (["--organisation", "{org}", "--scopes", "notices:read", "--name", "a\x00b"], "invisible character"),
        (["--organisation", "{org}", "--scopes", "notices:read", "--name", "x" * 101], "100 characters"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(brand_a, args, message):
    args = [a.replace("{org}", brand_a.organisation.slug) for a in args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        _run(*args)
    assert not ApiKey.objects.exists()
    assert not AuditLogEntry.objects.filter(action="api.key.created").exists()


def test_an_unknown_scope_error_lists_the_known_ones(brand_a):
    with pytest.raises(CommandError) as raised:
        _run("--organisation", brand_a.organisation.slug, "--scopes", "everything")
    assert "Known scopes: assets:read" in str(raised.value)


def test_only_the_marketplace_gets_listings_ingest(marketplace):
    secret = _run("--organisation", marketplace.slug, "--scopes", "listings:ingest,listings:read")[-1]
    assert api_key_find(secret).scopes == ["listings:ingest", "listings:read"]


def test_a_partner_that_is_not_the_marketplace_does_not_get_listings_ingest(db):
    association = factories.OrganisationFactory(kind=OrganisationKind.PARTNER)
    Partner.objects.create(organisation=association, kind=PartnerKind.ASSOCIATION)
    with pytest.raises(CommandError, match="Only the marketplace's keys"):
        _run("--organisation", association.slug, "--scopes", "listings:ingest")


def test_the_command_line_exits_1_with_the_message_on_stderr(brand_a, capsys):
    # Through argv, as an operator runs it (CommandError -> stderr and exit status 1), on the test database.
    utility = ManagementUtility(
        ["manage.py", "api_key_create", "--organisation", "no-such-org", "--scopes", "notices:read"]
    )
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "No organisation has the id or slug 'no-such-org'" in captured.err
    assert captured.out == ""
