"""Rights holders get a public id (``rhd_…``): an agent or partner names the brand it files for by it.

Existing rows get one dated by their creation; 0006 makes it unique and required.
"""

from django.db import migrations, models

from portal.public_ids import public_ids_backfill


def backfill(apps, schema_editor):
    public_ids_backfill(apps.get_model("rights_holders", "RightsHolder"))


class Migration(migrations.Migration):
    dependencies = [
        ("rights_holders", "0004_ipasset_public_id_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="rightsholder",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
