"""The data version's triggers put back as ``portal.pagecache`` now declares them: notifications are no longer
tracked, and a user's row moves the version only when a column besides ``last_login`` changes (a sign-in no
longer drops every shared page)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    from portal.pagecache import tracking_reinstall

    tracking_reinstall(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_data_version"),
    ]

    operations = [
        migrations.RunPython(reinstall, reinstall),
    ]
