from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "registry.transfers"
    label = "transfers"
    verbose_name = "调转"

    def ready(self) -> None:
        from registry.changes.guards import register_guard
        from registry.people.hooks import register_write_guard

        from .selectors import frozen_reason, open_transfer_reason

        register_guard("transfers", open_transfer_reason)
        register_write_guard(frozen_reason)
        from registry.sync.drain import register_step

        from .hubsync import transfers_step

        register_step(transfers_step)
