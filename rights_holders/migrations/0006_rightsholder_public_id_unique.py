from django.db import migrations, models

import portal.public_ids


class Migration(migrations.Migration):
    dependencies = [
        ("rights_holders", "0005_rightsholder_public_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rightsholder",
            name="public_id",
            field=models.UUIDField(default=portal.public_ids.uuid7, editable=False, unique=True),
        ),
    ]
