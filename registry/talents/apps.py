from django.apps import AppConfig


class TalentsConfig(AppConfig):
    name = "registry.talents"
    label = "talents"
    verbose_name = "高端会计人才"
