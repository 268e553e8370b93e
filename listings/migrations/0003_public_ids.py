"""Stores (``sto_…``) and listings (``lst_…``) get public ids; existing rows get one dated by their creation.

The columns are added nullable and filled here; 0004 makes them unique and required
(PostgreSQL refuses to alter a table in the transaction that updated its rows).
"""

from django.db import migrations, models

from portal.public_ids import public_ids_backfill


def backfill(apps, schema_editor):
    public_ids_backfill(apps.get_model("listings", "Store"))
    public_ids_backfill(apps.get_model("listings", "Listing"))


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="store",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="listing",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
