from django.urls import path

from . import views

app_name = "talents"
urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/<str:code>/", views.programme_edit, name="programme_edit"),
    path("people/<uuid:person_uid>/add/", views.add, name="add"),
    path("<uuid:uid>/status/", views.change_status, name="status"),
]
