"""The user's own account: the time zone deadlines are shown in; the password and two-factor sign-in link from it."""

import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_log_record
from portal.two_factor.devices import authenticator_of, backup_codes_left, two_factor_required


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Deadlines and times are shown in this zone, with UTC beside them."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in sorted(_zones())]


class TurnOffForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _zones():
    # Drop the legacy aliases ("US/Eastern", "Etc/GMT+5") that only confuse a picker.
    return {z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))} | {
        "UTC"
    }


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        before = user.time_zone
        user.time_zone = form.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])
        audit_log_record(
            action="portal.user.time_zone_changed",
            actor=user,
            obj=user,
            data={"before": before, "after": user.time_zone},
        )
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": user.time_zone})
        return redirect("account")
    return account_page(request, form=form)


def account_page(request, *, form=None, turn_off_form=None, status=200):
    """The account page; a form that came back with errors is shown with them."""
    user = request.user
    if form is None:
        form = PreferencesForm(initial={"time_zone": user.time_zone})
    memberships = user.memberships.select_related("organisation__rights_holder").order_by("organisation__name")
    authenticator = authenticator_of(user)
    context = {
        "form": form,
        "memberships": memberships,
        "two_factor": {
            "on": authenticator is not None,
            "required": two_factor_required(user),
            "backup_codes_left": backup_codes_left(user) if authenticator is not None else 0,
        },
        "turn_off_form": turn_off_form or TurnOffForm(),
    }
    return render(request, "portal/account.html", context, status=status)
