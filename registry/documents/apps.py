from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "registry.documents"
    label = "documents"
    verbose_name = "证明材料"
