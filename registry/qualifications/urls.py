from django.urls import URLPattern

app_name = "qualifications"
urlpatterns: list[URLPattern] = []
