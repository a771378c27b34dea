from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.ops.backup import BackupError, archive_verify, restore_archive


class Command(BaseCommand):
    help = (
        "从备份文件恢复到新建并已迁移的空实例：registry restore FILE [--noinput]；"
        "只校验不恢复：registry restore FILE --verify-only"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="备份文件（registry-backup-*.rbk）")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="不询问确认，直接恢复"
        )
        parser.add_argument(
            "--verify-only", action="store_true", help="只解密并核对全部摘要，不改动数据库和文件存储"
        )
        parser.add_argument(
            "--workdir", default=None, help="临时工作目录（需能容纳数据库副本；默认系统临时目录）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        workdir = Path(options["workdir"]) if options["workdir"] else None

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        def confirm(manifest: dict[str, Any]) -> bool:
            rows = sum(manifest["tables"].values())
            self.stdout.write(
                f"将把备份 {path.name}（创建于 {manifest['created_at']}，{rows} 行，"
                f"证明材料 {manifest['documents']['count']} 个）恢复到本实例。"
            )
            try:
                return input("输入 yes 继续：").strip().lower() == "yes"
            except EOFError:  # no terminal (cron, a pipe): not a yes
                return False

        try:
            if options["verify_only"]:
                with tempfile.TemporaryDirectory(prefix="registry-verify-", dir=workdir) as tmp:
                    manifest = archive_verify(path, Path(tmp), progress, stage_database=False).manifest
                self.stdout.write(
                    self.style.SUCCESS(
                        f"备份完好：创建于 {manifest['created_at']}，{len(manifest['tables'])} 个表，"
                        f"证明材料 {manifest['documents']['count']} 个，全部摘要一致"
                    )
                )
                return
            result = restore_archive(
                path,
                confirm=confirm if options["interactive"] else None,
                progress=progress,
                workdir=workdir,
            )
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：{result.rows} 行、证明材料 {result.documents} 个，各表记录数与备份清单一致"
            )
        )
        missing = result.manifest["documents"].get("missing_count", 0)
        if missing:
            self.stderr.write(
                self.style.WARNING(f"警告：备份时已有 {missing} 个证明材料缺失，恢复后这些记录同样没有文件")
            )
        outbox = result.manifest.get("counters", {}).get("outbox", {}).get("value", 0)
        self.stdout.write(
            f"注意：本节点的上报序号已回到 {outbox}。全国系统可能已收到更晚的上报，"
            "恢复上报前请先与全国系统对账（见 docs/ops-backup.md）。"
        )
