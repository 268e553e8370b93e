"""Two people feeding the same brand at the same moment, on PostgreSQL with real threads: the same keyword
or the same seller is added once; the other is refused as a repeat, and leaves nothing behind."""

import threading

import pytest
from django.db import connection

from portal.errors import InvalidInput
from portal.models import AuditLogEntry
from screening.intel.keywords import asset_keywords_add
from screening.intel.models import ExtraKeyword, ReportedSeller, ReportedSellerIdentity
from screening.intel.sellers import seller_report
from tests import factories
from tests.services import needs_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(call):
    """``call(slot)`` in two threads released together; [(result or None, error or None)] by slot."""
    start = threading.Barrier(2, timeout=120)
    outcomes = [None, None]

    def run(slot):
        try:
            start.wait()
            outcomes[slot] = (call(slot), None)
        except InvalidInput as exc:
            outcomes[slot] = (None, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(slot,), daemon=True) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
        assert not thread.is_alive(), "a call did not finish"
    return outcomes


def test_the_same_keyword_added_twice_at_once_is_added_once():
    needs_postgres()
    holder = factories.RightsHolderFactory()
    people = [factories.member_of(holder.organisation), factories.member_of(holder.organisation)]
    asset = factories.IPAssetFactory(rights_holder=holder, categories=["Shoes"])

    outcomes = at_once(lambda slot: asset_keywords_add(asset_id=asset.pk, texts=["Nortwind"], actor=people[slot]))

    added = [result for result, _ in outcomes if result]
    refused = [error for _, error in outcomes if error]
    assert len(added) == 1 and len(refused) == 1
    assert "already an extra keyword of" in str(refused[0])
    assert ExtraKeyword.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="screening.keywords.added").count() == 1


def test_the_same_seller_reported_twice_at_once_is_reported_once():
    needs_postgres()
    holder = factories.RightsHolderFactory()
    people = [factories.member_of(holder.organisation), factories.member_of(holder.organisation)]

    outcomes = at_once(
        lambda slot: seller_report(
            rights_holder_id=holder.pk, identifiers={"phone": "+86 571 8888 0042"}, actor=people[slot]
        )
    )

    assert sum(1 for result, _ in outcomes if result) == 1
    [error] = [error for _, error in outcomes if error]
    assert error.code == "already_reported"
    assert ReportedSeller.objects.count() == 1 and ReportedSellerIdentity.objects.count() == 1
