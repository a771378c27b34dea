from django.apps import AppConfig


class ChangesConfig(AppConfig):
    name = "registry.changes"
    label = "changes"
    verbose_name = "信息变更"

    def ready(self) -> None:
        from registry.people.hooks import register_filter, register_tab

        from .filters import FILTER
        from .tabs import TABS

        for tab in TABS:
            register_tab(tab)
        register_filter(FILTER)
