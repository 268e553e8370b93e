"""IP assets get a public id (``ast_…``); existing rows get one dated by their creation.

The column is added nullable and filled here; 0004 makes it unique and required
(PostgreSQL refuses to alter a table in the transaction that updated its rows).
"""

from django.db import migrations, models

from portal.public_ids import public_ids_backfill


def backfill(apps, schema_editor):
    public_ids_backfill(apps.get_model("rights_holders", "IPAsset"))


class Migration(migrations.Migration):
    dependencies = [
        ("rights_holders", "0002_ipasset_reference_price_positive"),
    ]

    operations = [
        migrations.AddField(
            model_name="ipasset",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
