"""The principals of keys made before ``User.is_api_principal`` existed are marked as such.

The field lives in ``portal`` (the lowest app: it says who is a person); which users are
principals only the ``api`` app knows, so the backfill is here. One UPDATE, on SQLite and
PostgreSQL alike.
"""

from django.db import migrations


def mark(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    User = apps.get_model("portal", "User")
    User.objects.filter(pk__in=ApiKey.objects.values("principal_id")).update(is_api_principal=True)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_idempotency_record"),
        ("portal", "0005_user_is_api_principal"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
