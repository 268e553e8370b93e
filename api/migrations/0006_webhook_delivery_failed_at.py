"""When a delivery was given up, so /health/ can count those of the last day.

Deliveries already given up are dated by their last attempt (when that outcome was
recorded), or by their creation if the log has none.
"""

from django.db import migrations, models
from django.db.models import Max
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    Delivery = apps.get_model("api", "WebhookDelivery")
    Delivery.objects.filter(status="failed", failed_at=None).update(
        failed_at=Coalesce(
            models.Subquery(
                Delivery.objects.filter(pk=models.OuterRef("pk"))
                .annotate(last=Max("attempt_log__started_at"))
                .values("last")[:1]
            ),
            "created_at",
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0005_webhook_disabled_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="failed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("status", "failed")), fields=["failed_at"], name="webhook_delivery_failed_idx"
            ),
        ),
    ]
