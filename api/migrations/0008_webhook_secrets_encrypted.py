"""Webhook signing secrets are kept encrypted with WEBHOOK_SECRET_KEY: the stored ones are encrypted now.

The columns are renamed (``secret`` -> ``secret_encrypted``, ``previous_secret`` ->
``previous_secret_encrypted``) so no code reads a ciphertext as a secret, and widened
for the Fernet token. Going back decrypts them again. Fernet here directly, with the
keys the settings hold at migration time, as ``api.webhooks.secret_storage`` uses it.
"""

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import migrations, models

BATCH = 500
FIELDS = ("secret_encrypted", "previous_secret_encrypted")


def _fernet():
    return MultiFernet([Fernet(key) for key in (settings.WEBHOOK_SECRET_KEY, *settings.WEBHOOK_SECRET_KEY_FALLBACKS)])


def _convert(apps, change):
    Subscription = apps.get_model("api", "WebhookSubscription")
    rows = []
    for row in Subscription.objects.only(*FIELDS).order_by("pk").iterator(chunk_size=BATCH):
        for field in FIELDS:
            value = getattr(row, field)
            if value:
                setattr(row, field, change(value))
        rows.append(row)
        if len(rows) == BATCH:
            Subscription.objects.bulk_update(rows, FIELDS)
            rows = []
    Subscription.objects.bulk_update(rows, FIELDS)


def encrypt(apps, schema_editor):
    fernet = _fernet()
    # Only values still in clear (whsec_...): a migration run again finds nothing left to do.
    _convert(apps, lambda value: fernet.encrypt(value.encode()).decode() if value.startswith("whsec_") else value)


def decrypt(apps, schema_editor):
    fernet = _fernet()
    _convert(apps, lambda value: value if value.startswith("whsec_") else fernet.decrypt(value.encode()).decode())


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0007_webhook_delivery_lease"),
    ]

    operations = [
        migrations.RenameField(model_name="webhooksubscription", old_name="secret", new_name="secret_encrypted"),
        migrations.RenameField(
            model_name="webhooksubscription", old_name="previous_secret", new_name="previous_secret_encrypted"
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret_encrypted",
            field=models.CharField(editable=False, max_length=300),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="previous_secret_encrypted",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
