"""Track records: the counts, the shares, the median and the window, on both database vendors.

``decided_items`` builds items directly in their final states (one notice,
bulk-created items). That is for the record and eligibility arithmetic
only: nothing here moves an item. ``test_membership.py`` has a test that
produces decided items through the real lifecycle verbs.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from good_faith.records import TrackRecord, record_of, track_records
from takedowns.models import CounterNotice, Notice, NoticeItem
from tests import factories
from tests.takedowns.conftest import NOTICE_DATA


def decided_items(
    holder,
    n,
    *,
    status="upheld",
    infringement_type="counterfeit",
    decided_at=None,
    hours_to_outcome=48,
    counter_notice=False,
    reversed_against_filer=False,
    manifestly_unfounded=False,
    partner=None,
    asset=None,
    listing=None,
    channel="web",
):
    """``n`` items already in a final state (fixture shortcut for record arithmetic; see the module docstring)."""
    if n == 0:
        return []
    decided_at = decided_at or timezone.now() - timedelta(days=1)
    asset = asset or holder.ip_assets.first() or factories.IPAssetFactory(rights_holder=holder)
    listing = listing or factories.ListingFactory()
    notice = Notice.objects.create(
        rights_holder=holder,
        partner=partner,
        channel=channel,
        submitted_at=decided_at - timedelta(hours=hours_to_outcome),
        signed_at=decided_at - timedelta(hours=hours_to_outcome),
        **NOTICE_DATA,
    )
    items = NoticeItem.objects.bulk_create(
        NoticeItem(
            notice=notice,
            listing=listing,
            ip_asset=asset,
            infringement_type=infringement_type,
            explanation="fixture",
            status=status,
            decided_at=decided_at,
            decision_generation=1,
            reversed_against_filer=reversed_against_filer,
            manifestly_unfounded=manifestly_unfounded,
        )
        for _ in range(n)
    )
    if counter_notice:
        merchant = factories.UserFactory()
        CounterNotice.objects.bulk_create(
            CounterNotice(
                item=item,
                submitted_by=merchant,
                statement="genuine",
                signature="M",
                signed_at=decided_at,
                contact_name="M",
                contact_address="A",
                contact_phone="1",
                contact_email="m@example.test",
            )
            for item in items
        )
    return items


def test_counts_and_shares_overall_and_per_type(brand_a):
    decided_items(brand_a, 16, status="upheld", infringement_type="counterfeit")
    decided_items(brand_a, 2, status="upheld", infringement_type="patent")
    decided_items(brand_a, 1, status="dismissed", infringement_type="patent", counter_notice=True)
    decided_items(
        brand_a,
        1,
        status="dismissed",
        infringement_type="counterfeit",
        counter_notice=True,
        reversed_against_filer=True,
    )
    decided_items(brand_a, 1, status="rejected", infringement_type="patent", manifestly_unfounded=True)
    decided_items(brand_a, 1, status="rejected", infringement_type="patent")
    # Not judged on the merits: left out.
    decided_items(brand_a, 3, status="withdrawn")
    decided_items(brand_a, 2, status="invalid")

    records = track_records()

    overall = records[(brand_a.pk, "")]
    assert overall.decided == 22
    assert overall.upheld == 18
    assert overall.dismissed_after_counter_notice == 1
    assert overall.rejected == 2
    assert overall.manifestly_unfounded == 1
    assert overall.reversed == 1
    assert overall.accuracy_percent == pytest.approx(100 * 18 / 22, abs=1e-3)
    assert overall.counter_notice_success_percent == pytest.approx(100 / 22, abs=1e-3)
    assert overall.median_hours_to_outcome == pytest.approx(48)
    counterfeit = records[(brand_a.pk, "counterfeit")]
    assert (counterfeit.decided, counterfeit.upheld, counterfeit.reversed) == (17, 16, 1)
    patent = records[(brand_a.pk, "patent")]
    assert (patent.decided, patent.upheld, patent.dismissed_after_counter_notice, patent.rejected) == (5, 2, 1, 2)
    assert (brand_a.pk, "copyright") not in records


def test_items_decided_before_the_window_are_ignored(brand_a, settings):
    now = timezone.now()
    decided_items(brand_a, 4, decided_at=now - timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS, seconds=1))
    decided_items(brand_a, 3, decided_at=now - timedelta(days=settings.GOOD_FAITH_WINDOW_DAYS - 1))

    assert record_of(track_records(now=now), brand_a.pk).decided == 3


def test_the_platforms_proactive_notices_are_nobodys_record(brand_a):
    """The platform filed them from its own screening: the brand did not, and they must not lift (or sink) it."""
    decided_items(brand_a, 2)
    decided_items(brand_a, 5, status="rejected", manifestly_unfounded=True, channel="proactive")

    record = record_of(track_records(), brand_a.pk)
    assert (record.decided, record.upheld, record.rejected) == (2, 2, 0)


def test_median_time_from_filing_to_outcome(brand_a):
    decided_items(brand_a, 1, hours_to_outcome=10)
    decided_items(brand_a, 1, hours_to_outcome=20)
    decided_items(brand_a, 1, hours_to_outcome=30)
    decided_items(brand_a, 1, hours_to_outcome=100)

    assert record_of(track_records(), brand_a.pk).median_hours_to_outcome == pytest.approx(25)


def test_one_query_for_every_holder_and_a_subject_filter(brand_a, brand_b, django_assert_num_queries):
    decided_items(brand_a, 2)
    decided_items(brand_b, 3, status="rejected")

    with django_assert_num_queries(1 if _is_postgres() else 2):
        records = track_records()
    assert record_of(records, brand_a.pk).decided == 2
    assert record_of(records, brand_b.pk).rejected == 3
    only_b = track_records(subject_ids=[brand_b.pk])
    assert {key[0] for key in only_b} == {brand_b.pk}
    assert track_records(subject_ids=[]) == {}


def test_partner_records_follow_the_notices_it_filed(brand_a, brand_b):
    partner = factories.OrganisationFactory(kind="partner")
    from rights_holders.models import Partner

    partner = Partner.objects.create(organisation=partner, kind="association", approved_for_vetting=True)
    decided_items(brand_a, 2, partner=partner)
    decided_items(brand_b, 1, status="dismissed", counter_notice=True, partner=partner)
    decided_items(brand_b, 5)

    record = record_of(track_records(subject="partner"), partner.pk)
    assert (record.decided, record.upheld, record.dismissed_after_counter_notice) == (3, 2, 1)


def test_an_empty_record_has_no_shares():
    record = TrackRecord()
    assert record.decided == 0
    assert record.accuracy_percent is None
    assert record.counter_notice_success_percent is None


def _is_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"
