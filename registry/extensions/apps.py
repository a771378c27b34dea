from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    name = "registry.extensions"
    label = "extensions"
    verbose_name = "省级扩充项"
