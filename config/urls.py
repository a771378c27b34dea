from django.apps import apps
from django.urls import include, path
from django.views.generic import RedirectView

from registry.collection.urls import portal_patterns, review_patterns

from .api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("portal/", include(portal_patterns)),
    path("review/", include(review_patterns)),
    path("accounts/", include("registry.accounts.urls")),
    path("people/", include("registry.people.urls")),
    path("api/v1/", api.urls),
    path("qualifications/", include("registry.qualifications.urls")),
    path("ce/", include("registry.continuing_education.urls")),
    path("talents/", include("registry.talents.urls")),
    path("credit/", include("registry.credit.urls")),
    path("changes/", include("registry.changes.urls")),
    path("extensions/", include("registry.extensions.urls")),
    path("stats/", include("registry.stats.urls")),
    path("imports/", include("registry.imports.urls")),
    path("sync/", include("registry.sync.urls")),
    path("transfers/", include("registry.transfers.urls")),
]
if apps.is_installed("registry.hub"):
    urlpatterns.append(path("hub/", include("registry.hub.urls")))
