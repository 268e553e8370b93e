"""Who turned a subscription off, as a choice rather than read from its reason's text.

Subscriptions already off get theirs from the reasons the code wrote: a 410, a day of
failures, otherwise their owners (the only other way off until now).
"""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Subscription = apps.get_model("api", "WebhookSubscription")
    off = Subscription.objects.filter(active=False)
    off.filter(disabled_reason__contains="410 Gone").update(disabled_by="gone")
    off.filter(disabled_reason__startswith="Every attempt has failed").update(disabled_by="failing")
    off.filter(disabled_by="").update(disabled_by="owner")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="disabled_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("owner", "Its owners (a page or a key)"),
                    ("operator", "The platform's operators"),
                    ("gone", "Automatically: the endpoint answered 410 Gone"),
                    ("failing", "Automatically: every attempt failed for a day"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
