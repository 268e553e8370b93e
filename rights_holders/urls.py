from django.urls import path

from rights_holders import views

app_name = "rights"

urlpatterns = [
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/<int:pk>/", views.asset_detail, name="asset-detail"),
]
