from django.apps import AppConfig


class TalentsConfig(AppConfig):
    name = "registry.talents"
    label = "talents"
    verbose_name = "高端会计人才"

    def ready(self) -> None:
        from registry.people.hooks import ListFilter, Tab, register_filter, register_tab
        from registry.people.snapshot import register_section

        from .replica import replace_from_record
        from .replica_many import read_many, write_many
        from .selectors import FILTER_CHOICES, filter_people, section
        from .tab import tab_context

        register_section("talents", section, replace_from_record, read_many=read_many, write_many=write_many)
        register_tab(
            Tab(
                key="talents",
                label="高端会计人才",
                template="talents/_tab.html",
                context=tab_context,
                order=30,
            )
        )
        register_filter(
            ListFilter(
                key="talent", label="高端会计人才", choices=lambda: list(FILTER_CHOICES), apply=filter_people
            )
        )
