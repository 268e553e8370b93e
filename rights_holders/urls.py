from django.urls import path

from rights_holders import views

app_name = "rights"

urlpatterns = [
    path("acting-for/", views.acting_for_set, name="acting-for"),
    path("assets/", views.asset_list, name="asset-list"),
    path("assets/new/", views.asset_create, name="asset-create"),
    path("assets/<int:pk>/", views.asset_detail, name="asset-detail"),
    path("assets/<int:pk>/decide/", views.asset_decide, name="asset-decide"),
    path("assets/<int:pk>/release/", views.asset_release, name="asset-release"),
    path("assets/<int:pk>/proofs/", views.asset_proof_add, name="asset-proof-add"),
    path("assets/<int:pk>/reference-images/", views.asset_reference_image_add, name="asset-reference-image-add"),
    path("assets/<int:pk>/reference-price/", views.asset_reference_price_set, name="asset-reference-price"),
    path("holders/<int:pk>/authorised-stores/", views.authorised_stores, name="authorised-stores"),
    path(
        "holders/<int:pk>/authorised-stores/<int:authorisation_pk>/remove/",
        views.authorised_store_remove_view,
        name="authorised-store-remove",
    ),
    path("holders/<int:pk>/proactive-enforcement/", views.proactive_enforcement, name="proactive-enforcement"),
]
