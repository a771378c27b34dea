from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.stats.aggregates import stats_rebuild, stats_verify
from registry.stats.services import exports_sweep


class Command(BaseCommand):
    help = (
        "统计数据：registry stats rebuild（按档案重算全部统计）| verify（重新计数并核对）"
        "| sweep（清理过期导出文件）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "verify", "sweep"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["action"] == "rebuild":

            def progress(done: int) -> None:
                if done % 50_000 < 2000:
                    self.stderr.write(f"  已处理 {done:,} 人")

            people, cells = stats_rebuild(progress=progress)
            seconds = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"统计数据已重建：{people:,} 名人员，{cells:,} 个统计单元（{seconds:.1f} 秒）"
                )
            )
            return
        if options["action"] == "sweep":
            removed = exports_sweep()
            self.stdout.write(self.style.SUCCESS(f"已清理 {removed} 个过期导出文件"))
            return
        report = stats_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"统计核对发现 {len(report.problems)} 处问题（已核对 {report.people:,} 名人员），"
                "请运行 registry stats rebuild"
            )
        seconds = time.perf_counter() - started
        counted = f"{report.people:,} 名人员，{report.cells:,} 个统计单元"
        self.stdout.write(self.style.SUCCESS(f"统计数据与档案一致：{counted}（{seconds:.1f} 秒）"))
