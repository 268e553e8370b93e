"""The DSA Transparency Database export, checked against the documented schema (takedowns/transparency/)."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from takedowns import lifecycle
from takedowns.appeals import appeal_decide, appeal_file
from takedowns.management.commands import export_statements_of_reasons as command_module
from takedowns.models import NoticeItem, RestrictionKind, StatementOfReasons
from takedowns.reasons import statements_write
from takedowns.transparency.export import statement_to_dsa, statements_export
from takedowns.transparency.personal_data import scrub_personal_data
from takedowns.transparency.schema import dsa_statement_errors
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA, draft, file_notice

MERCHANT_EMAIL = "owner@shady-goods.test"
MERCHANT_PHONE = "+44 20 7946 0958"
COUNTER_NOTICE = {
    "statement": "These are genuine goods bought from the brand's distributor.",
    "signature": "Sam Seller",
    "accuracy_statement": True,
    "good_faith_mistake_statement": True,
    "consent_to_jurisdiction": True,
    "consent_to_service": True,
    "contact_name": "Sam Seller",
    "contact_address": "9 Market Lane, Leeds",
    "contact_phone": MERCHANT_PHONE,
    "contact_email": MERCHANT_EMAIL,
}


@pytest.fixture
def start():
    # Decisions in the future of the fixtures, so a listing is always older than the decision on it.
    return (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def merchant(store):
    merchant = store.merchant
    merchant.contact_email = MERCHANT_EMAIL
    merchant.contact_phone = MERCHANT_PHONE
    merchant.address = "9 Market Lane, Leeds"
    merchant.save()
    return merchant


def uphold_by_default(owner, brand, asset, listing, reviewer, *, at, **draft_kwargs):
    """File, accept, and let the counter-notice window lapse: the sweep's single-item verb upholds it."""
    with time_machine.travel(at, tick=False):
        (item,) = file_notice(owner, brand, [draft(listing, asset, **draft_kwargs)]).accepted
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    with time_machine.travel(at + timedelta(hours=73), tick=False):
        assert lifecycle.notice_item_uphold_by_default(item_id=item.pk) is not None
    return NoticeItem.objects.get(pk=item.pk)


def uphold_by_reviewer(owner, brand, asset, listing, reviewer, merchant_user, *, at, reason, **draft_kwargs):
    """File, accept, counter-notice, reply, and a reviewer upholds with a written reason."""
    with time_machine.travel(at, tick=False):
        (item,) = file_notice(owner, brand, [draft(listing, asset, **draft_kwargs)]).accepted
        lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
    with time_machine.travel(at + timedelta(hours=10), tick=False):
        lifecycle.notice_item_counter_notice(
            item_id=item.pk, actor=merchant_user, counter_notice_fields=dict(COUNTER_NOTICE)
        )
    with time_machine.travel(at + timedelta(hours=20), tick=False):
        lifecycle.notice_item_reply(
            item_id=item.pk, actor=owner, statement=f"The invoice is forged; reach me at {NOTICE_DATA['filer_email']}."
        )
    with time_machine.travel(at + timedelta(hours=30), tick=False):
        lifecycle.notice_item_uphold(item_id=item.pk, actor=reviewer, reason=reason)
    return NoticeItem.objects.get(pk=item.pk)


def store_sanctions(item, *, at):
    """The statements the penalty ladder writes for a store, through the same writer."""
    item = NoticeItem.objects.select_related("notice", "listing", "ip_asset", "notice__rights_holder").get(pk=item.pk)
    with time_machine.travel(at, tick=False):
        now = timezone.now()
        statements_write(
            item,
            [
                {"restriction": RestrictionKind.STORE_WARNING, "automated_decision": True},
                {
                    "restriction": RestrictionKind.STORE_RESTRICTED,
                    "ends_at": now + timedelta(days=14),
                    "automated_decision": True,
                },
                {"restriction": RestrictionKind.STORE_CLOSED, "automated_decision": True},
                {"restriction": RestrictionKind.MERCHANT_BANNED, "automated_decision": True},
            ],
            now=now,
        )


@pytest.fixture
def decisions(owner_a, brand_a, asset_a, listing, store, reviewer, merchant_user, merchant, start):
    """Two upheld items (one by default, one by a reviewer) and the store sanctions that followed."""
    by_default = uphold_by_default(owner_a, brand_a, asset_a, listing, reviewer, at=start)
    copyright_asset = factories.IPAssetFactory(rights_holder=brand_a, kind="copyright", name="ACME catalogue photos")
    second = factories.ListingFactory(store=store, title="Sneakers with catalogue photos")
    by_reviewer = uphold_by_reviewer(
        owner_a,
        brand_a,
        copyright_asset,
        second,
        reviewer,
        merchant_user,
        at=start + timedelta(days=40),
        reason=f"The invoice is forged. The merchant wrote from {MERCHANT_EMAIL}, phone {MERCHANT_PHONE}.",
        infringement_type="copyright",
    )
    store_sanctions(by_reviewer, at=start + timedelta(days=40, hours=31))
    return SimpleNamespace(by_default=by_default, by_reviewer=by_reviewer, start=start)


