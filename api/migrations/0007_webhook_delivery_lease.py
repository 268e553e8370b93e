"""Deliveries carry the lease of their attempt under way (none for those under way at deploy: they finish unleased)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0006_webhook_delivery_failed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="attempt under way until"),
        ),
        migrations.AddIndex(
            model_name="webhookdelivery",
            index=models.Index(
                condition=models.Q(("claimed_until__isnull", False)),
                fields=["subscription", "claimed_until"],
                name="webhook_delivery_lease_idx",
            ),
        ),
    ]
