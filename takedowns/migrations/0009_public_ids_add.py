"""Public ids (``ntc_``, ``itm_``, ``cnt_``), step 1 of 3: the columns, empty.

Three migrations, each in its own transaction on PostgreSQL: add the column
nullable, fill every existing row with its own UUIDv7 (a callable default on
``AddField`` is evaluated once, so every existing row would get the same value
and the unique constraint would fail), then make it unique and required.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0008_notice_item_status_trigger"),
    ]

    operations = [
        migrations.AddField(model_name="notice", name="public_id", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(
            model_name="noticeitem", name="public_id", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.AddField(
            model_name="counternotice", name="public_id", field=models.UUIDField(null=True, editable=False)
        ),
    ]
