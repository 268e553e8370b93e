"""Run the lifecycle demo once, and say what exists."""

from dataclasses import dataclass, field

from django.db.models import Count

from demo.lifecycle.cast import DEMO_FILER_EMAILS
from demo.lifecycle.story import DemoLifecycle
from takedowns.models import Appeal, Effect, Notice, NoticeItem


@dataclass
class Result:
    created: bool
    by_status: dict = field(default_factory=dict)
    notices: int = 0
    appeals: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)


def demo_lifecycle_seeded():
    return Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS).exists()


def demo_lifecycle_seed(*, now):
    """Create the demo notices once; returns a Result with what exists (created=False on a re-run)."""
    if demo_lifecycle_seeded():
        return _summary(created=False)
    DemoLifecycle(now).run()
    return _summary(created=True)


def _demo_items():
    return NoticeItem.objects.filter(notice__filer_email__in=DEMO_FILER_EMAILS)


def _summary(*, created):
    items = _demo_items()
    return Result(
        created=created,
        by_status=dict(items.values_list("status").annotate(n=Count("id")).order_by("status")),
        notices=Notice.objects.filter(filer_email__in=DEMO_FILER_EMAILS).count(),
        appeals=dict(
            Appeal.objects.filter(item__in=items).values_list("status").annotate(n=Count("id")).order_by("status")
        ),
        effects=dict(
            Effect.objects.filter(item__in=items).values_list("status").annotate(n=Count("id")).order_by("status")
        ),
    )
