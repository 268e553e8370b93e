from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.models import Membership


@login_required
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    return render(request, "portal/home.html", {"memberships": memberships})
