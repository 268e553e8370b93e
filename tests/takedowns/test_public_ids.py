"""Notices, items and counter-notices carry public ids; existing rows get their own when the column arrives."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from takedowns.models import CounterNotice, Notice, NoticeItem
from tests.takedowns.conftest import draft, file_notice

BEFORE = [("takedowns", "0008_notice_item_status_trigger")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_distinct_public_ids_when_the_columns_are_added(owner_a, brand_a, asset_a, store):
    from tests import factories

    listings = [factories.ListingFactory(store=store) for _ in range(3)]
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a) for listing in listings])
    file_notice(owner_a, brand_a, [draft(factories.ListingFactory(store=store), asset_a)])
    item = receipt.accepted[0]
    CounterNotice.objects.create(
        item=item,
        submitted_by=owner_a,
        statement="Genuine goods.",
        signature="M",
        signed_at=timezone.now(),
        contact_name="M",
        contact_address="A",
        contact_phone="1",
        contact_email="m@example.test",
    )
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE)
        _migrate(leaves)
    finally:
        _migrate(leaves)  # whatever happened, the database ends fully migrated for the next test

    for model, count in ((Notice, 2), (NoticeItem, 4), (CounterNotice, 1)):
        values = list(model.objects.values_list("public_id", flat=True))
        assert len(values) == count
        assert None not in values
        assert len(set(values)) == count, f"{model.__name__}: public ids repeat"
        assert {v.version for v in values} == {7}


def test_new_rows_draw_their_own_public_id(owner_a, brand_a, asset_a, listing):
    receipt = file_notice(owner_a, brand_a, [draft(listing, asset_a)])
    notice = Notice.objects.get(pk=receipt.notice.pk)
    item = NoticeItem.objects.get(pk=receipt.accepted[0].pk)
    assert notice.public_id.version == 7 and item.public_id.version == 7
    assert notice.public_id != item.public_id
