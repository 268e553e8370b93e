from django.shortcuts import render

from portal.models import Membership


def home(request):
    """The signed-in user's home; a visitor gets the landing page that explains the programme."""
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html")
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    return render(request, "portal/home.html", {"memberships": memberships})
