from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("mine/", views.my_record, name="mine"),
    path("<uuid:uid>/", views.person_detail, name="detail"),
    path("<uuid:uid>/reveal/", views.person_reveal, name="reveal"),
]
