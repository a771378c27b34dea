from django.urls import URLPattern

app_name = "continuing_education"
urlpatterns: list[URLPattern] = []
