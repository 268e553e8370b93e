from django.db import migrations, models

import portal.public_ids


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0003_public_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name="store",
            name="public_id",
            field=models.UUIDField(default=portal.public_ids.uuid7, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="listing",
            name="public_id",
            field=models.UUIDField(default=portal.public_ids.uuid7, editable=False, unique=True),
        ),
    ]
