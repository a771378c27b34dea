from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "registry.stats"
    label = "stats"
    verbose_name = "统计查询"

    def ready(self) -> None:
        from registry.people.hooks import register_write_listener

        from .aggregates import on_person_written, person_facts_refresh

        register_write_listener(
            on_person_written, batch=lambda persons: person_facts_refresh([p.pk for p in persons])
        )
