from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "registry.orgs"
    label = "orgs"
    verbose_name = "会计管理机构"
