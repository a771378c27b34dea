from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "registry.people"
    label = "people"
    verbose_name = "会计人员"
