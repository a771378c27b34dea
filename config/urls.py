from django.urls import include, path
from django.views.generic import RedirectView

from .api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="people:list", permanent=False)),
    path("accounts/", include("registry.accounts.urls")),
    path("people/", include("registry.people.urls")),
    path("api/v1/", api.urls),
]
