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

# Each app back to the migration before its public ids. One trip back and forth for all four models:
# going back to rights_holders' 0002 undoes its RightsHolder ids (0005, 0006) too, and on the way forward
# each public-id migration meets rows that predate it, as it would if run from its own starting point.
BEFORE = [("rights_holders", "0002_ipasset_reference_price_positive"), ("listings", "0002_initial")]
MODELS = [IPAsset, RightsHolder, Store, Listing]


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
def test_existing_rows_get_unique_public_ids_dated_by_their_creation():
    created = timezone.now() - datetime.timedelta(days=400)
    for n in range(3):
        factories.IPAssetFactory(created_at=created + datetime.timedelta(minutes=n))
        factories.ListingFactory(created_at=created + datetime.timedelta(minutes=n))
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for model in MODELS:
                columns = [c.name for c in connection.introspection.get_table_description(cursor, model._meta.db_table)]
                assert "public_id" not in columns, model
    finally:
        _migrate_to_latest()
    for model in MODELS:
        rows = list(model.objects.order_by("created_at", "pk"))
        assert len(rows) == 3, model
        ids = [row.public_id for row in rows]
        assert None not in ids and len(set(ids)) == len(ids), model
        for row in rows:
            assert row.public_id.version == 7
            assert row.public_id.int >> 80 == int(row.created_at.timestamp() * 1000)
    # The columns are required and unique again: new rows get fresh ids.
    for fresh in (factories.ListingFactory(), factories.IPAssetFactory()):
        model = type(fresh)
        assert fresh.public_id not in set(model.objects.exclude(pk=fresh.pk).values_list("public_id", flat=True))
