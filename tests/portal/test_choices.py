"""portal.choices: every model's get_FOO_display answers as Django's own does, translating one label."""

from django.apps import apps
from django.db import models
from django.utils import translation

from portal.choices import _choice_display, choice_displays_install
from takedowns.models import ItemStatus, NoticeItem


def _choice_fields():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_parents=False):
            if getattr(field, "choices", None) and hasattr(field, "attname"):
                yield model, field


def test_every_generated_display_is_replaced_at_start_up():
    fields = list(_choice_fields())
    assert len(fields) > 20  # statuses, kinds, types, tracks, channels... of every app
    for model, field in fields:
        method = model.__dict__.get(f"get_{field.name}_display")
        if method is not None and getattr(method, "func", None) is not None:
            assert method.func is _choice_display, f"{model.__name__}.{field.name}"
    assert choice_displays_install() == 0  # installed once, in PortalConfig.ready


def test_every_display_says_what_djangos_own_says_in_each_language():
    compared = 0
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for model, field in _choice_fields():
                for value in [key for key, _ in field.flatchoices] + ["no-such-value"]:
                    instance = model()
                    setattr(instance, field.attname, value)
                    assert getattr(instance, f"get_{field.name}_display")() == models.Model._get_FIELD_display(
                        instance, field
                    ), (model.__name__, field.name, value, language)
                    compared += 1
    assert compared > 200


def test_an_items_status_reads_in_the_readers_language_and_an_unknown_value_as_itself():
    item = NoticeItem(status=ItemStatus.PENDING_REVIEW)
    assert item.get_status_display() == "Waiting for review"
    with translation.override("zh-hans"):
        assert item.get_status_display() == "待审核"
    assert NoticeItem(status="not-a-status").get_status_display() == "not-a-status"
