from django.urls import URLPattern

app_name = "talents"
urlpatterns: list[URLPattern] = []
