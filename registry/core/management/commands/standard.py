"""`registry standard schema|examples [--check]`: the generated documents of the interface spec.

- schema: docs/interface/person-record.schema.json, docs/interface/schemas/<message_type>.schema.json
  and docs/interface/interface.xsd, from the Pydantic models (registry.standard.xsd);
- examples: docs/interface/examples/<name>.json and .xml, signed with the example key
  (registry.standard.examples).

With --check nothing is written: the command fails, naming each stale file, when a committed file
differs from what the models generate (tests and CI run it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.standard.examples import EXAMPLES_DIR, example_documents
from registry.standard.xsd import RECORD_SCHEMA_PATH, SCHEMA_DIR, schema_documents

SCHEMA_PATH = Path(RECORD_SCHEMA_PATH)

GENERATORS: dict[str, tuple[Callable[[], dict[str, str]], str | None]] = {
    "schema": (schema_documents, SCHEMA_DIR),
    "examples": (example_documents, EXAMPLES_DIR),
}


def schema_text() -> str:
    return schema_documents()[RECORD_SCHEMA_PATH]


class Command(BaseCommand):
    help = (
        "数据标准：生成或核对 docs/interface/ 下由数据模型生成的文件"
        "（registry standard schema|examples|all [--check]）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=[*GENERATORS, "all"])
        parser.add_argument("--check", action="store_true", help="只核对已提交的文件是否最新，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        actions = list(GENERATORS) if options["action"] == "all" else [options["action"]]
        stale: list[str] = []
        for action in actions:
            generate, owned_dir = GENERATORS[action]
            documents = generate()
            if options["check"]:
                stale += self._check(base, documents, owned_dir)
            else:
                self._write(base, documents, owned_dir)
        if stale:
            raise CommandError(
                "以下文件与数据模型不一致，请运行 registry standard "
                + options["action"]
                + " 重新生成：\n  "
                + "\n  ".join(stale)
            )
        if options["check"]:
            self.stdout.write(self.style.SUCCESS("docs/interface/ 下的生成文件与数据模型一致"))

    def _check(self, base: Path, documents: dict[str, str], owned_dir: str | None) -> list[str]:
        stale = []
        for relative, text in documents.items():
            path = base / relative
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(relative)
        stale += [f"{name}（多余）" for name in self._leftovers(base, documents, owned_dir)]
        return stale

    def _write(self, base: Path, documents: dict[str, str], owned_dir: str | None) -> None:
        for name in self._leftovers(base, documents, owned_dir):
            (base / name).unlink()
            self.stdout.write(f"已删除 {name}")
        for relative, text in documents.items():
            path = base / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                self.stdout.write(self.style.SUCCESS(f"已写入 {relative}"))

    def _leftovers(self, base: Path, documents: dict[str, str], owned_dir: str | None) -> list[str]:
        """Files in a generated-only directory that the models no longer produce."""
        if owned_dir is None or not (base / owned_dir).is_dir():
            return []
        present = {p.relative_to(base).as_posix() for p in (base / owned_dir).iterdir() if p.is_file()}
        return sorted(present - set(documents))
