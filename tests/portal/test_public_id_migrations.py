"""The migrations that add public ids give every existing row one, unique and dated by its creation.

Run on SQLite and, with DATABASE_URL set to PostgreSQL, on PostgreSQL (where adding
the constraint in the transaction that filled the column would fail).
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from listings.models import Listing, Store
from rights_holders.models import IPAsset, RightsHolder
from tests import factories

CASES = [
    # (app, the migration before the public ids, the last public-id migration, models)
    # Forward to the app's last public-id migration, so a later one is not left unapplied.
    ("rights_holders", "0002_ipasset_reference_price_positive", "0006_rightsholder_public_id_unique", [IPAsset]),
    ("rights_holders", "0004_ipasset_public_id_unique", "0006_rightsholder_public_id_unique", [RightsHolder]),
    ("listings", "0002_initial", "0004_public_ids_unique", [Store, Listing]),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _migrate_to_latest():
    """Every app to its last migration: the models (and the tests after this one) expect the latest schema."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("app, before, after, models", CASES, ids=[f"{c[0]}-{c[3][0].__name__}" for c in CASES])
def test_existing_rows_get_unique_public_ids_dated_by_their_creation(app, before, after, models):
    created = timezone.now() - datetime.timedelta(days=400)
    for n in range(3):
        factories.IPAssetFactory(created_at=created + datetime.timedelta(minutes=n))
        factories.ListingFactory(created_at=created + datetime.timedelta(minutes=n))
    _migrate([(app, before)])
    try:
        with connection.cursor() as cursor:
            for model in models:
                columns = [c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)]
                assert "public_id" not in columns
    finally:
        _migrate([(app, after)])
        _migrate_to_latest()
    for model in models:
        rows = list(model.objects.order_by("created_at", "pk"))
        assert len(rows) == 3
        ids = [row.public_id for row in rows]
        assert None not in ids and len(set(ids)) == len(ids)
        for row in rows:
            assert row.public_id.version == 7
            assert row.public_id.int >> 80 == int(row.created_at.timestamp() * 1000)
    # The column is required and unique again: a new row gets a fresh id.
    fresh = factories.ListingFactory() if app == "listings" else factories.IPAssetFactory()
    assert fresh.public_id not in {row.public_id for model in models for row in model.objects.exclude(pk=fresh.pk)}
