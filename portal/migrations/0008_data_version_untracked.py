"""The data version's triggers put back as ``portal.pagecache`` now declares them: the version in two parts (the
data; the reviewers' claims, which only the queue shows), notifications and the audit log no longer tracked,
and a user's row raising it only when a column besides ``last_login`` changes (a sign-in no longer drops every
shared page)."""

from django.db import migrations, models


def reinstall(apps, schema_editor):
    from portal.pagecache import tracking_reinstall

    tracking_reinstall(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_data_version"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, reinstall),
        migrations.AddField(
            model_name="datachange",
            name="topic",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(reinstall, migrations.RunPython.noop),
    ]
