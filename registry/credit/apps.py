from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "registry.credit"
    label = "credit"
    verbose_name = "信用信息"

    def ready(self) -> None:
        from .hooks import register

        register()
