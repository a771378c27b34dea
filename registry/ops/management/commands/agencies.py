from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from registry.orgs.services import agencies_sync


class Command(BaseCommand):
    help = "按行政区划快照建立或更新会计管理机构树"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default=settings.REGISTRY_AGENCY_CODE)

    def handle(self, *args: Any, **options: Any) -> None:
        total = agencies_sync(options["province"])
        self.stdout.write(self.style.SUCCESS(f"会计管理机构共 {total} 个"))
