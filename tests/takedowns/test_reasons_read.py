"""A statement of reasons is a record in English; each reader reads its fixed text in their own language."""

from django.conf import settings
from django.utils import translation

from takedowns.models import RestrictionKind, StatementOfReasons
from takedowns.reasons import statement_read
from tests.takedowns.test_penalties import uphold


def _listing_statement(item):
    return StatementOfReasons.objects.get(item=item, restriction=RestrictionKind.LISTING_REMOVED)


def test_the_record_stays_english_whoever_decided(owner_a, brand_a, reviewer, store):
    with translation.override("zh-hans"):
        item = uphold(owner_a, brand_a, reviewer, store)
    statement = _listing_statement(item)
    asset = item.ip_asset
    assert statement.ground.startswith(f"Counterfeit of the trademark \u201c{asset.name}\u201d")
    assert statement.ground.endswith("the marketplace's terms of service prohibit infringing listings.")
    assert f"held by {brand_a.legal_name}" in statement.ground
    assert statement.redress.startswith(f"You may appeal this decision within {settings.TAKEDOWN_APPEAL_DAYS} days")


def test_a_chinese_reader_reads_the_ground_and_redress_in_chinese_an_english_reader_as_recorded(
    owner_a, brand_a, reviewer, store
):
    item = uphold(owner_a, brand_a, reviewer, store)
    statement = _listing_statement(item)
    with translation.override("en"):
        english = statement_read(statement, item)
    assert (english.ground, english.redress) == (statement.ground, statement.redress)
    with translation.override("zh-hans"):
        chinese = statement_read(statement, item)
    assert "假冒" in chinese.ground and item.ip_asset.name in chinese.ground and brand_a.legal_name in chinese.ground
    assert "terms of service" not in chinese.ground
    assert "申诉" in chinese.redress and str(settings.TAKEDOWN_APPEAL_DAYS) in chinese.redress


def test_a_ground_a_reviewer_wrote_stays_as_written_in_every_language(owner_a, brand_a, reviewer, store):
    item = uphold(owner_a, brand_a, reviewer, store)
    statement = _listing_statement(item)
    statement.ground = "Seller admitted the goods are replicas in the listing's Q&A."
    with translation.override("zh-hans"):
        assert statement_read(statement, item).ground == statement.ground
