from django.urls import URLPattern

app_name = "extensions"
urlpatterns: list[URLPattern] = []
