from django.urls import path

from screening.report import views

app_name = "screening_report"

urlpatterns = [
    path("", views.report, name="report"),
]
