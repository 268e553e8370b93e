"""Organisation.slug: added empty, filled from each existing organisation's name, then made unique."""

from django.db import migrations, models

import portal.models


def fill_slugs(apps, schema_editor):
    # The rule of portal.organisations, restated here as migrations must not import code that can change.
    from django.utils.text import slugify

    Organisation = apps.get_model("portal", "Organisation")
    taken = set()
    for organisation in Organisation.objects.order_by("pk").only("pk", "name"):
        base = slugify(organisation.name)[:72].strip("-") or "org"
        if base.isdigit():
            base = f"org-{base}"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        Organisation.objects.filter(pk=organisation.pk).update(slug=slug)


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_platform_groups")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="slug",
            # No index yet: AlterField adds the unique one (and PostgreSQL's LIKE index) under the same name.
            field=models.SlugField(max_length=80, null=True, db_index=False),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="organisation",
            name="slug",
            field=models.SlugField(
                default=portal.models.organisation_slug_placeholder,
                help_text="Short unique name (letters, digits, hyphens; not digits alone), e.g. acme-sports.",
                max_length=80,
                unique=True,
                validators=[portal.models.organisation_slug_validate],
            ),
        ),
    ]
