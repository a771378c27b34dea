from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "registry.ops"
    label = "ops"
    verbose_name = "运维"
