"""A model's ``get_FOO_display()`` that translates one label, not all of them.

Django's own (``Model._get_FIELD_display``) builds a dict of the field's choices on every call, and
hashing each lazy label translates it: an item's status has ten, so a list of 200 items with a status, a
type and a track translated some 4,000 labels to show 600 (a quarter of the reviewer queue's time). This
one walks the choices comparing values and translates only the label it returns, in the language active
then, exactly as Django's does. Installed for every model in ``PortalConfig.ready`` (all models are
loaded by then), in place of Django's generated method only: a model that writes its own
``get_FOO_display`` or ``_get_FIELD_display`` keeps it.
"""

from functools import partialmethod

from django.apps import apps
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


def _choice_display(self, *, field):
    value = getattr(self, field.attname)
    wanted = make_hashable(value)
    for key, label in field.flatchoices:
        if make_hashable(key) == wanted:
            return force_str(label, strings_only=True)
    return force_str(value, strings_only=True)


def choice_displays_install():
    """Put ``_choice_display`` in place of every model's generated ``get_FOO_display``; returns how many."""
    installed = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields(include_parents=False):
            if not getattr(field, "choices", None) or not hasattr(field, "attname"):
                continue
            name = f"get_{field.name}_display"
            current = model.__dict__.get(name)
            if (
                isinstance(current, partialmethod)
                and current.func is models.Model._get_FIELD_display
                and current.keywords.get("field") is field
            ):
                setattr(model, name, partialmethod(_choice_display, field=field))
                installed += 1
    return installed
