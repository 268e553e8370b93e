"""Public pages (no login), mounted at /register/ (namespace "public"): the register of stores closed for counterfeiting."""

from django.urls import path

from takedowns.views import public

app_name = "public"

urlpatterns = [
    path("", public.public_register, name="register"),
]
