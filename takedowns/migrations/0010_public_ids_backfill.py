"""Public ids, step 2 of 3: every existing notice, item and counter-notice gets its own UUIDv7.

In batches by primary key, so a large table is not loaded at once; ``bulk_update``
touches ``public_id`` only (the item's status trigger sees no move).
"""

from django.db import migrations

from portal.public_ids import uuid7

BATCH = 2000


def backfill(apps, schema_editor):
    for name in ("Notice", "NoticeItem", "CounterNotice"):
        model = apps.get_model("takedowns", name)
        last = 0
        while True:
            rows = list(model.objects.filter(public_id__isnull=True, pk__gt=last).order_by("pk").only("pk")[:BATCH])
            if not rows:
                break
            for row in rows:
                row.public_id = uuid7()
            model.objects.bulk_update(rows, ["public_id"])
            last = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0009_public_ids_add"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
