from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.standard.record import record_json_schema

SCHEMA_PATH = Path("docs/interface/person-record.schema.json")


def schema_text() -> str:
    return json.dumps(record_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = (
        "数据标准：生成或核对 docs/interface/ 下的人员记录 JSON Schema（registry standard schema [--check]）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["schema"])
        parser.add_argument("--check", action="store_true", help="只核对已提交的文件是否最新")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / SCHEMA_PATH
        text = schema_text()
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{SCHEMA_PATH} 与数据标准不一致，请运行 registry standard schema 重新生成"
                )
            self.stdout.write(self.style.SUCCESS(f"{SCHEMA_PATH} 与数据标准一致"))
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"已写入 {SCHEMA_PATH}"))
