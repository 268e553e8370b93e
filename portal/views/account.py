"""The user's own account: the time zone deadlines are shown in; the password and two-factor sign-in link from it."""

import functools
import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit import audit_log_record
from portal.two_factor.devices import authenticator_of, backup_codes_left, two_factor_required


class ZoneChoices(BaseChoiceIterator):
    """``zone_choices()`` as a form's choices, taken as they are: Django re-normalises a list of some 400
    pairs each time a form is made."""

    def __iter__(self):
        return iter(zone_choices())


class ZoneSelect(forms.Select):
    """Django's Select, written exactly as its templates write it, with the options made once per process.

    The zone picker has some 400 options; Django renders each through its own template include, which cost
    the account page about 50 ms a request. The options never change while the process runs (the zone
    database is read once), so they are escaped and joined once, and only the selected one differs.
    """

    def optgroups(self, name, value, attrs=None):
        return []  # Django's template writes the <select> and its attributes; render() adds the options

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        head, _, tail = html.rpartition("</select>")
        index = _option_index()
        selected = next((v for v in self.format_value(value) if v in index), None)
        options = list(_option_lines())
        if selected is not None:
            options[index[selected]] = _option_line(selected, zone_choices()[index[selected]][1], selected=True)
        # Safe: Django's own output around options whose values and labels _option_line escaped.
        return mark_safe(head.removesuffix("\n") + "".join(options) + "\n</select>" + tail)  # noqa: S308


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Deadlines and times are shown in this zone, with UTC beside them."),
        choices=ZoneChoices(),
        widget=ZoneSelect,
    )


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


@functools.cache
def zone_choices():
    """The picker's (zone, label) pairs; read once per process (``available_timezones`` walks the zone files)."""
    return tuple((name, name.replace("_", " ")) for name in sorted(_zones()))


def _option_line(value, label, *, selected=False):
    # As select.html and select_option.html write an option (no attributes but "selected"; the option's
    # template ends with a line break).
    return f'\n  <option value="{escape(value)}"{" selected" if selected else ""}>{escape(label)}</option>\n'


@functools.cache
def _option_lines():
    return tuple(_option_line(value, label) for value, label in zone_choices())


@functools.cache
def _option_index():
    return {value: index for index, (value, _label) in enumerate(zone_choices())}


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
