from django.urls import path

from . import views

app_name = "extensions"
urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/new/", views.item_edit, name="item_new"),
    path("items/<slug:key>/", views.item_edit, name="item_edit"),
    path("people/<uuid:uid>/", views.person_values, name="person_values"),
]
