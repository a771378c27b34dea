from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.ops.seed import seed_people
from registry.orgs.models import Agency
from registry.orgs.services import agencies_sync


class Command(BaseCommand):
    help = "生成合成（虚构）会计人员数据：registry seed --people N"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=1000, help="新增人数")
        parser.add_argument("--province", default=settings.REGISTRY_AGENCY_CODE, help="省级机构代码")
        parser.add_argument("--random-seed", type=int, default=2018)
        parser.add_argument(
            "--no-stats", action="store_true", help="不重算统计（之后须运行 registry stats rebuild）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 0:
            raise CommandError("人数不能为负数")
        agencies_sync(options["province"])
        province = Agency.objects.get(code=options["province"])
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r已生成 {done}/{total} 人（{done * 100 // max(total, 1)}%）", ending="")
            self.stdout.flush()

        made = seed_people(province, options["people"], random_seed=options["random_seed"], progress=progress)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"已生成 {made} 名合成会计人员，用时 {time.perf_counter() - started:.1f} 秒")
        )
        if not options["no_stats"]:
            # The bulk load bypasses the services, so the statistics are recounted once afterwards.
            self.stdout.write("正在重算统计 …")
            call_command("stats", "rebuild", stdout=self.stdout)
