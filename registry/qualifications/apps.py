from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "registry.qualifications"
    label = "qualifications"
    verbose_name = "专业技术资格"
