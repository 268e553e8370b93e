from django.urls import path

from screening.intel import views

app_name = "screening_intel"

urlpatterns = [
    path("", views.holder_list, name="holders"),
    path("<int:pk>/", views.holder_page, name="holder"),
    path("<int:pk>/keywords/", views.keywords_add, name="keywords-add"),
    path("<int:pk>/keywords/<int:keyword_pk>/remove/", views.keyword_remove, name="keyword-remove"),
    path("<int:pk>/sellers/", views.seller_add, name="seller-add"),
    path("<int:pk>/sellers/<int:report_pk>/remove/", views.seller_remove, name="seller-remove"),
    path("<int:pk>/counterfeit-images/", views.images_add, name="images-add"),
    path("<int:pk>/counterfeit-images/<int:image_pk>/remove/", views.image_remove, name="image-remove"),
]
