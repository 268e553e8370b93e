"""The owner's form to create an API key. The rules (scopes allowed, name, expiry) are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.keys import scopes_offered_to
from api.models import ApiKey
from api.scopes import Scope
from portal.forms import LineField

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("180", _("In 180 days")),
    ("365", _("In a year")),
]


class ApiKeyCreateForm(forms.Form):
    name = LineField(
        max_length=ApiKey._meta.get_field("name").max_length,
        label=_("Name"),
        help_text=_("What the key is for, e.g. “ERP integration”. Shown in this list and in the audit log."),
    )
    scopes = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        label=_("Scopes"),
        help_text=_("What the key may do. Give it no more than the integration needs."),
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Expires"),
        help_text=_("A key that expires stops working by itself; you can revoke any key at any time."),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s, f"{s} ({Scope(s).label})") for s in scopes_offered_to(organisation)]
