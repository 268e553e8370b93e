"""Public ids, step 3 of 3: required and unique; new rows draw a UUIDv7 by default."""

from django.db import migrations, models

import portal.public_ids


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0010_public_ids_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name=name,
            name="public_id",
            field=models.UUIDField(default=portal.public_ids.uuid7, editable=False, unique=True),
        )
        for name in ("notice", "noticeitem", "counternotice")
    ]
