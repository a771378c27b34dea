from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from registry.orgs.services import agencies_sync, agencies_sync_all


class Command(BaseCommand):
    help = "按行政区划快照建立或更新会计管理机构树"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province", default=settings.REGISTRY_AGENCY_CODE, help="省级机构代码，all 为全国"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["province"]
        total = (
            agencies_sync_all()
            if code == "all" or settings.REGISTRY_ROLE == "national"
            else agencies_sync(code)
        )
        self.stdout.write(self.style.SUCCESS(f"会计管理机构共 {total} 个"))
