from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "registry.collection"
    label = "collection"
    verbose_name = "信息采集"
