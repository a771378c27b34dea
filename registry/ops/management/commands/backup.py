from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "在系统运行中备份数据库和证明材料，生成一个加密备份文件：registry backup --output DIR [--keep N]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="备份目录（不存在时创建）")
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="备份成功后只保留最新的 N 个备份（默认取设置 REGISTRY_BACKUP_KEEP，未设置时为 14）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = backup_create(Path(options["output"]), keep=options["keep"], progress=progress)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        missing = result.manifest["documents"]["missing_count"]
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    f"警告：{missing} 个证明材料在文件存储中找不到，未能备份"
                    "（名单见备份清单的 documents.missing）"
                )
            )
        for path in result.pruned:
            self.stdout.write(f"已删除过期备份：{path.name}")
        self.stdout.write(
            self.style.SUCCESS(f"备份完成：{result.path}（{result.size / 2**20:.1f} MB，SM3 {result.sm3}）")
        )
        self.stdout.write(
            "提醒：备份文件只能用备份时的数据密钥 REGISTRY_DATA_KEYS 解密，密钥不在备份中，请另行妥善保管。"
        )
