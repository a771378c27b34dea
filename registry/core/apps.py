from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "registry.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from .lookups import register

        register()
