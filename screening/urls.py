from django.urls import path

from screening import views

app_name = "screening"

urlpatterns = [
    path("brands/<int:pk>/", views.brand_screening, name="brand"),
    path("jobs/<uuid:public_id>/progress/", views.rescreen_job_progress_view, name="job-progress"),
]
