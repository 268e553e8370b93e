"""Listing images get a public id (``img_…``), the SHA-256 of their bytes and the instant they were added.

Existing rows get a public id dated now (they had no date of their own), and the hash of their stored file
when it can be read (a row whose file is missing keeps an empty hash). 0009 makes the public id unique and
required (PostgreSQL refuses to alter a table in the transaction that updated its rows).
"""

import hashlib

from django.db import migrations, models
from django.utils import timezone

from portal.public_ids import uuid7


def backfill(apps, schema_editor):
    ListingImage = apps.get_model("listings", "ListingImage")
    now = timezone.now()
    rows = ListingImage.objects.filter(public_id__isnull=True).order_by("pk")
    while batch := list(rows[:500]):
        for row in batch:
            row.public_id = uuid7(now)
            row.content_hash = _hash_of(row.image)
        ListingImage.objects.bulk_update(batch, ["public_id", "content_hash"])


def _hash_of(field_file):
    if not field_file:
        return ""
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return ""
    return digest.hexdigest()


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0007_listing_updated_at_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="listingimage",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="listingimage",
            name="content_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="listingimage",
            name="created_at",
            field=models.DateTimeField(default=timezone.now, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
