"""A starting set of canned reasons that reviewers pick and then edit (staff can change them in the admin)."""

from django.db import migrations

CANNED_REASONS = [
    (
        "upheld",
        "Counterfeit: no answer in time",
        "The rights holder showed that the listing offers counterfeit goods bearing its registered mark, and the "
        "merchant did not refute this within the counter-notice window. The listing is removed.",
    ),
    (
        "upheld",
        "Counterfeit: counter-notice not convincing",
        "The merchant's counter-notice does not show that the goods are genuine: the documents do not trace them "
        "to the rights holder or one of its authorised distributors, and the rights holder's evidence (photos, "
        "test buy, price far below the reference price) shows counterfeit goods. The listing is removed.",
    ),
    (
        "upheld",
        "Trademark used without authorisation",
        "The listing uses the registered mark to describe or promote goods the rights holder did not make or "
        "authorise, in a way likely to mislead buyers about their origin. The listing is removed.",
    ),
    (
        "dismissed",
        "Genuine goods shown by invoices",
        "The merchant's invoices trace the goods to the rights holder or one of its authorised distributors, and "
        "the rights holder's reply does not call them into question. The listing stays (or is reinstated).",
    ),
    (
        "dismissed",
        "No infringement shown",
        "The notice does not show that the listing uses the right named: the product, its name and its images "
        "differ from the protected mark or design. The listing stays (or is reinstated).",
    ),
    (
        "rejected",
        "Not substantiated",
        "The notice does not explain how the listing infringes the right named, and no evidence (photos, test "
        "buy, comparison with the genuine product) supports it. You may file again with that information.",
    ),
    (
        "rejected",
        "Right does not cover the goods",
        "The registration named does not cover the goods offered in the listing (different classes or "
        "territory). You may file again naming a right that covers them.",
    ),
]


def add_canned_reasons(apps, schema_editor):
    CannedReason = apps.get_model("takedowns", "CannedReason")
    for outcome, title, text in CANNED_REASONS:
        CannedReason.objects.get_or_create(outcome=outcome, title=title, defaults={"text": text})


def remove_canned_reasons(apps, schema_editor):
    CannedReason = apps.get_model("takedowns", "CannedReason")
    for outcome, title, _ in CANNED_REASONS:
        CannedReason.objects.filter(outcome=outcome, title=title).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_canned_reasons, remove_canned_reasons),
    ]
