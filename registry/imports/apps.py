from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "registry.imports"
    label = "imports"
    verbose_name = "批量导入导出"
