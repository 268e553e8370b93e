"""The public transparency page (no login): what was filed, how it ended, how fast, and what came down
(``good_faith.transparency``)."""

from django.shortcuts import render

from good_faith.transparency import transparency_figures
from takedowns.views.public import PERIOD_DAYS, public_period


def transparency(request):
    days, error = public_period(request)
    context = {"figures": transparency_figures(days=days), "days": days, "periods": PERIOD_DAYS, "error": error}
    return render(request, "good_faith/transparency.html", context, status=400 if error else 200)
