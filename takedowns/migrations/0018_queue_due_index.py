from django.db import migrations, models


class Migration(migrations.Migration):
    """The reviewer queue's page walks its waiting items in due order (takedowns.workbench.queue_page_rows)."""

    dependencies = [
        ("takedowns", "0017_notice_drafts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="noticeitem",
            index=models.Index(
                condition=models.Q(("status__in", ["pending_adjudication", "pending_review"])),
                fields=["review_due_at"],
                name="item_queue_due_idx",
            ),
        ),
    ]
