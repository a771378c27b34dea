from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "registry.sync"
    label = "sync"
    verbose_name = "数据上报"
