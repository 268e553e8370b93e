"""Forms of the Good Faith pages. They check shape; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy

from good_faith.models import OVERALL
from portal.forms import LineField, ProseField
from takedowns.models import InfringementType

SCOPE_CHOICES = [(OVERALL, gettext_lazy("All infringement types (overall)")), *InfringementType.choices]


class MembershipDecisionForm(forms.Form):
    """Staff grant or revoke membership by hand for one scope; the decision holds until lifted."""

    infringement_type = forms.ChoiceField(choices=SCOPE_CHOICES, required=False, label=gettext_lazy("Scope"))
    reason = ProseField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Reason (shown to the rights holder and kept in the history)"),
        error_messages={"required": gettext_lazy("Give the reason for the decision.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext_lazy("Give the reason for the decision."))
        return reason


class OverrideLiftForm(forms.Form):
    """Staff hand a scope back to the nightly evaluation."""

    reason = ProseField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Reason for lifting the override"),
        error_messages={"required": gettext_lazy("Give the reason for lifting the override.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext_lazy("Give the reason for lifting the override."))
        return reason


class AuditDecisionForm(forms.Form):
    # No decision is chosen for the reviewer: the first option is "choose", and the form refuses it.
    decision = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("Choose a decision")),
            ("confirm", gettext_lazy("Confirm: the takedown was right")),
            ("reverse", gettext_lazy("Reverse: reinstate the listing, remove any penalty")),
        ]
    )
    reason = ProseField(
        # The audit queue shows the bare widget in a table cell: the placeholder stands in for the label.
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": gettext_lazy("Your finding (required, kept with the audit)")}
        ),
        label=gettext_lazy("Your finding (kept with the audit)"),
        error_messages={"required": gettext_lazy("Give the reasons for the audit decision.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext_lazy("Give the reasons for the audit decision."))
        return reason

    @property
    def reverse(self):
        return self.cleaned_data["decision"] == "reverse"


class StaffFilterForm(forms.Form):
    """The staff list: holders or partners, narrowed by membership status."""

    KIND_CHOICES = [("rights_holder", gettext_lazy("Rights holders")), ("partner", gettext_lazy("Vetting partners"))]
    STATUS_CHOICES = [
        ("", gettext_lazy("Any status")),
        ("member", gettext_lazy("Member (fast track in at least one scope)")),
        ("suspended", gettext_lazy("Suspended in at least one scope")),
        ("override", gettext_lazy("Staff override in force")),
        ("not_member", gettext_lazy("Not a member in any scope")),
    ]

    kind = forms.ChoiceField(choices=KIND_CHOICES, required=False, label=gettext_lazy("Who"))
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, label=gettext_lazy("Membership"))
    q = LineField(required=False, max_length=100, label=gettext_lazy("Name contains"))
