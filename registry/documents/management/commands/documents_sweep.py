from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from registry.documents.services import document_sweep_orphans


class Command(BaseCommand):
    help = "清理无记录的证明文件（上传事务回滚后遗留的密文）：默认只列出，--delete 才删除"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="删除找到的文件")
        parser.add_argument("--hours", type=int, default=24, help="只处理早于该小时数的文件（默认 24）")

    def handle(self, *args: Any, **options: Any) -> None:
        found = document_sweep_orphans(older_than=timedelta(hours=options["hours"]), delete=options["delete"])
        for name in found:
            self.stdout.write(name)
        verb = "已删除" if options["delete"] else "发现"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(found)} 个无记录的证明文件"))
