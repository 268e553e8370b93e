"""Public pages, no login: the register of stores closed for counterfeiting ("name and shame")."""

from django.core.paginator import Paginator
from django.shortcuts import render

from takedowns.models import PublicRegisterEntry

PAGE_SIZE = 50


def public_register(request):
    # Only what the register publishes: no merchant identity, no personal data.
    entries = PublicRegisterEntry.objects.only("store_name", "region", "reason", "listed_at").order_by(
        "-listed_at", "-id"
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "takedowns/public_register.html", {"page": page})