def exported_by_puid():
    return {entry["puid"]: entry for entry in statements_export()}


def test_every_exported_statement_meets_the_documented_schema(decisions):
    exported = statements_export()

    assert exported, "the lifecycle wrote restricting decisions"
    for entry in exported:
        assert dsa_statement_errors(entry) == [], entry
    # Two listing removals and three store restrictions; the warning restricts nothing and is left out.
    assert len(exported) == 5


def test_uphold_by_default_is_a_removal_decided_automatically(decisions):
    statement = StatementOfReasons.objects.get(item=decisions.by_default)
    entry = exported_by_puid()[str(statement.puid)]

    assert entry["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert entry["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert entry["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    # A counterfeit of a trade mark infringes the mark; the schema has no counterfeit keyword.
    assert entry["category_specification"] == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert entry["content_type"] == ["CONTENT_TYPE_PRODUCT"]
    assert entry["automated_detection"] == "No"
    assert entry["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert entry["source_type"] == "SOURCE_ARTICLE_16"
    assert entry["application_date"] == (decisions.start + timedelta(hours=73)).date().isoformat()
    assert entry["content_date"] == decisions.by_default.listing.created_at.date().isoformat()
    assert "registration number" in entry["illegal_content_legal_ground"]
    assert "did not file a counter-notice" in entry["decision_facts"]
    assert not any(key.startswith("decision_") and key.endswith(("monetary", "provision", "account")) for key in entry)


def test_reviewer_decision_on_copyright_is_not_automated(decisions):
    statement = StatementOfReasons.objects.get(item=decisions.by_reviewer, restriction=RestrictionKind.LISTING_REMOVED)
    entry = exported_by_puid()[str(statement.puid)]

    assert entry["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert entry["category_specification"] == ["KEYWORD_COPYRIGHT_INFRINGEMENT"]
    assert "reviewer" in entry["decision_facts"]


def test_store_sanctions_map_to_service_monetary_and_account_decisions(decisions):
    by_kind = {
        s.restriction: exported_by_puid().get(str(s.puid))
        for s in StatementOfReasons.objects.filter(item=decisions.by_reviewer)
    }

    assert by_kind[RestrictionKind.STORE_WARNING] is None
    restricted = by_kind[RestrictionKind.STORE_RESTRICTED]
    assert restricted["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert restricted["end_date_service_restriction"] == (
        (decisions.start + timedelta(days=40, hours=31) + timedelta(days=14)).date().isoformat()
    )
    assert restricted["account_type"] == "ACCOUNT_TYPE_BUSINESS"
    closed = by_kind[RestrictionKind.STORE_CLOSED]
    assert closed["decision_provision"] == "DECISION_PROVISION_TOTAL_TERMINATION"
    assert closed["decision_monetary"] == "DECISION_MONETARY_OTHER"
    assert "deposit" in closed["decision_monetary_other"]
    banned = by_kind[RestrictionKind.MERCHANT_BANNED]
    assert banned["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert "end_date_account_restriction" not in banned  # permanent


def test_export_holds_no_personal_data(decisions, owner_a, reviewer, merchant_user, merchant, store, brand_a):
    counter_notice = decisions.by_reviewer.counter_notice
    text = json.dumps(statements_export(), ensure_ascii=False)

    personal = [
        NOTICE_DATA["filer_name"],
        NOTICE_DATA["filer_email"],
        NOTICE_DATA["filer_phone"],
        NOTICE_DATA["filer_address"],
        counter_notice.contact_name,
        counter_notice.contact_email,
        counter_notice.contact_phone,
        counter_notice.contact_address,
        merchant.legal_name,
        merchant.contact_email,
        merchant.contact_phone,
        merchant.address,
        merchant.business_licence_number,
        store.name,
        brand_a.legal_name,
        *(user.get_username() for user in (owner_a, reviewer, merchant_user)),
        *(user.email for user in (owner_a, reviewer, merchant_user)),
    ]
    assert [value for value in personal if value and value in text] == []
    # Nor the digits of a phone number written with other separators, nor any e-mail address at all.
    assert "7946" not in text
    assert "@" not in text


def test_only_decisions_that_restrict_are_exported(decisions, merchant_user, senior_reviewer):
    appeal = appeal_file(item_id=decisions.by_default.pk, actor=merchant_user, statement="The goods are genuine.")
    appeal_decide(appeal_id=appeal.pk, actor=senior_reviewer, reverse=True, reason="The receipts are authentic.")
    restored = StatementOfReasons.objects.get(item=decisions.by_default, restriction=RestrictionKind.LISTING_RESTORED)

    puids = set(exported_by_puid())

    assert str(restored.puid) not in puids
    # The removal it reversed was still a decision that restricted the listing when it was taken.
    removal = StatementOfReasons.objects.get(item=decisions.by_default, restriction=RestrictionKind.LISTING_REMOVED)
    assert str(removal.puid) in puids
    with pytest.raises(ValueError, match="restricts nothing"):
        statement_to_dsa(restored)


def test_since_keeps_the_decisions_taken_on_or_after_that_day(decisions):
    second_day = (decisions.start + timedelta(days=40, hours=30)).date()

    later = statements_export(since=second_day)

    assert {entry["application_date"] for entry in later} == {
        second_day.isoformat(),
        (decisions.start + timedelta(days=40, hours=31)).date().isoformat(),
    }
    assert len(later) == 4
    assert len(statements_export(since=decisions.start.date())) == 5
    assert statements_export(since=second_day + timedelta(days=365)) == []


def test_command_writes_the_statements_and_says_how_many(decisions, tmp_path, capsys):
    target = tmp_path / "sor.json"

    call_command("export_statements_of_reasons", "--output", str(target))

    payload = json.loads(target.read_text(encoding="utf-8"))
    assert list(payload) == ["statements"]
    assert len(payload["statements"]) == 5
    assert all(dsa_statement_errors(entry) == [] for entry in payload["statements"])
    assert "Wrote 5 statements of reasons" in capsys.readouterr().out


def test_command_since_filters_by_decision_day(decisions, tmp_path, capsys):
    target = tmp_path / "sor.json"
    since = (decisions.start + timedelta(days=20)).date().isoformat()

    call_command("export_statements_of_reasons", "--output", str(target), "--since", since)

    assert len(json.loads(target.read_text(encoding="utf-8"))["statements"]) == 4
    assert f"Wrote 4 statements of reasons decided on or after {since}" in capsys.readouterr().out


@pytest.mark.parametrize("since", ["2025-13-01", "01/07/2025", "yesterday"])
def test_command_refuses_a_bad_since_date(db, tmp_path, since):
    target = tmp_path / "sor.json"

    with pytest.raises(CommandError, match="--since must be a date written YYYY-MM-DD"):
        call_command("export_statements_of_reasons", "--output", str(target), "--since", since)
    assert not target.exists()


def test_command_refuses_a_path_in_a_missing_folder(db, tmp_path):
    target = tmp_path / "missing" / "sor.json"

    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_statements_of_reasons", "--output", str(target))
    assert not target.parent.exists()


@pytest.mark.parametrize("make", ["file_as_folder", "folder_as_file"])
def test_command_refuses_a_path_it_cannot_write(db, tmp_path, make):
    blocker = tmp_path / "blocker"
    if make == "file_as_folder":
        blocker.write_text("not a folder")
        target, message = blocker / "sor.json", "is a file, not a folder"
    else:
        blocker.mkdir()
        target, message = blocker, "it is a folder"

    with pytest.raises(CommandError, match=message):
        call_command("export_statements_of_reasons", "--output", str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_partial_file(decisions, tmp_path, monkeypatch):
    target = tmp_path / "sor.json"
    target.write_text('{"statements": []}\n', encoding="utf-8")

    def dump_half_then_fail(payload, out, **kwargs):
        out.write('{"statements": [')
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command_module, "json", SimpleNamespace(dump=dump_half_then_fail))

    with pytest.raises(CommandError, match="No space left on device"):
        call_command("export_statements_of_reasons", "--output", str(target))
    assert target.read_text(encoding="utf-8") == '{"statements": []}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["sor.json"]


def test_validator_rejects_what_the_documentation_forbids(decisions):
    good = statements_export()[0]

    def errors_with(**changes):
        return dsa_statement_errors({**good, **changes})

    assert errors_with(decision_visibility=["DECISION_VISIBILITY_GONE"])
    assert errors_with(category="STATEMENT_CATEGORY_COUNTERFEIT")  # a v1 value, gone from the schema
    assert errors_with(content_type="CONTENT_TYPE_PRODUCT")  # must be an array
    assert errors_with(automated_decision="Yes")
    assert errors_with(application_date="2019-12-31")
    assert errors_with(content_date="2024-1-5")
    assert errors_with(puid="not unique!")
    assert errors_with(territorial_scope=["US"])
    assert errors_with(illegal_content_explanation="")
    assert errors_with(decision_facts="x" * 5001)
    without_decision = {k: v for k, v in good.items() if k != "decision_visibility"}
    assert dsa_statement_errors(without_decision)
    assert errors_with(end_date_visibility_restriction="2020-01-02")


def test_scrubber_removes_contact_details_from_typed_text():
    text = "Write to ada@brand-a.test or call +33 1 23 45 67 89, see https://example.test/x."

    scrubbed = scrub_personal_data(text)

    assert "ada@brand-a.test" not in scrubbed
    assert "45 67 89" not in scrubbed
    assert "example.test" not in scrubbed
    assert scrub_personal_data("018123456", phones=False) == "018123456"


def test_set_based_sweep_upholds_export_like_the_single_item_verb(
    owner_a, brand_a, asset_a, listing, store, reviewer, merchant, start
):
    from takedowns.sweep import deadlines_sweep

    single = uphold_by_default(owner_a, brand_a, asset_a, listing, reviewer, at=start)
    other = factories.ListingFactory(store=store)
    with time_machine.travel(start, tick=False):
        (swept,) = file_notice(owner_a, brand_a, [draft(other, asset_a)]).accepted
        lifecycle.notice_item_accept(item_id=swept.pk, actor=reviewer)
    with time_machine.travel(start + timedelta(hours=73), tick=False):
        deadlines_sweep()

    def export_of(item):
        statement = StatementOfReasons.objects.get(item=item, restriction=RestrictionKind.LISTING_REMOVED)
        entry = statement_to_dsa(statement)
        assert dsa_statement_errors(entry) == []
        return {k: v for k, v in entry.items() if k != "puid"}

    assert NoticeItem.objects.get(pk=swept.pk).status == "upheld"
    assert export_of(swept) == export_of(single)


def test_fast_track_takedown_disables_access_until_the_window_closes(brand_a, asset_a, listing, merchant, start):
    from portal.models import OrganisationKind
    from rights_holders.models import Partner, PartnerKind

    partner_org = factories.OrganisationFactory(kind=OrganisationKind.PARTNER, name="Anti-Counterfeiting Guild")
    partner = Partner.objects.create(organisation=partner_org, kind=PartnerKind.ASSOCIATION, approved_for_vetting=True)
    partner.vetted_rights_holders.add(brand_a)
    partner_user = factories.member_of(partner_org)
    with time_machine.travel(start, tick=False):
        (item,) = file_notice(partner_user, brand_a, [draft(listing, asset_a)], partner=partner).accepted

    (entry,) = statements_export()

    assert NoticeItem.objects.get(pk=item.pk).track == "fast"
    assert entry["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert entry["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert "fast track" in entry["decision_facts"]
    assert dsa_statement_errors(entry) == []
    assert partner_org.name not in json.dumps(entry)


def test_penalty_ladder_restriction_is_exported_with_its_end_date(
    owner_a, brand_a, asset_a, listing, store, reviewer, merchant, start
):
    """Two upheld counterfeits (6 points each) reach the 12-point step: no new listings for 7 days."""
    from django.test import TestCase

    second = factories.ListingFactory(store=store)
    for n, each in enumerate([listing, second]):
        at = start + timedelta(days=n)
        with time_machine.travel(at, tick=False):
            (item,) = file_notice(owner_a, brand_a, [draft(each, asset_a)]).accepted
            lifecycle.notice_item_accept(item_id=item.pk, actor=reviewer)
        with time_machine.travel(at + timedelta(hours=73), tick=False), TestCase.captureOnCommitCallbacks(execute=True):
            lifecycle.notice_item_uphold_by_default(item_id=item.pk)

    restricted = StatementOfReasons.objects.get(restriction=RestrictionKind.STORE_RESTRICTED)
    by_puid = exported_by_puid()

    entry = by_puid[str(restricted.puid)]
    assert entry["decision_provision"] == "DECISION_PROVISION_PARTIAL_SUSPENSION"
    assert entry["end_date_service_restriction"] == restricted.restriction_ends_at.date().isoformat()
    assert restricted.restriction_ends_at - restricted.decided_at == timedelta(days=7)
    assert dsa_statement_errors(entry) == []
    warnings = StatementOfReasons.objects.filter(restriction=RestrictionKind.STORE_WARNING)
    assert warnings.exists()
    assert not {str(w.puid) for w in warnings} & set(by_puid)
