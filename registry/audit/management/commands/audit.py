from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "审计链校验：registry audit verify"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"审计链校验失败：{len(report.problems)} 处问题（已检查 {report.checked} 条）")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：已检查 {report.checked} 条事件"))
