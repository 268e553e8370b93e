"""The intelligence page's forms: they read what was sent; the services (keywords, sellers, counterfeits)
judge it, so a page and any other caller refuse the same things with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import LineField
from screening.intel.models import SellerIdentityKind
from screening.intel.sellers import IDENTIFIER_MAX_LENGTH


class _Files(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files from one input, as sent (the upload validator judges them in the service)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", _Files(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise forms.ValidationError(_("Choose at least one picture (JPEG, PNG or WebP)."), code="required")
        return files


def _asset_choices(assets, *, blank=None):
    choices = [("", blank)] if blank else []
    # The asset's name with its kind, office and number: a brand often registers one name in several offices.
    return choices + [(str(asset.pk), str(asset)) for asset in assets]


class KeywordsForm(forms.Form):
    asset = forms.ChoiceField(label=_("Asset"))
    keywords = LineField(
        label=_("Keywords"),
        max_length=2000,
        error_messages={"required": _("Give at least one keyword.")},
        help_text=_(
            "Comma-separated: other spellings, model names, the brand in another script (耐克). "
            "Case, accents and spacing do not matter."
        ),
    )
    confirm_ordinary = forms.BooleanField(
        required=False,
        label=_("Add ordinary words anyway"),
        help_text=_("An ordinary English word counts only inside the asset's categories or beside another signal."),
    )

    def __init__(self, *args, assets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = _asset_choices(assets)


class SellerForm(forms.Form):
    store = LineField(
        label=_("Store"),
        required=False,
        max_length=IDENTIFIER_MAX_LENGTH,
        help_text=_("Its public id (sto_…) or its name as the marketplace shows it."),
    )
    phone = LineField(label=_("Phone"), required=False, max_length=IDENTIFIER_MAX_LENGTH)
    licence = LineField(label=_("Business licence number"), required=False, max_length=IDENTIFIER_MAX_LENGTH)
    payout = LineField(
        label=_("Payout account"),
        required=False,
        max_length=IDENTIFIER_MAX_LENGTH,
        help_text=_("An IBAN or account number, e.g. from a test buy's receipt."),
    )

    def identifiers(self):
        return {kind: self.cleaned_data.get(kind.value, "") for kind in SellerIdentityKind}


class CounterfeitImagesForm(forms.Form):
    asset = forms.ChoiceField(label=_("Asset"), required=False)
    images = FilesField(
        label=_("Pictures"), help_text=_("JPEG, PNG or WebP photos of counterfeits: the goods or their listings.")
    )

    def __init__(self, *args, assets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].choices = _asset_choices(assets, blank=_("All of the brand's assets"))
