from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "registry.qualifications"
    label = "qualifications"
    verbose_name = "专业技术资格"

    def ready(self) -> None:
        from registry.people.hooks import (
            Badge,
            ListFilter,
            Tab,
            register_badge,
            register_filter,
            register_tab,
        )
        from registry.people.snapshot import register_section

        from .replica import replace_from_record
        from .replica_many import read_many, write_many
        from .selectors import FILTER_CHOICES, filter_people, highest_level_texts, section
        from .tab import tab_context

        register_section(
            "qualifications", section, replace_from_record, read_many=read_many, write_many=write_many
        )
        register_badge(Badge(key="qualification", texts=highest_level_texts))
        register_tab(
            Tab(
                key="qualifications",
                label="专业技术资格",
                template="qualifications/_tab.html",
                context=tab_context,
                order=10,
            )
        )
        register_filter(
            ListFilter(
                key="qualification",
                label="专业技术资格",
                choices=lambda: list(FILTER_CHOICES),
                apply=filter_people,
            )
        )
