from django.urls import path

from screening import alert_views, views

app_name = "screening"

urlpatterns = [
    path("brands/<int:pk>/", views.brand_screening, name="brand"),
    path("jobs/<uuid:public_id>/progress/", views.rescreen_job_progress_view, name="job-progress"),
    path("alerts/", alert_views.alert_inbox, name="alert-inbox"),
    path("alerts/<int:pk>/", alert_views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/confirm/", alert_views.alert_confirm_view, name="alert-confirm"),
    path("alerts/<int:pk>/already-filed/", alert_views.alert_close_already_filed_view, name="alert-already-filed"),
    path("alerts/<int:pk>/dismiss/", alert_views.alert_dismiss_view, name="alert-dismiss"),
]
