from django.apps import AppConfig


class ExtensionsConfig(AppConfig):
    name = "registry.extensions"
    label = "extensions"
    verbose_name = "省级扩充项"

    def ready(self) -> None:
        from registry.people.hooks import register_tab
        from registry.people.snapshot import register_section

        from .replica import replace_from_record
        from .replica_many import read_many, write_many
        from .selectors import snapshot_section
        from .tabs import TAB

        register_section(
            "extensions", snapshot_section, replace_from_record, read_many=read_many, write_many=write_many
        )
        register_tab(TAB)
