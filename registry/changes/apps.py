from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "registry.changes"
    label = "changes"
    verbose_name = "信息变更"
