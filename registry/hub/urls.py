from django.urls import path

from . import views
from .conflicts import handle_conflict_poll
from .endpoints import endpoint
from .handlers import handle_archive_query, handle_feed, handle_reconcile, handle_resync
from .transfers import handle_transfer_decision, handle_transfer_package, handle_transfer_poll

app_name = "hub"
urlpatterns = [
    path("api/v1/feed", endpoint("change_batch", handle_feed, with_form=True), name="feed"),
    path("api/v1/resync", endpoint("resync_batch", handle_resync), name="resync"),
    path("api/v1/reconcile", endpoint("reconcile_request", handle_reconcile), name="reconcile"),
    path("api/v1/archive-query", endpoint("archive_query", handle_archive_query), name="archive_query"),
    path("api/v1/transfer", endpoint("transfer_package", handle_transfer_package), name="transfer"),
    path("api/v1/transfer-poll", endpoint("transfer_poll", handle_transfer_poll), name="transfer_poll"),
    path(
        "api/v1/transfer-decision",
        endpoint("transfer_decision", handle_transfer_decision),
        name="transfer_decision",
    ),
    path("api/v1/conflicts", endpoint("conflict_poll", handle_conflict_poll), name="conflicts"),
    path("transfers/", views.transfers, name="transfers"),
    path("", views.freshness, name="freshness"),
    path("keys/", views.keys, name="keys"),
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/resolve/", views.quarantine_resolve, name="quarantine_resolve"),
]
