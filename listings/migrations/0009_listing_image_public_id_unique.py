from django.db import migrations, models

import portal.public_ids


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0008_listing_image_public_id_content_hash"),
    ]

    operations = [
        migrations.AlterField(
            model_name="listingimage",
            name="public_id",
            field=models.UUIDField(default=portal.public_ids.uuid7, editable=False, unique=True),
        ),
        migrations.AlterModelOptions(
            name="listingimage",
            options={"ordering": ["listing", "position", "id"]},
        ),
        migrations.AddIndex(
            model_name="listingimage",
            index=models.Index(
                condition=models.Q(("content_hash", ""), _negated=True),
                fields=["content_hash"],
                name="listing_image_content_hash_idx",
            ),
        ),
    ]
