from django.apps import AppConfig
from django.conf import settings


class SyncConfig(AppConfig):
    name = "registry.sync"
    label = "sync"
    verbose_name = "数据上报"

    def ready(self) -> None:
        if settings.REGISTRY_ROLE != "province":
            return
        from .conflicts import conflicts_step
        from .drain import register_step

        register_step(conflicts_step)
        if settings.REGISTRY_HUB_URL:
            from registry.collection.national import register_national_check

            from .national import hub_archive_check

            register_national_check(hub_archive_check)
