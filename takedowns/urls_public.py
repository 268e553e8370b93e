"""Public pages (no login): the register of stores closed for counterfeiting."""

from django.urls import path

from takedowns import views_public

app_name = "public"

urlpatterns = [
    path("", views_public.public_register, name="register"),
]
