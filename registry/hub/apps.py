from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "registry.hub"
    label = "hub"
    verbose_name = "全国枢纽"
