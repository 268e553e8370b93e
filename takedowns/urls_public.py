"""Public pages (no login): the register of stores closed for counterfeiting."""

app_name = "public"

urlpatterns = []
