"""Forms of the filing page's notice in progress (``takedowns.drafts``).

Every field may be empty while the filer works: what the page sends is kept as it is (shape checked
here: lengths, control characters, the evidence files' bytes), and what a notice needs is asked by the
review (``notice_draft_review``), whose messages are placed by their field. The declarations read as on the
notice form (``takedowns.forms.NOTICE_DECLARATIONS``).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import LineField, ProseField
from takedowns.forms import MAX_EVIDENCE_FILES, NOTICE_DECLARATIONS, MultipleFileField
from takedowns.models import InfringementType


class DraftNoticeForm(forms.Form):
    filer_name = LineField(required=False, label=_("Your full name"))
    filer_address = LineField(max_length=400, required=False, label=_("Postal address"))
    filer_phone = LineField(max_length=40, required=False, label=_("Phone"))
    filer_email = forms.EmailField(required=False, label=_("E-mail"))
    good_faith_statement = forms.BooleanField(required=False, label=NOTICE_DECLARATIONS["good_faith_statement"])
    accuracy_statement = forms.BooleanField(required=False, label=NOTICE_DECLARATIONS["accuracy_statement"])
    authority_statement = forms.BooleanField(required=False, label=NOTICE_DECLARATIONS["authority_statement"])
    signature = LineField(
        required=False, label=_("Signature"), help_text=_("Type your full name; it signs the declarations above.")
    )

    FILER = ("filer_name", "filer_address", "filer_phone", "filer_email")
    DECLARATIONS = ("good_faith_statement", "accuracy_statement", "authority_statement", "signature")

    def filer_fields(self):
        return [self[name] for name in self.FILER]

    def declaration_fields(self):
        return [self[name] for name in self.DECLARATIONS]

    def valid_data(self):
        """The fields that are well formed (the others keep their stored value)."""
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class DraftRowForm(forms.Form):
    listing_ref = LineField(
        max_length=64,
        required=False,
        label=_("Listing id"),
        help_text=_("The marketplace's listing id, or find the listing with the search."),
    )
    ip_asset = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("IP asset"))
    infringement_type = forms.ChoiceField(required=False, label=_("Infringement type"))
    explanation = ProseField(
        required=False,
        label=_("Explanation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you saw and how it differs from the genuine product."),
    )
    evidence = MultipleFileField(
        label=_("Add evidence files"),
        help_text=_("PDF, JPEG, PNG or WebP; several allowed, at most %(max)d a listing.")
        % {"max": MAX_EVIDENCE_FILES},
    )
    test_buy_order_number = LineField(max_length=100, required=False, label=_("Test-buy order number"))
    test_buy_report = ProseField(required=False, label=_("Test-buy report"), widget=forms.Textarea(attrs={"rows": 2}))
    authorised_store_confirmed = forms.BooleanField(
        required=False, label=_("File anyway: I know this store is on the brand's list of authorised sellers.")
    )

    def __init__(self, *args, assets, row, **kwargs):
        kwargs.setdefault("prefix", f"row-{row.pk}")
        kwargs.setdefault(
            "initial",
            {
                "listing_ref": row.listing_ref,
                "ip_asset": row.ip_asset_id,
                "infringement_type": row.infringement_type,
                "explanation": row.explanation,
                "test_buy_order_number": row.test_buy_order_number,
                "test_buy_report": row.test_buy_report,
                "authorised_store_confirmed": row.authorised_store_confirmed,
            },
        )
        super().__init__(*args, **kwargs)
        self.row = row
        self.fields["ip_asset"].choices = [("", _("Choose a verified asset")), *((a.pk, str(a)) for a in assets)]
        self.fields["infringement_type"].choices = [("", _("Choose a type")), *InfringementType.choices]

    def row_values(self):
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        data.pop("evidence", None)
        if "ip_asset" in data:
            data["ip_asset_id"] = data.pop("ip_asset")
        elif "ip_asset" in self.errors:
            data["ip_asset_id"] = None
        return data
