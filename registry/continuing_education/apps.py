from django.apps import AppConfig


class ContinuingEducationConfig(AppConfig):
    name = "registry.continuing_education"
    label = "continuing_education"
    verbose_name = "继续教育"

    def ready(self) -> None:
        from . import hooks

        hooks.register()
