"""Forms of the alerts inbox: its filters, the notice a confirmation files (pre-filled), a dismissal.

They check shape; the rules (who acts, the declarations, what a dismissal needs) live in
``screening.alerts`` and the engine's filing, which the views call.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import ProseField
from screening.alerts import alert_notice_draft
from screening.models import AlertStatus, DismissalReason
from takedowns.forms import MultipleFileField, NoticeForm
from takedowns.models import InfringementType

ALL_STATUSES = "all"


class AlertFilterForm(forms.Form):
    """The inbox's filters (GET): status (open unless told), brand and asset among the user's own."""

    status = forms.ChoiceField(
        choices=[*AlertStatus.choices, (ALL_STATUSES, _("Any status"))],
        required=False,
        initial=AlertStatus.OPEN,
        label=_("Status"),
    )
    brand = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("Brand"))
    asset = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_("IP asset"))
    sort = forms.ChoiceField(
        choices=[
            ("newest", _("Newest first")),
            ("score", _("Highest score first")),
            ("oldest", _("Oldest first")),
        ],
        required=False,
        label=_("Sort by"),
    )

    def __init__(self, data, *, holders, assets):
        super().__init__(data)
        self.fields["brand"].choices = [("", _("Every brand")), *((h.pk, h.legal_name) for h in holders)]
        many = len(holders) > 1
        self.fields["asset"].choices = [
            ("", _("Every asset")),
            # The name with its kind, office and number: one name is often registered in several offices.
            *((a.pk, f"{a.rights_holder.legal_name}: {a}" if many else str(a)) for a in assets),
        ]

    def filters(self):
        """The selector's arguments (``screening.selectors.alert_list``)."""
        data = self.cleaned_data
        status = data.get("status") or AlertStatus.OPEN
        return {
            "status": None if status == ALL_STATUSES else status,
            "rights_holder_id": data.get("brand"),
            "asset_id": data.get("asset"),
            "sort": data.get("sort") or "newest",
        }


class AlertConfirmForm(NoticeForm):
    """The notice a confirmation files: the filing form's filer part (who files, contact, declarations,
    signature) for the alert's brand only, and the alert's one line, whose type and explanation the
    filer reviews. The listing and the asset are the alert's and are shown, not chosen."""

    infringement_type = forms.ChoiceField(choices=InfringementType.choices, label=_("Infringement type"))
    explanation = ProseField(
        widget=forms.Textarea(attrs={"rows": 9}),
        label=_("Explanation"),
        help_text=_("What the merchant reads. Pre-filled with what screening found; add what you saw yourself."),
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        help_text=_("Optional: a test buy, photos (PDF, JPEG, PNG or WebP; several allowed)."),
    )

    def __init__(self, *args, alert, roles, user, **kwargs):
        draft = alert_notice_draft(alert)
        kwargs["initial"] = {
            "filer_name": user.get_full_name() or user.get_username(),
            "filer_email": user.email,
            "acting_for": roles[0].key if len(roles) == 1 else None,
            "infringement_type": draft.infringement_type,
            "explanation": draft.explanation,
        }
        super().__init__(*args, roles=roles, user=user, **kwargs)

    def line_fields(self):
        return [self["infringement_type"], self["explanation"], self["evidence"]]

    def notice_data(self):
        data = super().notice_data()
        for name in ("infringement_type", "explanation", "evidence"):
            data.pop(name)
        return data


class AlertDismissForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", _("Choose a reason")), *DismissalReason.choices],
        label=_("Why dismiss it"),
        error_messages={"required": _("Choose why you dismiss the alert.")},
    )
    note = ProseField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Note"),
        help_text=_("Required when the reason is “other”; kept with the decision."),
    )

    def clean(self):
        data = super().clean()
        # The verb says so too; here the message lands on the field.
        # A note refused already (too long, a control character) is not a missing one.
        if (
            data.get("reason") == DismissalReason.OTHER
            and "note" not in self.errors
            and not (data.get("note") or "").strip()
        ):
            self.add_error("note", _("Say in a note why you dismiss the alert (the reason is “other”)."))
        return data
