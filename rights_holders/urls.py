from django.urls import path

from rights_holders import views

app_name = "rights"

urlpatterns = [
    path("acting-for/", views.acting_for_set, name="acting-for"),
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/new/", views.asset_create, name="asset-create"),
    path("assets/<int:pk>/", views.asset_detail, name="asset-detail"),
    path("assets/<int:pk>/decide/", views.asset_decide, name="asset-decide"),
    path("holders/<int:pk>/proactive-enforcement/", views.proactive_enforcement, name="proactive-enforcement"),
]
