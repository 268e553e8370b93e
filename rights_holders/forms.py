from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from portal.forms import LineField, ProseField, free_text_formfield, whole_number
from rights_holders.models import AuthorisedStoreKind, IPAsset, RightsHolder


class IPAssetForm(forms.ModelForm):
    rights_holder = forms.ModelChoiceField(queryset=RightsHolder.objects.none(), label=gettext_lazy("Rights holder"))
    nice_classes_text = LineField(
        required=False,
        label=gettext_lazy("Nice classes"),
        help_text=gettext_lazy("Comma-separated numbers from 1 to 45, e.g. 18, 25"),
    )
    keywords_text = LineField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Brand keywords"),
        help_text=gettext_lazy("Comma-separated; screening looks for them in listings."),
    )
    proof = forms.FileField(
        label=gettext_lazy("Proof document"),
        help_text=gettext_lazy("Registration certificate or other proof of the right (PDF, JPEG or PNG)."),
    )

    class Meta:
        model = IPAsset
        # The model's text fields become LineField / ProseField: a length limit and no control characters.
        formfield_callback = free_text_formfield
        fields = [
            "rights_holder",
            "kind",
            "name",
            "trademark_type",
            "registration_number",
            "office",
            "registered_on",
            "expires_on",
            "description",
            "reference_price",
            "reference_currency",
        ]
        widgets = {
            "registered_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, holders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rights_holder"].queryset = holders
        if holders.count() == 1:
            self.fields["rights_holder"].initial = holders.first()

    def clean_nice_classes_text(self):
        raw = self.cleaned_data["nice_classes_text"]
        classes = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            number = whole_number(part, minimum=1, maximum=45)
            if number is None:
                raise forms.ValidationError(
                    gettext_lazy("%(part)s is not a Nice class; use numbers from 1 to 45.") % {"part": repr(part)}
                )
            classes.append(number)
        return sorted(set(classes))

    def clean_keywords_text(self):
        return [k.strip().lower() for k in self.cleaned_data["keywords_text"].split(",") if k.strip()]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "trademark" and not data.get("trademark_type"):
            self.add_error("trademark_type", gettext_lazy("Say whether the trademark is a word or a figurative mark."))
        if data.get("kind") != "trademark" and data.get("nice_classes_text"):
            self.add_error("nice_classes_text", gettext_lazy("Nice classes apply to trademarks only."))
        if data.get("reference_price") is not None and not data.get("reference_currency"):
            self.add_error("reference_currency", gettext_lazy("Give the currency of the reference price, e.g. EUR."))
        registered, expires = data.get("registered_on"), data.get("expires_on")
        if registered and expires and expires < registered:
            self.add_error("expires_on", gettext_lazy("The expiry date is before the registration date."))
        return data

    def registration(self):
        """What ``ip_asset_register`` takes from the valid form: (the rights holder, the asset's fields, the proof)."""
        fields = dict(self.cleaned_data)
        holder, proof = fields.pop("rights_holder"), fields.pop("proof")
        fields["nice_classes"] = fields.pop("nice_classes_text")
        fields["keywords"] = fields.pop("keywords_text")
        return holder, fields, proof


class AssetDecisionForm(forms.Form):
    """A reviewer verifies or rejects an asset; the reason is shown to the rights holder."""

    decision = forms.ChoiceField(
        choices=[("verify", gettext_lazy("Verify")), ("reject", gettext_lazy("Reject"))],
        error_messages={
            "required": gettext_lazy("Choose verify or reject."),
            "invalid_choice": gettext_lazy("Choose verify or reject."),
        },
    )
    reason = ProseField(required=False, label=gettext_lazy("Reason (required to reject; shown to the rights holder)"))


class ProactiveEnforcementForm(forms.Form):
    """Opt a brand in to proactive enforcement, or out. Opting in asks the owner to confirm they understand."""

    enabled = forms.TypedChoiceField(
        label=gettext_lazy("Proactive enforcement"),
        choices=[
            ("on", gettext_lazy("On: the marketplace files notices for us")),
            ("off", gettext_lazy("Off: screening only alerts us")),
        ],
        coerce=lambda value: value == "on",
        widget=forms.RadioSelect,
    )
    understood = forms.BooleanField(
        required=False,
        label=gettext_lazy("I understand that listings will be taken down at once, without our review, in our name."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("enabled") is True and not cleaned.get("understood"):
            self.add_error("understood", gettext_lazy("Confirm that you understand what turning it on does."))
        return cleaned


class ProofAddForm(forms.Form):
    proof = forms.FileField(
        label=gettext_lazy("Proof document"),
        help_text=gettext_lazy("A registration certificate, renewal or assignment (PDF, JPEG or PNG)."),
    )


class ReferenceImageAddForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Reference image"),
        help_text=gettext_lazy(
            "A genuine product or logo picture (JPEG, PNG or WebP); screening compares listings to it."
        ),
    )


class ReferencePriceForm(forms.Form):
    reference_price = forms.DecimalField(
        label=gettext_lazy("Reference price"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=gettext_lazy("What the genuine product sells for; leave empty to clear it."),
    )
    reference_currency = LineField(
        label=gettext_lazy("Currency"), required=False, max_length=3, help_text=gettext_lazy("Three letters, e.g. EUR.")
    )

    def clean(self):
        data = super().clean()
        if data.get("reference_price") is not None and not data.get("reference_currency"):
            self.add_error("reference_currency", gettext_lazy("Give the currency of the reference price, e.g. EUR."))
        return data


class AuthorisedStoreForm(forms.Form):
    store = LineField(
        label=gettext_lazy("Store"),
        max_length=100,
        help_text=gettext_lazy(
            "The store's id (sto_...) or the marketplace id of one of its listings, e.g. L000001234."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AuthorisedStoreKind.choices)
    note = LineField(label=gettext_lazy("Note"), required=False, max_length=300)
    valid_until = forms.DateField(
        label=gettext_lazy("Authorised until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for no end date."),
    )

    def clean_store(self):
        from rights_holders.asset_details import store_find

        store = store_find(self.cleaned_data["store"])
        if store is None:
            raise forms.ValidationError(
                gettext_lazy("No store with that id, and no listing with that id, on the marketplace.")
            )
        return store
